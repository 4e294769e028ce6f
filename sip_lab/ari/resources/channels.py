"""``/channels`` operations, with the checks and messages of ``resource_channels.c``."""

from __future__ import annotations

from aiohttp import web

from sip_lab.ari import providers
from sip_lab.ari.errors import AriError
from sip_lab.ari.events import channel_json, playback_json
from sip_lab.ari.resources.common import Call, created, no_content, ok, operation
from sip_lab.ari.spec import atoi
from sip_lab.ari.state import HANGUP_REASONS, SOFTHANGUP_EXPLICIT


@operation("channels.list")
def list_channels(call: Call) -> web.Response:
    """Every live channel, in creation order."""
    return ok([channel_json(ch) for ch in call.sim.engine.channels.values()])


def _originate_request(call: Call, channel_id: str | None) -> providers.OriginateRequest:
    p = call.params
    return providers.OriginateRequest(
        endpoint=p.text("endpoint"),
        app=p.text("app"),
        app_args=p.text("appArgs"),
        extension=p.text("extension"),
        context=p.text("context"),
        priority=p.integer("priority"),
        caller_id=p.text("callerId"),
        timeout=p.integer("timeout"),
        channel_id=channel_id,
        other_channel_id=p.text("otherChannelId"),
        originator=p.text("originator"),
        formats=p.text("formats"),
        variables=p.variables(),
    )


@operation("channels.originate")
def originate(call: Call) -> web.Response:
    """Originate to an endpoint; the app hears ``Dial`` then ``StasisStart`` on answer."""
    request = _originate_request(call, call.params.text("channelId"))
    return ok(channel_json(providers.originate(call.sim.engine, request)))


@operation("channels.originateWithId")
def originate_with_id(call: Call) -> web.Response:
    """Originate with a client-chosen channel id."""
    request = _originate_request(call, call.path["channelId"])
    return ok(channel_json(providers.originate(call.sim.engine, request)))


@operation("channels.create")
def create(call: Call) -> web.Response:
    """Create a channel in Stasis without dialling it (``dial`` does that)."""
    p = call.params
    ch = providers.create(
        call.sim.engine,
        endpoint=p.text("endpoint"),
        app=p.text("app"),
        app_args=p.text("appArgs"),
        channel_id=p.text("channelId"),
        other_channel_id=p.text("otherChannelId"),
        variables=p.variables(),
    )
    return ok(channel_json(ch))


@operation("channels.get")
def get(call: Call) -> web.Response:
    """One channel's snapshot."""
    return ok(channel_json(call.channel()))


@operation("channels.hangup")
def hangup(call: Call) -> web.Response:
    """Soft hangup: ``ChannelHangupRequest`` (cause 32, soft) then the teardown events."""
    ch = call.channel()
    reason = call.params.text("reason") or ""
    reason_code = call.params.text("reason_code") or ""
    if reason and reason_code:
        raise AriError.message(400, "The reason and reason_code can't both be specified")
    if reason_code:
        if not reason_code.strip().lstrip("+-").isdigit():
            raise AriError.message(400, "Invalid reason for hangup reason code provided")
        cause = atoi(reason_code)
    elif reason:
        if reason not in HANGUP_REASONS:
            raise AriError.message(400, "Invalid reason for hangup reason provided")
        cause = HANGUP_REASONS[reason]
    else:
        cause = HANGUP_REASONS["normal"]
    call.sim.engine.hangup(ch, by="app", cause=cause, request=(SOFTHANGUP_EXPLICIT, True))
    return no_content()


@operation("channels.continueInDialplan")
def continue_in_dialplan(call: Call) -> web.Response:
    """Leave Stasis for the dialplan (after queued prompts): ``StasisEnd``."""
    ch = call.control_in_valid_state()
    p = call.params
    context_arg = p.text("context") or ""
    extension_arg = p.text("extension") or ""
    label = p.text("label") or ""
    if context_arg:
        context, exten = context_arg, extension_arg or "s"
    else:
        context, exten = ch.context, extension_arg or ch.exten
    if label:
        priority = atoi(label) if label.strip().lstrip("-").isdigit() else 1
        if priority == 0:
            raise AriError.message(400, "Requested priority is illegal")
    elif p.integer("priority"):
        priority = p.integer("priority")
    elif not context_arg and not extension_arg:
        priority = ch.priority + 1
    else:
        priority = 1
    call.sim.engine.media.queue_continue(ch.id, context, exten, priority)
    return no_content()


@operation("channels.answer")
def answer(call: Call) -> web.Response:
    """Answer: ``ChannelStateChange`` (Up) is queued before this 204."""
    call.sim.engine.answer(call.control_in_valid_state())
    return no_content()


@operation("channels.ring")
@operation("channels.ringStop")
@operation("channels.progress")
@operation("channels.hold")
@operation("channels.unhold")
@operation("channels.startSilence")
@operation("channels.stopSilence")
def indicate(call: Call) -> web.Response:
    """Indications with no event of their own: only the Stasis and state checks matter."""
    call.control_in_valid_state()
    return no_content()


@operation("channels.mute")
@operation("channels.unmute")
def mute(call: Call) -> web.Response:
    """Mute or unmute one direction."""
    call.control_in_valid_state()
    direction = call.params.text("direction") if call.params.present("direction") else "both"
    if not direction:
        raise AriError.message(400, "Direction is required")
    if direction not in {"in", "out", "both"}:
        raise AriError.message(400, "Invalid direction specified")
    return no_content()


@operation("channels.sendDTMF")
def send_dtmf(call: Call) -> web.Response:
    """Send DTMF to the far end (the simulated caller ignores it)."""
    call.control_in_valid_state()
    if not call.params.text("dtmf"):
        raise AriError.message(400, "DTMF is required")
    return no_content()


@operation("channels.startMoh")
@operation("channels.stopMoh")
def moh(call: Call) -> web.Response:
    """Music on hold on or off."""
    ch = call.control_in_valid_state()
    ch.moh = call.op.nickname == "startMoh"
    return no_content()


@operation("channels.play")
@operation("channels.playWithId")
def play(call: Call) -> web.Response:
    """Queue media on the channel: 201 ``queued``; PlaybackStarted when its turn comes."""
    ch = call.control_in_valid_state()
    p = call.params
    if p.integer("skipms") < 0:
        raise AriError.message(400, "skipms cannot be negative")
    if p.integer("offsetms") < 0:
        raise AriError.message(400, "offsetms cannot be negative")
    media = p.texts("media")
    if not media:
        raise AriError.message(500, "Failed to queue media for playback")
    playback_id = call.path.get("playbackId") or p.text("playbackId")
    pb = call.sim.engine.media.queue_playback(
        f"channel:{ch.id}", media, p.text("lang") or ch.language, playback_id
    )
    return created(playback_json(pb), f"/playbacks/{pb.id}")


@operation("channels.getChannelVar")
def get_variable(call: Call) -> web.Response:
    """Read a variable or a function such as ``CALLERID(num)``."""
    name = call.params.text("variable")
    if not name:
        raise AriError.message(400, "Variable name is required")
    ch = call.sim.engine.channels.get(call.path["channelId"])
    if ch is None:
        raise AriError.message(404, "Provided channel was not found")
    value = call.sim.engine.read_variable(ch, name)
    if value is None:
        raise AriError.message(404, "Provided variable was not found")
    return ok({"value": value})


@operation("channels.setChannelVar")
def set_variable(call: Call) -> web.Response:
    """Set a variable (``ChannelVarset`` follows)."""
    name = call.params.text("variable")
    if not name:
        raise AriError.message(400, "Variable name is required")
    ch = call.control()
    call.sim.engine.set_variable(ch, name, call.params.text("value") or "")
    return no_content()


@operation("channels.dial")
def dial(call: Call) -> web.Response:
    """Dial a channel made by ``POST /channels/create``."""
    ch = call.control()
    caller_id = call.params.text("caller")
    caller = call.sim.engine.channels.get(caller_id) if caller_id else None
    if ch.state != "Down":
        raise AriError.message(409, "Channel is not in the 'Down' state")
    if ch.dialstring is None:
        raise AriError.message(409, "Dialing a channel not created by ARI")
    providers.dial(call.sim.engine, ch, caller, call.params.integer("timeout"))
    return no_content()
