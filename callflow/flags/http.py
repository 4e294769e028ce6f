"""Supervisors raise and clear live flags (``flu_surge``, ``major_incident`` …).

Scripts branch on them (``when: {flag: flu_surge}``) from the next call on, on
every instance. Only names the script catalogue knows are accepted, so a typo
cannot raise a flag no script will ever read.
"""

from __future__ import annotations

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


@require(Role.SUPERVISOR)
async def list_flags(request: web.Request) -> web.Response:
    """The live flags raised now."""
    return web.json_response({"flags": sorted(await request.app[FLAGS].current())})


@require(Role.SUPERVISOR)
async def raise_flag(request: web.Request) -> web.Response:
    """Raise a flag: new calls on every instance see it."""
    try:
        name = _known(request.match_info["name"])
    except UnknownFlag as exc:
        return web.json_response(exc.as_json(), status=exc.status)
    await request.app[FLAGS].raise_flag(name)
    return web.json_response({"flags": sorted(await request.app[FLAGS].current())})


@require(Role.SUPERVISOR)
async def clear_flag(request: web.Request) -> web.Response:
    """Clear a flag."""
    await request.app[FLAGS].clear(request.match_info["name"])
    return web.json_response({"flags": sorted(await request.app[FLAGS].current())})


def setup_flags(app: web.Application, flags: LiveFlags) -> None:
    app[FLAGS] = flags
    app.router.add_get("/api/flags", list_flags)
    app.router.add_put("/api/flags/{name}", raise_flag)
    app.router.add_delete("/api/flags/{name}", clear_flag)
