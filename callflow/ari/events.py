"""Typed ARI WebSocket events and the total parser that turns a JSON object into one.

Theory of operation: Asterisk sends one JSON object per text frame, each with a
``type``. :func:`parse_event` looks the type up in :data:`EVENT_TYPES`; types
urgentline handles become frozen pydantic models, every other type (ARI has ~45,
and Asterisk adds more) becomes an :class:`UnknownEvent` that keeps the raw dict,
so a new Asterisk never breaks the reader. Only a *known* type whose body does not
match the spec raises :class:`~callflow.ari.errors.AriEventError`; the reader logs
its type and skips it.

Samples of every handled type captured from Asterisk 22.10.1 live in
``sip_lab/ari/api-docs/asterisk-22-samples.json`` and are parsed in the tests.
Note from those captures: ``ChannelHangupRequest.cause`` is absent when the caller
hangs up and is a soft-hangup flag (32), not a Q.850 cause, when we hang up; the
Q.850 cause only comes in ``ChannelDestroyed``, which inbound channels do not get
after ``StasisEnd``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal, TypeAlias, cast

from pydantic import TypeAdapter, ValidationError

from callflow.ari.errors import AriEventError, AriProtocolError
from callflow.ari.models import AriModel, Bridge, Channel, LiveRecording, Playback

__all__ = [
    "EVENT_TYPES",
    "ApplicationReplaced",
    "AriEvent",
    "AriEventBase",
    "BridgeDestroyed",
    "ChannelDestroyed",
    "ChannelDtmfReceived",
    "ChannelEnteredBridge",
    "ChannelHangupRequest",
    "ChannelLeftBridge",
    "ChannelStateChange",
    "ChannelTalkingFinished",
    "ChannelTalkingStarted",
    "ChannelVarset",
    "Dial",
    "PlaybackContinuing",
    "PlaybackFinished",
    "PlaybackStarted",
    "RecordingFailed",
    "RecordingFinished",
    "RecordingStarted",
    "StasisEnd",
    "StasisStart",
    "UnknownEvent",
    "parse_event",
    "parse_event_text",
]


class AriEventBase(AriModel):
    """Fields every ARI event carries (``Message`` + ``Event`` in the spec)."""

    application: str
    timestamp: datetime
    asterisk_id: str | None = None


class StasisStart(AriEventBase):
    """A channel entered our Stasis application (inbound call, or a leg we originated).

    ``args`` are the ``Stasis(app, arg1, ...)`` arguments or the originate ``appArgs``.
    ``replace_channel`` is set when this channel replaces one already in the app
    (e.g. after a transfer).
    """

    type: Literal["StasisStart"] = "StasisStart"
    args: list[str]
    channel: Channel
    replace_channel: Channel | None = None


class StasisEnd(AriEventBase):
    """A channel left our application; for inbound SIP calls it is the last event."""

    type: Literal["StasisEnd"] = "StasisEnd"
    channel: Channel


class ChannelStateChange(AriEventBase):
    """The channel's state changed, e.g. ``Ring`` -> ``Up`` after answer."""

    type: Literal["ChannelStateChange"] = "ChannelStateChange"
    channel: Channel


class ChannelDtmfReceived(AriEventBase):
    """A DTMF digit ended (there is no event for the start of a digit)."""

    type: Literal["ChannelDtmfReceived"] = "ChannelDtmfReceived"
    digit: str
    duration_ms: int
    channel: Channel


class ChannelHangupRequest(AriEventBase):
    """Someone asked to hang the channel up.

    ``cause`` is absent on a caller's BYE and is a soft-hangup flag (not Q.850)
    after ``DELETE /channels/{id}``; use ``ChannelDestroyed.cause`` for Q.850.
    """

    type: Literal["ChannelHangupRequest"] = "ChannelHangupRequest"
    cause: int | None = None
    tech_cause: int | None = None
    soft: bool | None = None
    channel: Channel


class ChannelDestroyed(AriEventBase):
    """The channel is gone; ``cause``/``cause_txt`` are the Q.850 cause."""

    type: Literal["ChannelDestroyed"] = "ChannelDestroyed"
    cause: int
    cause_txt: str
    tech_cause: int | None = None
    channel: Channel


class PlaybackStarted(AriEventBase):
    """A playback began; ``playback.id`` is the id we chose in ``play``."""

    type: Literal["PlaybackStarted"] = "PlaybackStarted"
    playback: Playback


class PlaybackContinuing(AriEventBase):
    """A playback of several media moved on to the next one."""

    type: Literal["PlaybackContinuing"] = "PlaybackContinuing"
    playback: Playback


class PlaybackFinished(AriEventBase):
    """A playback ended (done, stopped, or failed: a missing file also ends as ``done``)."""

    type: Literal["PlaybackFinished"] = "PlaybackFinished"
    playback: Playback


class ChannelEnteredBridge(AriEventBase):
    """A channel joined a bridge (``channel`` is optional in the spec)."""

    type: Literal["ChannelEnteredBridge"] = "ChannelEnteredBridge"
    bridge: Bridge
    channel: Channel | None = None


class ChannelLeftBridge(AriEventBase):
    """A channel left a bridge."""

    type: Literal["ChannelLeftBridge"] = "ChannelLeftBridge"
    bridge: Bridge
    channel: Channel


class BridgeDestroyed(AriEventBase):
    """A bridge was destroyed."""

    type: Literal["BridgeDestroyed"] = "BridgeDestroyed"
    bridge: Bridge


class Dial(AriEventBase):
    """Progress of a dial: ``peer`` is the dialled channel, ``dialstatus`` e.g. ``ANSWER``."""

    type: Literal["Dial"] = "Dial"
    caller: Channel | None = None
    peer: Channel
    forward: str | None = None
    forwarded: Channel | None = None
    dialstring: str | None = None
    dialstatus: str


class ChannelVarset(AriEventBase):
    """A variable was set; ``channel`` is absent for global variables."""

    type: Literal["ChannelVarset"] = "ChannelVarset"
    variable: str
    value: str
    channel: Channel | None = None


class ChannelTalkingStarted(AriEventBase):
    """TALK_DETECT saw speech start on the channel."""

    type: Literal["ChannelTalkingStarted"] = "ChannelTalkingStarted"
    channel: Channel


class ChannelTalkingFinished(AriEventBase):
    """TALK_DETECT saw speech end; ``duration`` in milliseconds."""

    type: Literal["ChannelTalkingFinished"] = "ChannelTalkingFinished"
    channel: Channel
    duration: int


class ApplicationReplaced(AriEventBase):
    """Another WebSocket registered our application name and took its events over."""

    type: Literal["ApplicationReplaced"] = "ApplicationReplaced"


class RecordingStarted(AriEventBase):
    """A live recording began."""

    type: Literal["RecordingStarted"] = "RecordingStarted"
    recording: LiveRecording


class RecordingFinished(AriEventBase):
    """A live recording ended and was stored."""

    type: Literal["RecordingFinished"] = "RecordingFinished"
    recording: LiveRecording


class RecordingFailed(AriEventBase):
    """A live recording failed (``recording.cause`` says why)."""

    type: Literal["RecordingFailed"] = "RecordingFailed"
    recording: LiveRecording


class UnknownEvent(AriModel):
    """Any event type urgentline does not model; ``raw`` is the whole JSON object.

    ``timestamp`` is parsed when it is a valid ARI date, else ``None``.
    """

    type: str
    application: str | None = None
    timestamp: datetime | None = None
    asterisk_id: str | None = None
    raw: dict[str, Any]


KnownEvent: TypeAlias = (
    StasisStart
    | StasisEnd
    | ChannelStateChange
    | ChannelDtmfReceived
    | ChannelHangupRequest
    | ChannelDestroyed
    | PlaybackStarted
    | PlaybackContinuing
    | PlaybackFinished
    | ChannelEnteredBridge
    | ChannelLeftBridge
    | BridgeDestroyed
    | Dial
    | ChannelVarset
    | ChannelTalkingStarted
    | ChannelTalkingFinished
    | ApplicationReplaced
    | RecordingStarted
    | RecordingFinished
    | RecordingFailed
)
AriEvent: TypeAlias = KnownEvent | UnknownEvent

EVENT_TYPES: dict[str, type[AriEventBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        StasisStart,
        StasisEnd,
        ChannelStateChange,
        ChannelDtmfReceived,
        ChannelHangupRequest,
        ChannelDestroyed,
        PlaybackStarted,
        PlaybackContinuing,
        PlaybackFinished,
        ChannelEnteredBridge,
        ChannelLeftBridge,
        BridgeDestroyed,
        Dial,
        ChannelVarset,
        ChannelTalkingStarted,
        ChannelTalkingFinished,
        ApplicationReplaced,
        RecordingStarted,
        RecordingFinished,
        RecordingFailed,
    )
}
"""Event ``type`` -> model class, for every type :func:`parse_event` models."""

_DATETIME: TypeAdapter[datetime] = TypeAdapter(datetime)
_MAX_ERRORS = 3


def _summarise(exc: ValidationError) -> str:
    """Field locations and error kinds only, never input values (they hold callers' numbers)."""
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['type']}"
        for err in exc.errors(include_url=False, include_input=False)[:_MAX_ERRORS]
    ]
    more = exc.error_count() - len(parts)
    if more > 0:
        parts.append(f"+{more} more")
    return "; ".join(parts)


def _unknown(event_type: str, data: dict[str, Any]) -> UnknownEvent:
    application = data.get("application")
    asterisk_id = data.get("asterisk_id")
    timestamp: datetime | None = None
    if isinstance(data.get("timestamp"), str):
        try:
            timestamp = _DATETIME.validate_python(data["timestamp"])
        except ValidationError:
            timestamp = None
    return UnknownEvent(
        type=event_type,
        application=application if isinstance(application, str) else None,
        timestamp=timestamp,
        asterisk_id=asterisk_id if isinstance(asterisk_id, str) else None,
        raw=data,
    )


def parse_event(data: dict[str, Any]) -> AriEvent:
    """Turn one decoded ARI event object into a typed event.

    Args:
        data: The JSON object of one WebSocket text frame.

    Returns:
        The typed event, or :class:`UnknownEvent` for any type not in :data:`EVENT_TYPES`.

    Raises:
        AriEventError: ``type`` is missing or not a string, or a known type does not
            match its model. The message holds field locations only, no values.
    """
    event_type = data.get("type")
    if not isinstance(event_type, str) or not event_type:
        raise AriEventError("<no type>", "event has no string 'type'")
    cls = EVENT_TYPES.get(event_type)
    if cls is None:
        return _unknown(event_type, data)
    try:
        event = cls.model_validate(data)
    except ValidationError as exc:
        raise AriEventError(event_type, _summarise(exc)) from exc
    # Every class in EVENT_TYPES is a member of KnownEvent.
    return cast(KnownEvent, event)


def parse_event_text(text: str | bytes) -> AriEvent:
    """Decode and parse one WebSocket frame.

    Args:
        text: The frame's payload.

    Returns:
        The typed event (see :func:`parse_event`).

    Raises:
        AriProtocolError: The payload is not a JSON object.
        AriEventError: See :func:`parse_event`.
    """
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AriProtocolError("event frame is not valid JSON") from exc
    if not isinstance(data, dict):
        raise AriProtocolError(f"event frame is a JSON {type(data).__name__}, not an object")
    return parse_event(data)
