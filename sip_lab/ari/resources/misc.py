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
