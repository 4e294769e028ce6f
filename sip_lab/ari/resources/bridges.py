"""``/bridges`` operations, with the checks and messages of ``resource_bridges.c``."""

from __future__ import annotations

from aiohttp import web

from sip_lab.ari.errors import AriError
from sip_lab.ari.events import bridge_json, playback_json
from sip_lab.ari.resources.common import Call, created, no_content, ok, operation
from sip_lab.ari.state import Channel


@operation("bridges.list")
def list_bridges(call: Call) -> web.Response:
    """Every bridge."""
    return ok([bridge_json(b) for b in call.sim.engine.bridges.values()])


@operation("bridges.create")
def create(call: Call) -> web.Response:
    """A new bridge (``mixing`` unless ``type`` says ``holding``)."""
    p = call.params
    bridge_id = p.text("bridgeId")
    if bridge_id and bridge_id in call.sim.engine.bridges:
        raise AriError.message(409, f"Bridge with id '{bridge_id}' already exists")
    bridge = call.sim.engine.create_bridge(bridge_id, p.text("type") or "", p.text("name") or "")
    return ok(bridge_json(bridge))


@operation("bridges.createWithId")
def create_with_id(call: Call) -> web.Response:
    """Create the bridge, or return it unchanged if it exists (no renaming, no retyping)."""
    p = call.params
    existing = call.sim.engine.bridges.get(call.path["bridgeId"])
    name = p.text("name") or ""
    if existing is not None:
        if name and name != existing.name:
            raise AriError.message(500, "Changing bridge name is not implemented")
        if p.text("type"):
            raise AriError.message(
                500, "Supplying a bridge type when updating a bridge is not allowed."
            )
        return ok(bridge_json(existing))
    bridge = call.sim.engine.create_bridge(call.path["bridgeId"], p.text("type") or "", name)
    return ok(bridge_json(bridge))


@operation("bridges.get")
def get(call: Call) -> web.Response:
    """One bridge's snapshot."""
    return ok(bridge_json(call.bridge()))


@operation("bridges.destroy")
def destroy(call: Call) -> web.Response:
    """Members leave (staying in Stasis), then ``BridgeDestroyed``."""
    call.sim.engine.destroy_bridge(call.bridge())
    return no_content()


def _controls(call: Call) -> list[Channel]:
    """``control_list_create()``: 400 for a missing or unknown channel, 422 if not in Stasis."""
    ids = [c for c in call.params.texts("channel") if c]
    if not ids:
        raise AriError.message(400, "Missing parameter channel")
    members = []
    for channel_id in ids:
        ch = call.sim.engine.channels.get(channel_id)
        if ch is None:
            raise AriError.message(400, "Channel not found")
        if ch.stasis_app is None:
            raise AriError.message(422, "Channel not in Stasis application")
        members.append(ch)
    return members


@operation("bridges.addChannel")
def add_channel(call: Call) -> web.Response:
    """Channels enter the bridge; the lab records a caller bridged to a provider."""
    bridge = call.bridge()
    call.sim.engine.add_to_bridge(bridge, _controls(call))
    return no_content()


@operation("bridges.removeChannel")
def remove_channel(call: Call) -> web.Response:
    """Channels leave the bridge and stay in Stasis."""
    bridge = call.bridge()
    members = _controls(call)
    if any(ch.bridge_id != bridge.id for ch in members):
        raise AriError.message(422, "Channel not in this bridge")
    for ch in members:
        call.sim.engine.remove_from_bridge(bridge, ch)
    return no_content()


@operation("bridges.play")
@operation("bridges.playWithId")
def play(call: Call) -> web.Response:
    """Queue media on the bridge's announcer: 201 ``queued``."""
    bridge = call.bridge()
    p = call.params
    media = p.texts("media")
    if not media:
        raise AriError.alloc_failed()
    playback_id = call.path.get("playbackId") or p.text("playbackId")
    pb = call.sim.engine.media.queue_playback(
        f"bridge:{bridge.id}", media, p.text("lang") or call.sim.config.language, playback_id
    )
    return created(playback_json(pb), f"/playbacks/{pb.id}")


@operation("bridges.startMoh")
@operation("bridges.stopMoh")
def moh(call: Call) -> web.Response:
    """Music on hold for the whole bridge."""
    call.bridge()
    return no_content()
