"""Providers report how many clinicians they have on duty; supervisors see the queues."""

from __future__ import annotations

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callflow.auth import Role, require
from callflow.errors import ApiError
from callflow.routing.destinations import Destinations
from callflow.routing.queues import QueueStore

QUEUES: web.AppKey[QueueStore] = web.AppKey("queues", QueueStore)
DESTINATIONS: web.AppKey[Destinations] = web.AppKey("destinations", Destinations)


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinicians_on_duty: int = Field(ge=0, le=10_000)


class NoSuchProvider(ApiError):
    status = 404
    error_id = "no-such-provider"


class InvalidAvailability(ApiError):
    status = 400
    error_id = "invalid-body"


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.as_json(), status=exc.status)


@require(Role.PROVIDER)
async def report_availability(request: web.Request) -> web.Response:
    """A provider reports its clinicians on duty; the queue uses it at once."""
    provider = request.match_info["provider"]
    if request.app[DESTINATIONS].get(provider) is None:
        return _error(NoSuchProvider("unknown provider", {"provider": provider}))
    try:
        body = Availability.model_validate_json(await request.read())
    except ValidationError as exc:
        fields = [".".join(str(p) for p in e["loc"]) for e in exc.errors()]
        message = "expected {clinicians_on_duty: int >= 0}"
        return _error(InvalidAvailability(message, {"fields": fields}))
    queues = request.app[QUEUES]
    await queues.set_capacity(provider, body.clinicians_on_duty)
    busy = await queues.busy(provider)
    return web.json_response(
        {"provider": provider, "clinicians_on_duty": body.clinicians_on_duty, "busy": busy}
    )


@require(Role.SUPERVISOR)
async def queue_status(request: web.Request) -> web.Response:
    """Calls waiting and longest wait per pathway; busy and on-duty clinicians per provider."""
    queues = request.app[QUEUES]
    destinations = request.app[DESTINATIONS]
    pathways = {}
    for pathway in sorted(destinations.pathways):
        stats = await queues.stats(pathway)
        pathways[pathway] = {
            "waiting": stats.waiting,
            "longest_wait_s": round(stats.longest_wait_s, 1),
        }
    providers = {
        key: {
            "busy": await queues.busy(key),
            "clinicians_on_duty": await queues.capacity(key, destination.capacity),
        }
        for key, destination in destinations.destinations.items()
    }
    return web.json_response({"pathways": pathways, "providers": providers})


def setup_routing(app: web.Application, queues: QueueStore, destinations: Destinations) -> None:
    app[QUEUES] = queues
    app[DESTINATIONS] = destinations
    app.router.add_post("/api/providers/{provider}/availability", report_availability)
    app.router.add_get("/api/queues", queue_status)
