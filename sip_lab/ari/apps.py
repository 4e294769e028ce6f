"""Stasis applications, their event WebSockets and their subscriptions.

Mirrors ``res/stasis/app.c``: an application is *registered* once a socket asks
for it and stays registered (with its channel and bridge subscriptions) after
the socket goes; it is *active* only while a socket holds it. Events for an
inactive application are dropped, never buffered ("Inactive Stasis app missed
message"). A second socket for the same name takes the application over and
the first gets ``ApplicationReplaced``.

Each socket has a send queue drained by one writer task, so the engine can emit
events synchronously (an event queued before a REST reply is written before it)
without ever awaiting a slow client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field

from aiohttp import WSCloseCode, web

from sip_lab.ari.events import event, for_app
from sip_lab.ari.state import utcnow
from sip_lab.ari.types import JsonObject

log = logging.getLogger(__name__)

_CLOSE = object()


class EventSocket:
    """One client's ``/ari/events`` WebSocket with its own ordered send queue."""

    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws = ws
        self.request = request
        self.apps: set[str] = set()
        self.subscribe_all = False
        self._queue: asyncio.Queue[str | object] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write(), name="ari-ws-writer")
        self.closing = False

    def send(self, text: str) -> None:
        """Queue one message; never blocks the caller."""
        if not self.closing:
            self._queue.put_nowait(text)

    def close_soon(self, code: int = WSCloseCode.GOING_AWAY, message: bytes = b"") -> None:
        """Close after what is already queued has been written."""
        if not self.closing:
            self.closing = True
            self._queue.put_nowait((code, message))
            self._queue.put_nowait(_CLOSE)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a dead link, not a shutdown)."""
        self.closing = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()
        self._writer.cancel()

    async def aclose(self) -> None:
        """Close now (used on shutdown) and wait for the writer to finish."""
        self.closing = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=WSCloseCode.GOING_AWAY, message=b"shutdown")

    async def stop(self) -> None:
        """The connection is over: stop the writer (flushing is pointless now)."""
        self.closing = True
        if not self._writer.done():
            self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer

    async def _write(self) -> None:
        close_args: tuple[int, bytes] | None = None
        while True:
            item = await self._queue.get()
            if item is _CLOSE:
                code, message = close_args or (WSCloseCode.GOING_AWAY, b"")
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.close(code=code, message=message)
                return
            if isinstance(item, tuple):
                close_args = (int(item[0]), bytes(item[1]))
                continue
            try:
                await self.ws.send_str(str(item))
            except (ConnectionError, RuntimeError):
                self.closing = True
                return


@dataclass(slots=True)
class App:
    """A registered Stasis application."""

    name: str
    socket: EventSocket | None = None
    channels: set[str] = field(default_factory=set)
    bridges: set[str] = field(default_factory=set)

    def to_json(self) -> JsonObject:
        """The ``Application`` model (as ``GET /applications/{name}`` returns it)."""
        return {
            "name": self.name,
            "channel_ids": sorted(self.channels),
            "bridge_ids": sorted(self.bridges),
            "endpoint_ids": [],
            "device_names": [],
            "events_allowed": [],
            "events_disallowed": [],
        }


@dataclass(slots=True)
class WsStats:
    """Counters for ``GET /_lab/stats``."""

    connections: int = 0
    replaced: int = 0
    dropped: int = 0
    refused: int = 0
    events_sent: int = 0
    events_dropped: int = 0


class AppRegistry:
    """Who is connected, who is subscribed to what, and event delivery."""

    def __init__(self, asterisk_id: str) -> None:
        self.asterisk_id = asterisk_id
        self.apps: dict[str, App] = {}
        self.sockets: set[EventSocket] = set()
        self.stats = WsStats()

    def attach(self, sock: EventSocket, names: list[str], subscribe_all: bool) -> None:
        """Give ``sock`` the named applications, replacing their previous sockets."""
        self.stats.connections += 1
        sock.subscribe_all = subscribe_all
        self.sockets.add(sock)
        for name in names:
            app = self.apps.setdefault(name, App(name))
            old = app.socket
            if old is not None and old is not sock:
                self.stats.replaced += 1
                replaced = event("ApplicationReplaced", utcnow(), application=name)
                old.send(json.dumps(for_app(replaced, name, self.asterisk_id)))
                old.apps.discard(name)
                if not old.apps:
                    old.close_soon(WSCloseCode.POLICY_VIOLATION, b"application replaced")
            app.socket = sock
            sock.apps.add(name)

    def detach(self, sock: EventSocket) -> None:
        """The socket is gone: its applications become inactive (subscriptions stay)."""
        self.sockets.discard(sock)
        for name in list(sock.apps):
            app = self.apps.get(name)
            if app is not None and app.socket is sock:
                app.socket = None
        sock.apps.clear()
        self._forget_idle()

    def drop_all(self, abrupt: bool) -> int:
        """Fault injection: every event socket goes now (clients may reconnect)."""
        sockets = list(self.sockets)
        for sock in sockets:
            self.detach(sock)
            if abrupt:
                sock.abort()
            else:
                sock.close_soon(WSCloseCode.GOING_AWAY, b"dropped by sip_lab")
        self.stats.dropped += len(sockets)
        return len(sockets)

    def is_active(self, name: str) -> bool:
        """Whether a socket currently holds the application (so Stasis() can enter it)."""
        app = self.apps.get(name)
        return app is not None and app.socket is not None

    def subscribe_channel(self, name: str, channel_id: str) -> None:
        """Route the channel's events to the application."""
        self.apps.setdefault(name, App(name)).channels.add(channel_id)

    def unsubscribe_channel(self, name: str, channel_id: str) -> None:
        """Stop routing the channel's events to the application."""
        app = self.apps.get(name)
        if app is not None:
            app.channels.discard(channel_id)
            self._forget_idle()

    def subscribe_bridge(self, name: str, bridge_id: str) -> None:
        """Route the bridge's events to the application."""
        self.apps.setdefault(name, App(name)).bridges.add(bridge_id)

    def forget(self, *, channel_id: str | None = None, bridge_id: str | None = None) -> None:
        """A channel or bridge is destroyed: drop every subscription to it."""
        for app in self.apps.values():
            if channel_id is not None:
                app.channels.discard(channel_id)
            if bridge_id is not None:
                app.bridges.discard(bridge_id)
        self._forget_idle()

    def subscribers(self, channel_ids: tuple[str, ...], bridge_ids: tuple[str, ...]) -> list[str]:
        """Applications subscribed to any of the channels or bridges."""
        return [
            app.name
            for app in self.apps.values()
            if (app.socket is not None and app.socket.subscribe_all)
            or any(c in app.channels for c in channel_ids)
            or any(b in app.bridges for b in bridge_ids)
        ]

    def deliver(
        self, body: JsonObject, *, channels: tuple[str, ...] = (), bridges: tuple[str, ...] = ()
    ) -> None:
        """Send an event to every subscribed, active application; drop it for inactive ones."""
        for name in self.subscribers(channels, bridges):
            app = self.apps[name]
            if app.socket is None:
                self.stats.events_dropped += 1
                log.debug("inactive Stasis app %s missed %s", name, body.get("type"))
                continue
            app.socket.send(json.dumps(for_app(body, name, self.asterisk_id)))
            self.stats.events_sent += 1

    def _forget_idle(self) -> None:
        for name, app in list(self.apps.items()):
            if app.socket is None and not app.channels and not app.bridges:
                del self.apps[name]

    async def aclose(self) -> None:
        """Close every socket (shutdown): clients see a close, not a hang."""
        sockets = list(self.sockets)
        for sock in sockets:
            self.detach(sock)
        await asyncio.gather(*(sock.aclose() for sock in sockets))
