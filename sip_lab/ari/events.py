"""Wire shapes: channel/bridge/playback snapshots and ARI event bodies.

Key order copies ``asterisk-22-samples.json`` (leading ``variable``/``value`` or
``cause``/``soft`` where Asterisk puts them first, ``asterisk_id`` and
``application`` last): JSON does not care, but people diffing a capture do.
The bodies built here carry neither ``asterisk_id`` nor ``application``; the
app registry adds both per application it delivers to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sip_lab.ari.state import Bridge, Channel, Playback, Recording, cause_text
from sip_lab.ari.types import JsonObject

RTP_QOS_VARIABLES: tuple[tuple[str, str], ...] = (
    (
        "RTPAUDIOQOS",
        "ssrc=775257632;themssrc=235223118;lp=0;rxjitter=0.000000;rxcount=10;"
        "txjitter=0.000375;txcount=71;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000",
    ),
    (
        "RTPAUDIOQOSJITTER",
        "minrxjitter=000.000000;maxrxjitter=000.000500;avgrxjitter=000.000199;"
        "stdevrxjitter=000.000109;mintxjitter=000.000000;maxtxjitter=000.000000;"
        "avgtxjitter=000.000000;stdevtxjitter=000.000000;",
    ),
    (
        "RTPAUDIOQOSLOSS",
        "  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;"
        "  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;"
        "  avgtxlost=000.000000;  stdevtxlost=000.000000;",
    ),
    (
        "RTPAUDIOQOSRTT",
        "     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;"
        "     stdevrtt=000.000000;",
    ),
    (
        "RTPAUDIOQOSMES",
        "   minrxmes=000.000000;   maxrxmes=000.000000;   avgrxmes=000.000000;"
        "   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;"
        "   avgtxmes=000.000000;   stdevtxmes=000.000000;",
    ),
)
"""The RTP statistics chan_pjsip sets as variables when a call ends (see the samples)."""


def ari_time(moment: datetime) -> str:
    """ARI's timestamp format: ``2026-11-24T06:15:22.137+0000`` (UTC, milliseconds)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def channel_json(ch: Channel) -> JsonObject:
    """A channel snapshot (the ``Channel`` model)."""
    return {
        "id": ch.id,
        "name": ch.name,
        "state": ch.state,
        "protocol_id": ch.protocol_id,
        "caller": {"name": ch.caller_name, "number": ch.caller_number},
        "connected": {"name": ch.connected_name, "number": ch.connected_number},
        "accountcode": "",
        "dialplan": {
            "context": ch.context,
            "exten": ch.exten,
            "priority": ch.priority,
            "app_name": ch.app_name,
            "app_data": ch.app_data,
        },
        "creationtime": ari_time(ch.creationtime),
        "language": ch.language,
    }


def bridge_json(bridge: Bridge) -> JsonObject:
    """A bridge snapshot (the ``Bridge`` model)."""
    return {
        "id": bridge.id,
        "technology": bridge.technology,
        "bridge_type": bridge.bridge_type,
        "bridge_class": "stasis",
        "creator": "Stasis",
        "name": bridge.name,
        "channels": list(bridge.channels),
        "creationtime": ari_time(bridge.creationtime),
        "video_mode": "talker" if bridge.bridge_type == "mixing" else "none",
    }


def playback_json(pb: Playback) -> JsonObject:
    """A playback snapshot; ``next_media_uri`` only while more media is queued."""
    body: JsonObject = {"id": pb.id, "media_uri": pb.media[pb.index]}
    if pb.index < len(pb.media) - 1:
        body["next_media_uri"] = pb.media[pb.index + 1]
    body.update({"target_uri": pb.target_uri, "language": pb.language, "state": pb.state})
    return body


def recording_json(recording: Recording) -> JsonObject:
    """A live recording snapshot (the ``LiveRecording`` model); durations once done."""
    body: JsonObject = {
        "name": recording.name,
        "format": recording.format,
        "state": recording.state,
        "target_uri": recording.target_uri,
    }
    if recording.state == "done":
        body["duration"] = recording.duration_s
        if recording.max_silence_s > 0:
            silence = min(recording.max_silence_s, recording.duration_s)
            body["talking_duration"] = recording.duration_s - silence
            body["silence_duration"] = silence
    return body


def event(
    event_type: str, now: datetime, lead: JsonObject | None = None, **fields: Any
) -> JsonObject:
    """An event body: ``lead`` keys first (as Asterisk orders them), then type and time."""
    body: JsonObject = dict(lead or {})
    body["type"] = event_type
    body["timestamp"] = ari_time(now)
    body.update(fields)
    return body


def channel_event(event_type: str, now: datetime, ch: Channel, **fields: Any) -> JsonObject:
    """An event about one channel: the event's own fields, then ``channel``."""
    return event(event_type, now, **fields, channel=channel_json(ch))


def varset(now: datetime, ch: Channel, variable: str, value: str) -> JsonObject:
    """``ChannelVarset`` (``variable``/``value`` lead, as in the samples)."""
    return event(
        "ChannelVarset", now, {"variable": variable, "value": value}, channel=channel_json(ch)
    )


def hangup_request(now: datetime, ch: Channel, cause: int | None, soft: bool) -> JsonObject:
    """``ChannelHangupRequest``: a BYE carries neither ``cause`` nor ``soft``."""
    lead: JsonObject = {}
    if cause is not None:
        lead["cause"] = cause
    if soft:
        lead["soft"] = True
    return event("ChannelHangupRequest", now, lead, channel=channel_json(ch))


def destroyed(now: datetime, ch: Channel, cause: int) -> JsonObject:
    """``ChannelDestroyed`` with the Q.850 cause and its text."""
    return channel_event("ChannelDestroyed", now, ch, cause=cause, cause_txt=cause_text(cause))


def dial(
    now: datetime, peer: Channel, dialstring: str, status: str, caller: Channel | None
) -> JsonObject:
    """``Dial``: ``caller`` only when a channel dialled (not for an originate)."""
    fields: JsonObject = {"dialstatus": status, "forward": "", "dialstring": dialstring}
    if caller is not None:
        fields["caller"] = channel_json(caller)
    fields["peer"] = channel_json(peer)
    return event("Dial", now, **fields)


def bridge_event(event_type: str, now: datetime, bridge: Bridge, ch: Channel | None) -> JsonObject:
    """``ChannelEnteredBridge``/``ChannelLeftBridge``/``BridgeDestroyed``."""
    if ch is None:
        return event(event_type, now, bridge=bridge_json(bridge))
    return event(event_type, now, bridge=bridge_json(bridge), channel=channel_json(ch))


def playback_event(event_type: str, now: datetime, pb: Playback) -> JsonObject:
    """``PlaybackStarted``/``PlaybackContinuing``/``PlaybackFinished``."""
    return event(event_type, now, playback=playback_json(pb))


def recording_event(event_type: str, now: datetime, recording: Recording) -> JsonObject:
    """``RecordingStarted``/``RecordingFinished``."""
    return event(event_type, now, recording=recording_json(recording))


def for_app(body: JsonObject, application: str, asterisk_id: str) -> JsonObject:
    """The copy of an event one application receives."""
    message = dict(body)
    message["asterisk_id"] = asterisk_id
    message.setdefault("application", application)
    return message
