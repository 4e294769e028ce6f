"""The simulated switch's objects: channels, bridges, playbacks and the lab's records.

Plain mutable dataclasses: the engine owns them and mutates them on one event
loop, so there is no locking. Their wire shapes live in ``events.py``; the
control plane's view of a call (``CallRecord``) is kept apart from the channel
because it outlives it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sip_lab.ari.types import Behaviour, HangupBy, JsonObject, Outcome

CAUSE_TEXT: dict[int, str] = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    28: "Invalid number format",
    31: "Normal, unspecified",
    34: "Circuit/channel congestion",
    38: "Network out of order",
    58: "Bearer capability not available",
    127: "Interworking, unspecified",
}
"""``ast_cause2str()`` for the causes the simulator produces (others read "Unknown")."""

HANGUP_REASONS: dict[str, int] = {
    "normal": 16,
    "busy": 17,
    "congestion": 34,
    "no_answer": 19,
    "timeout": 18,
    "rejected": 21,
    "unallocated": 1,
    "normal_unspecified": 31,
    "number_incomplete": 28,
    "codec_mismatch": 58,
    "interworking": 127,
    "failure": 38,
    "answered_elsewhere": 26,
}
"""``convert_reason_to_hangup_code()`` of ``res/ari/resource_channels.c``."""

SOFTHANGUP_EXPLICIT = 32
"""What ``ChannelHangupRequest.cause`` carries after ``DELETE /channels/{id}``: a flag."""

ChannelState = Literal["Down", "Ring", "Ringing", "Up"]


def cause_text(cause: int) -> str:
    """The ``cause_txt`` Asterisk pairs with a Q.850 cause."""
    return CAUSE_TEXT.get(cause, "Unknown")


def utcnow() -> datetime:
    """The simulator's clock (one place, so every timestamp is UTC)."""
    return datetime.now(UTC)


@dataclass(slots=True)
class Channel:
    """A simulated Asterisk channel."""

    id: str
    name: str
    tech: str
    resource: str
    state: ChannelState
    protocol_id: str
    caller_name: str
    caller_number: str
    context: str
    exten: str
    priority: int
    app_name: str
    app_data: str
    language: str
    creationtime: datetime = field(default_factory=utcnow)
    connected_name: str = ""
    connected_number: str = ""
    inbound: bool = False
    originated: bool = False
    """Created through ARI (originate/create): the app keeps its subscription after StasisEnd."""
    app_originated: bool = False
    """Originated straight into an app: its dial thread hangs it up when it leaves Stasis."""
    stasis_app: str | None = None
    bridge_id: str | None = None
    local_peer: str | None = None
    dialstring: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    moh: bool = False
    hanging_up: bool = False
    destroyed: bool = False
    saved_app: tuple[str, str] = ("", "")
    """Dialplan application shown before Stasis, restored when Stasis ends."""
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def endpoint(self) -> str:
        """``tech/resource`` as the app dialled it (``PJSIP/dental``)."""
        return f"{self.tech}/{self.resource}"

    @property
    def has_media(self) -> bool:
        """Whether RTP flows, so a hangup reports RTP quality variables."""
        return self.tech in {"PJSIP", "SIP"}


@dataclass(slots=True)
class Playback:
    """A playback of one or more media items on a channel or a bridge."""

    id: str
    media: list[str]
    target_uri: str
    language: str
    state: str = "queued"
    index: int = 0
    stop_requested: bool = False
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def target_kind(self) -> str:
        """``channel`` or ``bridge``."""
        return self.target_uri.split(":", 1)[0]

    @property
    def target_id(self) -> str:
        """The channel or bridge id the playback plays to."""
        return self.target_uri.split(":", 1)[1]


@dataclass(slots=True)
class Recording:
    """A live recording of a channel (or bridge); stored under ``name`` when done."""

    name: str
    format: str
    target_uri: str
    max_duration_s: int = 0
    max_silence_s: int = 0
    terminate_on: str = "none"
    state: str = "queued"
    started: float = 0.0
    duration_s: int = 0
    stop_requested: bool = False
    cancel: bool = False
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    transcript: str = ""
    """What the caller said while it ran (the lab's stand-in for audio)."""


@dataclass(slots=True)
class Bridge:
    """A simulated Stasis bridge."""

    id: str
    name: str
    bridge_type: str
    creationtime: datetime = field(default_factory=utcnow)
    channels: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def technology(self) -> str:
        """What ``bridge_technology`` Asterisk would pick for the current members."""
        if self.bridge_type == "holding":
            return "holding_bridge"
        return "softmix" if len(self.channels) > 2 else "simple_bridge"


@dataclass(slots=True)
class ControlQueue:
    """The commands queued on a channel's (or bridge announcer's) Stasis control thread.

    Asterisk runs a channel's play, record and continue commands one after another,
    so a second play waits for the first and a continue waits for queued prompts.
    """

    commands: deque[Playback | Recording | tuple[str, str, int]] = field(default_factory=deque)
    current: Playback | Recording | None = None
    worker: asyncio.Task[None] | None = None


@dataclass(slots=True)
class EndpointConfig:
    """How one simulated provider endpoint behaves (``PUT /_lab/endpoints/...``)."""

    behaviour: Behaviour = "answer"
    answer_ms: int | None = None
    hold_ms: int | None = None

    def to_json(self) -> JsonObject:
        """The control plane's view."""
        return {"behaviour": self.behaviour, "answer_ms": self.answer_ms, "hold_ms": self.hold_ms}


@dataclass(slots=True)
class CallRecord:
    """The lab's own record of one inbound call: where it ended and who ended it."""

    channel_id: str
    caller: str
    caller_name: str
    exten: str
    app: str
    args: list[str]
    created_at: datetime = field(default_factory=utcnow)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: Outcome = "in_progress"
    endpoint: str | None = None
    provider_channel_id: str | None = None
    provider_ended_at: datetime | None = None
    """When the bridged provider leg hung up (the caller stays until the app acts)."""
    bridge_id: str | None = None
    context: str | None = None
    continued_exten: str | None = None
    priority: int | None = None
    hangup_by: HangupBy | None = None
    abandoned: bool = False
    dtmf_sent: str = ""
    media_played: list[str] = field(default_factory=list)
    script_done: bool = False

    def to_json(self, channel_state: str | None) -> JsonObject:
        """The control plane's view (``GET /_lab/calls/{id}``)."""
        return {
            "channel_id": self.channel_id,
            "caller": self.caller,
            "caller_name": self.caller_name,
            "exten": self.continued_exten or self.exten,
            "dialled_exten": self.exten,
            "app": self.app,
            "args": self.args,
            "state": "ended" if self.ended_at else ("up" if self.answered_at else "ringing"),
            "channel_state": channel_state,
            "created_at": _iso(self.created_at),
            "answered_at": _iso(self.answered_at),
            "ended_at": _iso(self.ended_at),
            "outcome": self.outcome,
            "endpoint": self.endpoint,
            "provider_channel_id": self.provider_channel_id,
            "provider_ended_at": _iso(self.provider_ended_at),
            "bridge_id": self.bridge_id,
            "context": self.context,
            "priority": self.priority,
            "hangup_by": self.hangup_by,
            "abandoned": self.abandoned,
            "dtmf_sent": self.dtmf_sent,
            "media_played": list(self.media_played),
            "script_done": self.script_done,
        }


@dataclass(slots=True)
class Origination:
    """The lab's record of one channel the app originated (a provider leg)."""

    channel_id: str
    endpoint: str
    app: str | None
    args: list[str]
    behaviour: Behaviour
    caller_id: str | None = None
    """The ``callerId`` the app asked to present, as sent."""
    created_at: datetime = field(default_factory=utcnow)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    result: str = "ringing"
    hangup_by: HangupBy | None = None
    cause: int | None = None

    def to_json(self) -> JsonObject:
        """The control plane's view (``GET /_lab/originations``)."""
        return {
            "channel_id": self.channel_id,
            "endpoint": self.endpoint,
            "app": self.app,
            "args": self.args,
            "behaviour": self.behaviour,
            "caller_id": self.caller_id,
            "created_at": _iso(self.created_at),
            "answered_at": _iso(self.answered_at),
            "ended_at": _iso(self.ended_at),
            "result": self.result,
            "hangup_by": self.hangup_by,
            "cause": self.cause,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
