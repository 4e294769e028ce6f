"""HTTP resources of the handoff: pull a bundle, list by state, replay.

=========================================  ==========  ==================================
``GET  /api/handoffs/{handoff_id}``        provider    the FHIR bundle (own handoffs only)
``GET  /api/handoffs?state=dead``          admin       delivery status rows, no payload
``POST /api/handoffs/{handoff_id}/replay`` admin       dead or delivered -> pending
=========================================  ==========  ==================================

Handlers stay thin: read the request, call ``HandoffService``, shape the answer.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from callflow.auth import Role, identity_of, require
from callflow.auth.errors import AuthenticationRequired
from callflow.handoff.errors import HandoffError, InvalidQuery, NoSuchHandoff
from callflow.handoff.keys import HANDOFF_SERVICE
from callflow.handoff.models import OutboxState
from callflow.handoff.outbox import CONTENT_TYPE

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_LIMIT = 1000
_NO_STORE = {"Cache-Control": "no-store"}


def _json_errors(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except HandoffError as exc:
            return web.json_response(exc.as_json(), status=exc.status, headers=_NO_STORE)

    return wrapper


def _handoff_id(request: web.Request) -> str:
    handoff_id = request.match_info["handoff_id"]
    if not 0 < len(handoff_id) <= 64:
        raise NoSuchHandoff(handoff_id)
    return handoff_id


@require(Role.PROVIDER)
@_json_errors
async def get_handoff(request: web.Request) -> web.StreamResponse:
    """Pull a handoff's FHIR bundle (a provider sees only handoffs addressed to it)."""
    identity = identity_of(request)
    if identity is None:  # the middleware guarantees one; keep mypy and readers sure
        raise AuthenticationRequired()
    stored = await request.app[HANDOFF_SERVICE].get_for(identity, _handoff_id(request))
    return web.json_response(
        stored.bundle,
        content_type=CONTENT_TYPE,
        headers={
            **_NO_STORE,
            "X-Urgentline-Handoff-State": stored.status.state,
            "ETag": f'"{stored.status.handoff_id}"',
        },
    )


@require(Role.ADMIN)
@_json_errors
async def list_handoffs(request: web.Request) -> web.StreamResponse:
    """List handoffs by delivery state (``?state=dead``), newest first, without payloads."""
    raw_state = request.query.get("state")
    state: OutboxState | None = None
    if raw_state is not None:
        try:
            state = OutboxState(raw_state)
        except ValueError:
            raise InvalidQuery(
                "state", "state must be pending, delivering, delivered or dead"
            ) from None
    try:
        limit = int(request.query.get("limit", "100"))
    except ValueError:
        raise InvalidQuery("limit", "limit must be an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery("limit", f"limit must be between 1 and {MAX_LIMIT}")
    provider = request.query.get("provider") or None
    rows = await request.app[HANDOFF_SERVICE].list(state=state, provider=provider, limit=limit)
    return web.json_response({"handoffs": [row.as_json() for row in rows]}, headers=_NO_STORE)


@require(Role.ADMIN)
@_json_errors
async def replay_handoff(request: web.Request) -> web.StreamResponse:
    """Deliver a dead or delivered handoff again (back to pending, attempts reset)."""
    status = await request.app[HANDOFF_SERVICE].replay(_handoff_id(request))
    return web.json_response({"handoff": status.as_json()}, headers=_NO_STORE)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/handoffs", list_handoffs)
    app.router.add_get("/api/handoffs/{handoff_id}", get_handoff)
    app.router.add_post("/api/handoffs/{handoff_id}/replay", replay_handoff)
