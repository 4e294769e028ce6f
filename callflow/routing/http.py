"""Providers report clinicians on duty; supervisors see the queues; admins set destinations."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callflow.auth import Role, identity_of, require
from callflow.errors import ApiError
from callflow.routing.book import DestinationBook
from callflow.routing.destinations import Destinations
from callflow.routing.queues import QueueStore

QUEUES: web.AppKey[QueueStore] = web.AppKey("queues", QueueStore)
DESTINATIONS: web.AppKey[DestinationBook] = web.AppKey("destinations", DestinationBook)


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinicians_on_duty: int = Field(ge=0, le=10_000)


class NoSuchProvider(ApiError):
    status = 404
    error_id = "no-such-provider"


class InvalidAvailability(ApiError):
    status = 400
    error_id = "invalid-body"


class InvalidDestinations(ApiError):
    status = 400
    error_id = "invalid-destinations"


def _error(exc: ApiError) -> web.Response:
    return web.json_response(exc.as_json(), status=exc.status)


@require(Role.PROVIDER)
async def report_availability(request: web.Request) -> web.Response:
    """A provider reports its clinicians on duty; the queue uses it at once."""
    provider = request.match_info["provider"]
    if request.app[DESTINATIONS].current.get(provider) is None:
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
    destinations = request.app[DESTINATIONS].current
    pathways = {}
    for pathway in sorted(destinations.pathways):
        stats = await queues.stats(pathway)
        pathways[pathway] = {
            "waiting": stats.waiting,
            "longest_wait_s": round(stats.longest_wait_s, 1),
        }
    now = datetime.now(UTC)
    providers = {
        key: {
            "busy": await queues.busy(key),
            "clinicians_on_duty": await queues.capacity(key, destination.capacity),
            "open": destinations.is_open(key, now),
            "hours": destination.hours.describe() if destination.hours else None,
        }
        for key, destination in destinations.destinations.items()
    }
    return web.json_response({"pathways": pathways, "providers": providers})


def _document(book: DestinationBook) -> dict[str, object]:
    return {
        "version": book.version,
        "source": "file" if book.version is None else "saved",
        "destinations": book.current.model_dump(mode="json", exclude_none=True),
    }


def _unwrapped(body: object) -> object:
    """The document itself, or the ``destinations`` of what GET returned (both accepted)."""
    if isinstance(body, dict) and "fallback" not in body:
        inner = body.get("destinations")
        if isinstance(inner, dict) and "fallback" in inner:
            return inner
    return body


@require(Role.SUPERVISOR)
async def get_destinations(request: web.Request) -> web.Response:
    """The destinations in force: providers, endpoints, pathways, capacity, opening hours."""
    return web.json_response(_document(request.app[DESTINATIONS]))


@require(Role.ADMIN)
async def put_destinations(request: web.Request) -> web.Response:
    """Replace the whole set (the shape of destinations.yaml, as JSON); the next call uses it.

    The document is checked as a whole (the fallback must be served and open
    24/7, hours must parse, time zone must exist); a refusal changes nothing.
    """
    try:
        body = await request.json()
        destinations = Destinations.model_validate(_unwrapped(body))
    except ValueError as exc:
        problems = (
            [
                f"{'.'.join(str(p) for p in e['loc']) or '(document)'}: {e['msg']}"
                for e in exc.errors(include_input=False)
            ]
            if isinstance(exc, ValidationError)
            else ["the body is not JSON"]
        )
        return _error(InvalidDestinations("destinations refused", {"problems": problems}))
    book = request.app[DESTINATIONS]
    identity = identity_of(request)
    await book.save(destinations, identity.username if identity else "unknown")
    return web.json_response(_document(book))


def setup_routing(app: web.Application, queues: QueueStore, destinations: DestinationBook) -> None:
    app[QUEUES] = queues
    app[DESTINATIONS] = destinations
    app.router.add_post("/api/providers/{provider}/availability", report_availability)
    app.router.add_get("/api/queues", queue_status)
    app.router.add_get("/api/destinations", get_destinations)
    app.router.add_put("/api/destinations", put_destinations)
