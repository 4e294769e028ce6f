"""``/asterisk``, ``/applications`` and ``/playbacks`` operations."""

from __future__ import annotations

from aiohttp import web

from sip_lab.ari.errors import AriError
from sip_lab.ari.events import ari_time, playback_json
from sip_lab.ari.resources.common import Call, no_content, ok, operation
from sip_lab.ari.state import utcnow
from sip_lab.ari.types import JsonObject


@operation("asterisk.getInfo")
def info(call: Call) -> web.Response:
    """System information shaped like the 22.10.1 sample; ``only`` filters sections."""
    config = call.sim.config
    started = ari_time(call.sim.engine.started_at)
    sections: JsonObject = {
        "build": {
            "os": "Linux",
            "kernel": "6.1.0-sip-lab",
            "machine": "x86_64",
            "options": "OPTIONAL_API",
            "date": "2026-11-24 06:00:18 UTC",
            "user": "root",
        },
        "system": {"version": "22.10.1", "entity_id": config.entity_id},
        "config": {
            "name": config.system_name,
            "default_language": config.language,
            "setid": {"user": "", "group": ""},
        },
        "status": {"startup_time": started, "last_reload_time": started},
    }
    only = call.params.texts("only")
    if only:
        sections = {k: v for k, v in sections.items() if k in only}
    return ok(sections)


@operation("asterisk.ping")
def ping(call: Call) -> web.Response:
    """``{"ping": "pong", ...}``."""
    return ok(
        {"ping": "pong", "timestamp": ari_time(utcnow()), "asterisk_id": call.sim.config.entity_id}
    )


@operation("asterisk.getGlobalVar")
def get_global(call: Call) -> web.Response:
    """A global variable ("" when unset)."""
    name = call.params.text("variable")
    if not name:
        raise AriError.message(400, "Variable name is required")
    return ok({"value": call.sim.engine.global_vars.get(name, "")})


@operation("asterisk.setGlobalVar")
def set_global(call: Call) -> web.Response:
    """Set a global variable."""
    name = call.params.text("variable")
    if not name:
        raise AriError.message(400, "Variable name is required")
    call.sim.engine.global_vars[name] = call.params.text("value") or ""
    return no_content()


@operation("applications.list")
def list_apps(call: Call) -> web.Response:
    """Registered applications (connected, or still holding channels)."""
    return ok([app.to_json() for app in call.sim.apps.apps.values()])


@operation("applications.get")
def get_app(call: Call) -> web.Response:
    """One application with its subscriptions."""
    app = call.sim.apps.apps.get(call.path["applicationName"])
    if app is None:
        raise AriError.message(404, "Application not found")
    return ok(app.to_json())


@operation("applications.subscribe")
def subscribe(call: Call) -> web.Response:
    """``stasis_app_subscribe()``: route a channel's or bridge's events to the application.

    400 for a missing source or an unknown scheme, 404 for an unknown application,
    422 for a source that does not exist (a channel already hung up).
    """
    sources = [s for s in call.params.texts("eventSource") if s]
    if not sources:
        raise AriError.message(400, "Missing parameter eventSource")
    apps = call.sim.apps
    name = call.path["applicationName"]
    if name not in apps.apps:
        raise AriError.message(404, "Application not found")
    engine = call.sim.engine
    found: list[tuple[str, str]] = []
    for source in sources:
        scheme, _, ident = source.partition(":")
        if scheme not in {"channel", "bridge", "endpoint", "deviceState"}:
            raise AriError.message(400, "Invalid event source URI scheme")
        exists = (scheme == "channel" and ident in engine.channels) or (
            scheme == "bridge" and ident in engine.bridges
        )
        if not exists:  # the lab has no endpoints or device states to watch
            raise AriError.message(422, "Event source does not exist")
        found.append((scheme, ident))
    for scheme, ident in found:
        if scheme == "channel":
            apps.subscribe_channel(name, ident)
        else:
            apps.subscribe_bridge(name, ident)
    return ok(apps.apps[name].to_json())


@operation("playbacks.get")
def get_playback(call: Call) -> web.Response:
    """A queued or playing playback (finished ones are gone: 404)."""
    pb = call.sim.engine.media.playbacks.get(call.path["playbackId"])
    if pb is None:
        raise AriError.message(404, "Playback not found")
    return ok(playback_json(pb))


@operation("playbacks.stop")
def stop_playback(call: Call) -> web.Response:
    """Stop: 204 now, ``PlaybackFinished`` (done) right after; 404 once finished."""
    pb = call.sim.engine.media.playbacks.get(call.path["playbackId"])
    if pb is None:
        raise AriError.message(404, "Playback not found")
    call.sim.engine.media.stop_playback(pb)
    return no_content()
