"""urgentline's in-house ARI (Asterisk REST Interface) client: the only code that speaks ARI.

- :class:`AriClient` (``client.py``): typed REST with deadlines and typed errors.
- :func:`parse_event` and the event models (``events.py``): total, typed parsing.
- :class:`EventRouter` (``dispatch.py``): one ordered queue per call.
- :class:`AriEventStream` (``events_socket.py``): the supervised event WebSocket
  with reconnect, backoff and :class:`Resync`.
- ``errors.py``: the :class:`AriError` tree.

Why in-house and how it is meant to be used: ``/work/shared/domain/ari-telephony-notes.md``
(sections 1.3, 4 and 6).
"""

from __future__ import annotations

from callflow.ari.client import AriClient, AriClientStats
from callflow.ari.dispatch import (
    CallQueue,
    EventRouter,
    LocalSignal,
    NewCallHandler,
    QueueItem,
    resource_ids,
)
from callflow.ari.errors import (
    AriBadRequest,
    AriConflict,
    AriError,
    AriEventError,
    AriHttpError,
    AriInvalidState,
    AriNotFound,
    AriProtocolError,
    AriServerError,
    AriUnauthorized,
    AriUnavailable,
    AriUnprocessable,
)
from callflow.ari.events import (
    EVENT_TYPES,
    ApplicationReplaced,
    AriEvent,
    AriEventBase,
    BridgeDestroyed,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEnteredBridge,
    ChannelHangupRequest,
    ChannelLeftBridge,
    ChannelStateChange,
    ChannelTalkingFinished,
    ChannelTalkingStarted,
    ChannelVarset,
    Dial,
    PlaybackContinuing,
    PlaybackFinished,
    PlaybackStarted,
    RecordingFailed,
    RecordingFinished,
    RecordingStarted,
    StasisEnd,
    StasisStart,
    UnknownEvent,
    parse_event,
    parse_event_text,
)
from callflow.ari.events_socket import AriEventStream, Resync, ResyncHandler
from callflow.ari.models import (
    Application,
    Bridge,
    CallerID,
    Channel,
    DialplanCEP,
    LiveRecording,
    Playback,
    Variable,
)

__all__ = [
    "EVENT_TYPES",
    "Application",
    "ApplicationReplaced",
    "AriBadRequest",
    "AriClient",
    "AriClientStats",
    "AriConflict",
    "AriError",
    "AriEvent",
    "AriEventBase",
    "AriEventError",
    "AriEventStream",
    "AriHttpError",
    "AriInvalidState",
    "AriNotFound",
    "AriProtocolError",
    "AriServerError",
    "AriUnauthorized",
    "AriUnavailable",
    "AriUnprocessable",
    "Bridge",
    "BridgeDestroyed",
    "CallQueue",
    "CallerID",
    "Channel",
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
    "DialplanCEP",
    "EventRouter",
    "LiveRecording",
    "LocalSignal",
    "NewCallHandler",
    "Playback",
    "PlaybackContinuing",
    "PlaybackFinished",
    "PlaybackStarted",
    "QueueItem",
    "RecordingFailed",
    "RecordingFinished",
    "RecordingStarted",
    "Resync",
    "ResyncHandler",
    "StasisEnd",
    "StasisStart",
    "UnknownEvent",
    "Variable",
    "parse_event",
    "parse_event_text",
    "resource_ids",
]
