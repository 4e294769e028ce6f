"""The alerts API: thin handlers over ``AlertService`` and ``RuleStore``.

| route | who | what |
| --- | --- | --- |
| ``GET /api/alerts?limit=50`` | supervisor | open alerts, and the most recently raised |
| ``POST /api/alerts/{id}/ack`` | supervisor | acknowledge a raised alert (records who) |
| ``GET /api/alert-rules`` | supervisor | the live rules, and who saved them |
| ``PUT /api/alert-rules`` | admin | replace the rules (a YAML or JSON list) |

A rule set is validated whole: any problem refuses it with 400
``invalid-alert-rules`` (``details.problems``) and nothing changes. A saved
set is kept in SQL, so a restart keeps it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from callflow.auth import Role, identity_of, require
from dashboards.alerts.channels import alert_json
from dashboards.alerts.errors import AlertApiError, InvalidRules, RulesError
from dashboards.alerts.rules import parse_rules
from dashboards.alerts.services import AlertService
from dashboards.alerts.store import RuleStore

ALERTS: web.AppKey[AlertService] = web.AppKey("alerts", AlertService)
ALERT_RULES: web.AppKey[RuleStore] = web.AppKey("alert_rules", RuleStore)

MAX_LIMIT = 500

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _api(handler: Handler) -> Handler:
    """Render ``AlertApiError`` as JSON; keeps the handler's name and docstring."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except AlertApiError as exc:
            return web.json_response(exc.as_json(), status=exc.status)

    return wrapper


def _username(request: web.Request) -> str:
    identity = identity_of(request)
    return identity.username if identity is not None else "(unknown)"


@require(Role.SUPERVISOR)
async def list_alerts(request: web.Request) -> web.Response:
    """Open alerts (critical first) and the most recently raised ones (``limit``, max 500)."""
    try:
        limit = min(max(int(request.query.get("limit", "50")), 1), MAX_LIMIT)
    except ValueError:
        limit = 50
    service = request.app[ALERTS]
    active = await service.active()
    recent = await service.history(limit)
    return web.json_response(
        {"active": [alert_json(v) for v in active], "recent": [alert_json(v) for v in recent]}
    )


@require(Role.SUPERVISOR)
@_api
async def acknowledge_alert(request: web.Request) -> web.Response:
    """Acknowledge a raised alert: the supervisor is on it (404 unknown, 409 not raised)."""
    view = await request.app[ALERTS].acknowledge(request.match_info["id"], _username(request))
    return web.json_response({"alert": alert_json(view)})


@require(Role.SUPERVISOR)
async def get_rules(request: web.Request) -> web.Response:
    """The live alert rules."""
    return web.json_response((await request.app[ALERT_RULES].current()).as_json())


@require(Role.ADMIN)
@_api
async def put_rules(request: web.Request) -> web.Response:
    """Replace the alert rules, whole; a set with any problem is refused and changes nothing."""
    try:
        rules = parse_rules(await request.text(), source="request")
    except RulesError as exc:
        raise InvalidRules(exc.problems) from None
    saved, cleared = await request.app[ALERTS].replace_rules(
        rules, request.app[ALERT_RULES], _username(request)
    )
    return web.json_response({**saved.as_json(), "cleared": [alert_json(v) for v in cleared]})


def setup_alerts(app: web.Application, service: AlertService, rules_store: RuleStore) -> None:
    """Mount the alerts API on ``app`` (before it starts).

    Args:
        app: the application, with ``setup_auth`` already applied.
        service: the started ``AlertService``.
        rules_store: where admins' rule sets are kept.
    """
    app[ALERTS] = service
    app[ALERT_RULES] = rules_store
    app.router.add_get("/api/alerts", list_alerts)
    app.router.add_post("/api/alerts/{id}/ack", acknowledge_alert)
    app.router.add_get("/api/alert-rules", get_rules)
    app.router.add_put("/api/alert-rules", put_rules)
