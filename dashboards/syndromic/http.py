"""The syndromic API: supervisors read the view, commissioners decide on proposals.

``GET /api/syndromic`` (supervisor) returns :class:`~dashboards.views.SyndromicView`
as JSON; ``POST /api/syndromic/proposals/{id}/approve`` and ``.../reject``
(commissioner) decide on a proposed front-end message and return the
proposal. Unknown ids are 404 ``no-such-proposal``; a proposal already decided
or stale is 409 ``proposal-not-open``.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum

from aiohttp import web

from callflow.auth import Role, identity_of, require
from callflow.errors import ApiError
from dashboards.syndromic.monitor import SyndromicMonitor

MONITOR: web.AppKey[SyndromicMonitor] = web.AppKey("syndromic_monitor", SyndromicMonitor)

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def to_json(value: object) -> JsonValue:
    """A view model (frozen dataclasses, datetimes, enums) as plain JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"not JSON-able: {type(value).__name__}")


@require(Role.SUPERVISOR)
async def syndromic_view(request: web.Request) -> web.Response:
    """Counts per indicator and area, recent alarms and proposals."""
    monitor = request.app[MONITOR]
    return web.json_response(to_json(await monitor.view(monitor.clock())))


@require(Role.COMMISSIONER)
async def approve_proposal(request: web.Request) -> web.Response:
    """Apply a proposed message: its flag goes up for the rule's hold time."""
    monitor = request.app[MONITOR]
    try:
        proposal = await monitor.approve(request.match_info["id"], by=_user(request))
    except ApiError as exc:
        return web.json_response(exc.as_json(), status=exc.status)
    return web.json_response(to_json(proposal))


@require(Role.COMMISSIONER)
async def reject_proposal(request: web.Request) -> web.Response:
    """Reject a proposed message; nothing is raised."""
    monitor = request.app[MONITOR]
    try:
        proposal = await monitor.reject(request.match_info["id"], by=_user(request))
    except ApiError as exc:
        return web.json_response(exc.as_json(), status=exc.status)
    return web.json_response(to_json(proposal))


def _user(request: web.Request) -> str:
    identity = identity_of(request)
    assert identity is not None  # the route needs a signed-in commissioner
    return identity.username


def setup_syndromic(app: web.Application, monitor: SyndromicMonitor) -> None:
    """Mount the syndromic API on ``app`` (behind ``setup_auth``'s middleware)."""
    app[MONITOR] = monitor
    app.router.add_get("/api/syndromic", syndromic_view)
    app.router.add_post("/api/syndromic/proposals/{id}/approve", approve_proposal)
    app.router.add_post("/api/syndromic/proposals/{id}/reject", reject_proposal)
