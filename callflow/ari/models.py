"""Typed ARI resources (Asterisk 22 ``api-docs`` models) that urgentline uses.

Hand-written rather than generated: Swagger 1.1 has no maintained generator, and
the ~7 models we need are small. Field names and required-ness follow the spec in
``sip_lab/ari/api-docs``, with one deliberate softening: spec-required fields
that urgentline never reads (``protocol_id``, ``accountcode``, ``language``,
``Bridge.creationtime``, the ``Application`` lists, ...) have defaults, because
dropping a caller's event over a missing accountcode would be the worse failure.
Identity fields (ids, names, states, ``caller``, ``dialplan``) stay required.
Every model allows extra fields, so a newer Asterisk
that adds fields does not break parsing, and every model is frozen: events and
replies are values that the call-session layer reads but never edits.

``hide_input_in_errors`` keeps pydantic from quoting input values (callers'
numbers and names) in validation errors that might end up in a log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Application",
    "AriModel",
    "Bridge",
    "CallerID",
    "Channel",
    "DialplanCEP",
    "LiveRecording",
    "Playback",
    "Variable",
]


class AriModel(BaseModel):
    """Base of all ARI models: unknown fields allowed, immutable, inputs never echoed."""

    model_config = ConfigDict(extra="allow", frozen=True, hide_input_in_errors=True)


class CallerID(AriModel):
    """Caller identification (name and number), e.g. ``Channel.caller``."""

    name: str
    number: str


class DialplanCEP(AriModel):
    """Dialplan location: context, extension, priority and the running application."""

    context: str
    exten: str
    priority: int
    app_name: str = ""
    app_data: str = ""


class Channel(AriModel):
    """A channel (one call leg) as Asterisk describes it.

    ``state`` is a plain string (``"Down"``, ``"Ring"``, ``"Up"``, ...) rather than a
    Literal so that a state added by a future Asterisk does not drop the event.
    """

    id: str
    name: str
    state: str
    protocol_id: str = ""
    caller: CallerID
    connected: CallerID
    accountcode: str = ""
    dialplan: DialplanCEP
    creationtime: datetime
    language: str = ""
    channelvars: dict[str, Any] | None = None
    caller_rdnis: str | None = None
    tenantid: str | None = None

    def in_stasis_app(self, app: str) -> bool:
        """Whether the dialplan says this channel runs ``Stasis(app, ...)``.

        A fallback for resync when ``Application.channel_ids`` is not enough.
        """
        if self.dialplan.app_name != "Stasis":
            return False
        return self.dialplan.app_data.split(",", 1)[0] == app


class Bridge(AriModel):
    """A bridge joining channels (``mixing`` for calls, ``holding`` for queues)."""

    id: str
    technology: str
    bridge_type: str
    bridge_class: str
    creator: str
    name: str
    channels: list[str] = Field(default_factory=list)
    creationtime: datetime | None = None
    video_mode: str | None = None
    video_source_id: str | None = None
    bridgevars: dict[str, Any] | None = None


class Playback(AriModel):
    """A playback of one or more media URIs on a channel or bridge.

    ``target_uri`` is ``"channel:<id>"`` or ``"bridge:<id>"``.
    """

    id: str
    media_uri: str
    next_media_uri: str | None = None
    target_uri: str
    language: str | None = None
    state: str

    @property
    def target(self) -> tuple[str, str] | None:
        """``(kind, id)`` from ``target_uri``, e.g. ``("channel", "abc.1")``; None if odd."""
        kind, sep, ident = self.target_uri.partition(":")
        if not sep or not ident:
            return None
        return kind, ident


class Application(AriModel):
    """A Stasis application and the resources it is subscribed to."""

    name: str
    channel_ids: list[str] = Field(default_factory=list)
    bridge_ids: list[str] = Field(default_factory=list)
    endpoint_ids: list[str] = Field(default_factory=list)
    device_names: list[str] = Field(default_factory=list)
    events_allowed: list[Any] = Field(default_factory=list)
    events_disallowed: list[Any] = Field(default_factory=list)


class LiveRecording(AriModel):
    """A recording in progress (or just finished/failed).

    ``target_uri`` is ``"channel:<id>"`` or ``"bridge:<id>"``.
    """

    name: str
    format: str
    target_uri: str
    state: str
    duration: int | None = None
    talking_duration: int | None = None
    silence_duration: int | None = None
    cause: str | None = None


class Variable(AriModel):
    """The reply of ``GET /channels/{channelId}/variable``."""

    value: str
