"""The one aiohttp application: health, metrics, API, auth, on one port.

``create_app`` is the composition root of the HTTP side (DESIGN: it may import
every package). The service starts and stops with the application through a
cleanup context, so ``aiohttp``'s runner owns its lifetime.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib.metadata import version

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from callflow.auth import Role, authenticated, public, require, setup_auth
from callflow.flags import setup_flags
from callflow.handoff.wiring import setup_handoff
from callflow.openapi import openapi_document
from callflow.plans.wiring import setup_plans
from callflow.routing.http import setup_routing
from callflow.service import Service
from callflow.settings import Settings
from dashboards.runtime import Dashboards, DashboardSettings

SERVICE: web.AppKey[Service] = web.AppKey("service", Service)
DASHBOARDS: web.AppKey[Dashboards] = web.AppKey("dashboards", Dashboards)


def create_app(settings: Settings, service: Service | None = None) -> web.Application:
    """Build the application; ``service`` lets the demo and tests pass their own."""
    app = web.Application()
    svc = service or Service(settings)
    app[SERVICE] = svc
    setup_auth(app, svc.db, settings)
    setup_routing(app, svc.queues, svc.book)
    setup_flags(app, svc.flags)
    setup_plans(app, svc.db, svc.redis, settings, service=svc.plans)
    setup_handoff(app, svc.db, svc.handoffs.config, service=svc.handoffs, run=False)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/api/calls/summary", calls_summary)
    app.router.add_get("/api/openapi.json", openapi)
    if service is None:
        app.cleanup_ctx.append(_run_service)
    if settings.dashboards_enabled:
        dashboards = _dashboards(settings, svc)
        dashboards.mount(app, svc.metrics.registry)
        app[DASHBOARDS] = dashboards
        app.cleanup_ctx.append(_run_dashboards)
    return app


def _dashboards(settings: Settings, svc: Service) -> Dashboards:
    """Metrics, alerts, surveillance and pages over this service's stream and flags."""
    destinations = svc.destinations
    recipients = [r.strip() for r in settings.public_health_recipients.split(",") if r.strip()]
    return Dashboards(
        svc.db,
        svc.redis,
        DashboardSettings(
            instance=svc.instance,
            providers=tuple(destinations.destinations),
            pathways=tuple(sorted(destinations.pathways)),
            labels={key: d.name for key, d in destinations.destinations.items()},
            public_health_recipients=tuple(recipients),
        ),
        raise_flag=svc.flags.raise_flag,
    )


async def _run_service(app: web.Application) -> AsyncIterator[None]:
    async with app[SERVICE]:
        yield


async def _run_dashboards(app: web.Application) -> AsyncIterator[None]:
    # After the service (cleanup contexts run in order): the schema is migrated.
    async with app[DASHBOARDS]:
        yield


@public
async def healthz(request: web.Request) -> web.Response:
    """Alive: the process answers. Says nothing about dependencies."""
    return web.json_response({"status": "ok"})


@public
async def readyz(request: web.Request) -> web.Response:
    """Ready to take calls: the ARI event socket is up (calls would fail over otherwise)."""
    service = request.app[SERVICE]
    ready = service.ready
    body = {"ready": ready, "ari_connected": ready, "active_calls": service.active_calls}
    return web.json_response(body, status=200 if ready else 503)


@require(Role.SUPERVISOR)
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[SERVICE].metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


@authenticated
async def openapi(request: web.Request) -> web.Response:
    """The OpenAPI document of this service, generated from its routes."""
    return web.json_response(openapi_document(request.app, version("urgentline")))


@require(Role.SUPERVISOR)
async def calls_summary(request: web.Request) -> web.Response:
    """Counts of ended calls by outcome and destination, from the CallRecords."""
    summary = await request.app[SERVICE].summary()
    return web.json_response(summary)
