"""Supervisors raise and clear live flags (``flu_surge``, ``major_incident`` …).

Scripts branch on them (``when: {flag: flu_surge}``) from the next call on, on
every instance. Only names the script catalogue knows are accepted, so a typo
cannot raise a flag no script will ever read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from callflow.auth import Role, require
from callflow.errors import ApiError
from callflow.flags.store import LiveFlags
from ivr_scripts import shipped_catalogue

FLAGS: web.AppKey[LiveFlags] = web.AppKey("flags", LiveFlags)


class UnknownFlag(ApiError):
    status = 404
    error_id = "unknown-flag"


def _known(name: str) -> str:
    known = shipped_catalogue().flags or frozenset()
    if name not in known:
        raise UnknownFlag("unknown flag", {"flag": name, "known": sorted(known)})
    return name


async def _listing(flags: LiveFlags) -> dict[str, object]:
    expiries = await flags.expiries()
    return {
        "flags": sorted(expiries),
        "expires_at": {
            name: None if at is None else datetime.fromtimestamp(at, UTC).isoformat()
            for name, at in sorted(expiries.items())
        },
    }


class BadTtl(ApiError):
    status = 400
    error_id = "bad-ttl"


def _ttl(request: web.Request) -> float | None:
    raw = request.query.get("ttl_s")
    if raw is None:
        return None
    try:
        ttl = float(raw)
    except ValueError:
        ttl = -1.0
    if not 0 < ttl <= 31 * 24 * 3600:
        raise BadTtl("ttl_s must be seconds between 0 and 31 days", {"ttl_s": raw})
    return ttl


@require(Role.SUPERVISOR)
async def list_flags(request: web.Request) -> web.Response:
    """The live flags raised now, with when each expires (null: until cleared)."""
    return web.json_response(await _listing(request.app[FLAGS]))


@require(Role.SUPERVISOR)
async def raise_flag(request: web.Request) -> web.Response:
    """Raise a flag (``?ttl_s=`` to let it expire): new calls on every instance see it."""
    try:
        name = _known(request.match_info["name"])
        ttl = _ttl(request)
    except ApiError as exc:
        return web.json_response(exc.as_json(), status=exc.status)
    await request.app[FLAGS].raise_flag(name, ttl)
    return web.json_response(await _listing(request.app[FLAGS]))


@require(Role.SUPERVISOR)
async def clear_flag(request: web.Request) -> web.Response:
    """Clear a flag."""
    await request.app[FLAGS].clear(request.match_info["name"])
    return web.json_response(await _listing(request.app[FLAGS]))


def setup_flags(app: web.Application, flags: LiveFlags) -> None:
    app[FLAGS] = flags
    app.router.add_get("/api/flags", list_flags)
    app.router.add_put("/api/flags/{name}", raise_flag)
    app.router.add_delete("/api/flags/{name}", clear_flag)
