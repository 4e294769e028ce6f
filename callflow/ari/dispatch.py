"""Route each ARI event to the ordered queue of the call that owns it.

Theory of operation: Asterisk delivers all events of an application, in order, on
one WebSocket. urgentline runs one worker per call, draining one
:data:`CallQueue`; the reader hands every event to :meth:`EventRouter.dispatch`,
which is synchronous and only ever ``put_nowait``s on unbounded queues. So each
call sees its own events in Asterisk's order, and a slow call (care-plan lookup,
NLP) never delays another call or the reader (Asterisk cuts off a reader that
falls 100 ms behind, ``websocket_write_timeout``).

Ownership is a map from resource id to queue. A call registers every id it
creates: its provider legs (``originate``), bridges and playbacks. Ids are chosen
by the client and must be registered *before* the REST request, because Asterisk
can emit the resource's first events before it answers the request. An inbound
call's channel is registered by the router itself when its ``StasisStart``
arrives and ``on_new_call`` accepts it.

An event can name several resources (``ChannelEnteredBridge`` names a bridge and a
channel; a ``Playback`` has its own id and a ``target_uri``). It is delivered once
to every distinct queue that owns one of them, owner of the channel first. Events
nobody owns (the ``;2`` half of a Local channel, global variables) are dropped with
a debug log of their type and id only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeAlias

from callflow.ari.events import AriEvent, StasisStart, UnknownEvent
from callflow.ari.models import Bridge, Channel, LiveRecording, Playback

__all__ = [
    "CallQueue",
    "EventRouter",
    "LocalSignal",
    "NewCallHandler",
    "QueueItem",
    "resource_ids",
]

logger = logging.getLogger(__name__)


class LocalSignal:
    """Base of the items a call's owner puts on its own queue besides ARI events.

    Timers, queue offers and the like join the call's one ordered stream, so the
    call's worker has a single place to wait. The router itself only ever puts
    ARI events.
    """

    __slots__ = ()


QueueItem: TypeAlias = AriEvent | LocalSignal
CallQueue: TypeAlias = asyncio.Queue[QueueItem]
"""One call's ordered event stream. Must be unbounded: the router never waits."""

NewCallHandler: TypeAlias = Callable[[str, StasisStart], CallQueue | None]
"""``on_new_call(channel_id, event)``: the queue for a new call, or None to ignore it."""

_DIAL_FIELDS = ("peer", "caller", "forwarded")
"""Channels of a ``Dial`` event, looked at after the event's own resources."""


def _target_id(target_uri: str) -> str | None:
    """``"channel:<id>"`` / ``"bridge:<id>"`` -> ``<id>``."""
    _kind, sep, ident = target_uri.partition(":")
    return ident if sep and ident else None


def _typed_ids(event: AriEvent) -> Iterator[str]:
    # A model's fields live in its __dict__; reading them there skips pydantic's
    # __getattr__ fallback for absent names, which dominated dispatch time.
    fields = vars(event)
    for name in ("channel", "replace_channel"):
        value = fields.get(name)
        if isinstance(value, Channel):
            yield value.id
    playback = fields.get("playback")
    if isinstance(playback, Playback):
        yield playback.id
        target = _target_id(playback.target_uri)
        if target is not None:
            yield target
    recording = fields.get("recording")
    if isinstance(recording, LiveRecording):
        yield recording.name
        target = _target_id(recording.target_uri)
        if target is not None:
            yield target
    bridge = fields.get("bridge")
    if isinstance(bridge, Bridge):
        yield bridge.id
    for name in _DIAL_FIELDS:
        value = fields.get(name)
        if isinstance(value, Channel):
            yield value.id


def _raw_id(raw: dict[str, Any], name: str, key: str) -> str | None:
    value = raw.get(name)
    if isinstance(value, dict):
        ident = value.get(key)
        if isinstance(ident, str) and ident:
            return ident
    return None


def _raw_ids(raw: dict[str, Any]) -> Iterator[str]:
    """The same search as :func:`_typed_ids`, on the raw dict of an unmodelled event."""
    for name in ("channel", "replace_channel"):
        ident = _raw_id(raw, name, "id")
        if ident is not None:
            yield ident
    for name, key in (("playback", "id"), ("recording", "name")):
        ident = _raw_id(raw, name, key)
        if ident is not None:
            yield ident
        target = _raw_id(raw, name, "target_uri")
        if target is not None and (target_id := _target_id(target)) is not None:
            yield target_id
    ident = _raw_id(raw, "bridge", "id")
    if ident is not None:
        yield ident
    for name in _DIAL_FIELDS:
        ident = _raw_id(raw, name, "id")
        if ident is not None:
            yield ident


def resource_ids(event: AriEvent) -> list[str]:
    """Ids of the resources an event concerns, most specific first, without duplicates.

    Args:
        event: Any parsed event, including :class:`UnknownEvent`.

    Returns:
        Channel id, playback/recording id and target, bridge id, then dial peers.
    """
    found = _raw_ids(event.raw) if isinstance(event, UnknownEvent) else _typed_ids(event)
    return list(dict.fromkeys(found))


class EventRouter:
    """Routes each ARI event to the queue of the call that owns the resource it concerns.

    Usage::

        def on_new_call(channel_id: str, start: StasisStart) -> CallQueue | None:
            queue: CallQueue = asyncio.Queue()
            manager.spawn_session(channel_id, start, queue)   # owns the worker task
            return queue

        router = EventRouter(on_new_call)
        router.register(leg_id, queue)      # before client.originate(channel_id=leg_id)
        router.dispatch(event)              # from the WebSocket reader only
        router.forget_queue(queue)          # when the call's worker ends

    ``on_new_call`` runs inside :meth:`dispatch`, on the reader's path: it must not
    block and cannot await; it should only create the queue and start (not run) the
    call's worker.
    """

    def __init__(self, on_new_call: NewCallHandler) -> None:
        self._on_new_call = on_new_call
        self._owners: dict[str, CallQueue] = {}
        self.delivered = 0
        """Events put on a queue (an event given to two calls counts twice)."""
        self.dropped = 0
        """Events no call owned, or whose new call was refused."""

    def register(self, resource_id: str, queue: CallQueue) -> None:
        """Send events about ``resource_id`` to ``queue`` from now on.

        Register client-chosen channel, bridge, playback and recording ids *before*
        the REST request that creates them.
        """
        self._owners[resource_id] = queue

    def unregister(self, resource_id: str) -> None:
        """Stop routing ``resource_id``; unknown ids are ignored."""
        self._owners.pop(resource_id, None)

    def forget_queue(self, queue: CallQueue) -> None:
        """Drop every id mapped to ``queue`` (call this when the call's worker ends)."""
        for resource_id in [rid for rid, q in self._owners.items() if q is queue]:
            del self._owners[resource_id]

    def owner_of(self, resource_id: str) -> CallQueue | None:
        """The queue ``resource_id`` is routed to, if any."""
        return self._owners.get(resource_id)

    def __len__(self) -> int:
        """Number of registered resource ids (for leak checks and metrics)."""
        return len(self._owners)

    def dispatch(self, event: AriEvent) -> None:
        """Put ``event`` on the queue of every call that owns a resource it names.

        Synchronous and non-blocking: it never awaits and only ``put_nowait``s.
        A ``StasisStart`` for an unregistered channel goes to ``on_new_call``; one
        whose ``replace_channel`` is owned joins that owner. Unowned events are
        dropped with a debug log (type and id only).
        """
        if isinstance(event, StasisStart):
            self._dispatch_start(event)
            return
        ids = resource_ids(event)
        queues: list[CallQueue] = []
        for resource_id in ids:
            queue = self._owners.get(resource_id)
            if queue is not None and all(queue is not q for q in queues):
                queues.append(queue)
        if not queues:
            self.dropped += 1
            logger.debug("ari event %s for %s: no owner, dropped", event.type, _first(ids))
            return
        for queue in queues:
            self._put(queue, event, ids[0] if ids else None)

    def _dispatch_start(self, event: StasisStart) -> None:
        channel_id = event.channel.id
        queue = self._owners.get(channel_id)
        if queue is None and event.replace_channel is not None:
            queue = self._owners.get(event.replace_channel.id)
            if queue is not None:
                self._owners[channel_id] = queue
        if queue is None:
            queue = self._new_call(channel_id, event)
            if queue is None:
                self.dropped += 1
                logger.debug("ari StasisStart for %s: not taken, dropped", channel_id)
                return
            self._owners[channel_id] = queue
        self._put(queue, event, channel_id)

    def _new_call(self, channel_id: str, event: StasisStart) -> CallQueue | None:
        try:
            return self._on_new_call(channel_id, event)
        except Exception as exc:
            # The reader must survive a bug in the session layer; the channel stays
            # in Stasis and the next resync (or its owner's reaper) deals with it.
            # Only the class is logged: business exceptions may quote patient data.
            logger.error("ari on_new_call failed for %s: %s", channel_id, type(exc).__name__)
            return None

    def _put(self, queue: CallQueue, event: AriEvent, resource_id: str | None) -> None:
        try:
            queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            logger.error(
                "ari event %s for %s: call queue is bounded and full, dropped",
                event.type,
                resource_id,
            )
            return
        self.delivered += 1


def _first(ids: list[str]) -> str | None:
    return ids[0] if ids else None
