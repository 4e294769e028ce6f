"""The supervised ARI event WebSocket: connect, resync, read, reconnect, forever.

Theory of operation: Asterisk neither buffers nor replays events. While our socket
is down the app is inactive: new calls fail ``Stasis()`` (the dialplan falls back)
and events of calls already in Stasis are lost, but those channels stay in Stasis.
So every connection runs the same three steps:

1. open ``/events?app=<app>&subscribeAll=false`` (Basic auth header, heartbeat);
2. resync: ``GET /applications/{app}`` and ``GET /channels``, then await
   ``on_resync(Resync(...))`` once, so the session manager can reap or adopt calls
   whose events were lost. Events arriving meanwhile wait in the socket buffer
   and are read afterwards, so a channel can show up both in the resync and in a
   following ``StasisStart``;
3. read frames and hand each parsed event to :meth:`EventRouter.dispatch`
   (synchronous). The reader never awaits business logic: Asterisk drops a
   reader that stalls for ``websocket_write_timeout`` (100 ms by default).

Any failure (refused, handshake error, resync error, heartbeat timeout, a clean
close by the server, ``ApplicationReplaced``) ends the connection; the loop waits
a jittered, exponentially growing delay and starts again. The delay goes back to
``backoff_initial_s`` only after a healthy connection: resynced and up for at
least ``backoff_max_s``, so a flapping server is not hammered.

Every await has a deadline: REST and the handshake use the client's timeout,
``on_resync`` gets ``resync_timeout_s``, and the socket's liveness is checked by
aiohttp's heartbeat (a missing PONG closes it after ``heartbeat_s / 2``).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import NoReturn

import aiohttp

from callflow.ari.client import AriClient
from callflow.ari.dispatch import EventRouter
from callflow.ari.errors import AriError, AriEventError, AriProtocolError
from callflow.ari.events import ApplicationReplaced, parse_event_text
from callflow.ari.models import Application, Channel

__all__ = ["AriEventStream", "Resync", "ResyncHandler"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Resync:
    """What Asterisk holds for our app right after a (re)connect.

    Attributes:
        application: ``GET /applications/{app}``; ``channel_ids``/``bridge_ids`` are
            everything subscribed to the app (bridges we created included).
        channels: ``GET /channels`` filtered to ``application.channel_ids``.
    """

    application: Application
    channels: list[Channel]


ResyncHandler = Callable[[Resync], Awaitable[None]]


class _ConnectionEnded(Exception):
    """Internal: the connection ended for a reason already recorded in ``last_error``."""


class AriEventStream:
    """Keeps one event WebSocket for ``app`` up, resyncs on every connect, routes events.

    Usage (the owner, e.g. a cleanup context, cancels and awaits the task)::

        stream = AriEventStream(client, "urgentline", router, on_resync=manager.resync)
        task = asyncio.create_task(stream.run())
        if not await stream.wait_connected(10):
            ...  # not ready yet; /readyz reports stream.connected and stream.last_error
        ...
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    ``on_resync`` is the only callback awaited and runs once per connection before
    any event is read; it must be quick (it holds up every call's events) and
    should not raise (an exception is logged and reading goes on).
    """

    def __init__(
        self,
        client: AriClient,
        app: str,
        router: EventRouter,
        *,
        on_resync: ResyncHandler | None = None,
        heartbeat_s: float = 5.0,
        backoff_initial_s: float = 0.1,
        backoff_max_s: float = 5.0,
        resync_timeout_s: float = 10.0,
    ) -> None:
        if backoff_initial_s <= 0 or backoff_max_s < backoff_initial_s:
            raise ValueError("need 0 < backoff_initial_s <= backoff_max_s")
        self._client = client
        self._app = app
        self._router = router
        self._on_resync = on_resync
        self._heartbeat_s = heartbeat_s
        self._backoff_initial_s = backoff_initial_s
        self._backoff_max_s = backoff_max_s
        self._resync_timeout_s = resync_timeout_s
        self._random = random.Random()
        self._up = asyncio.Event()
        self._down = asyncio.Event()
        self._down.set()
        self._connected_at: float | None = None
        self._healthy = False
        self._replaced = False
        self.attempts = 0
        """Connection attempts, successful or not (a flat rate means backoff works)."""
        self.connections = 0
        """Connections that completed their resync."""
        self.reconnects = 0
        """Connections completed after the first one."""
        self.events = 0
        """Frames parsed and dispatched."""
        self.malformed = 0
        """Frames skipped because they did not parse."""
        self.replaced = 0
        """``ApplicationReplaced`` events seen (another socket took our app name)."""
        self.last_error: str | None = None
        """Why the last connection ended or failed (no credentials, no payloads)."""

    @property
    def app(self) -> str:
        """The Stasis application name this stream registers."""
        return self._app

    @property
    def connected(self) -> bool:
        """True while the socket is open and resynced; False while (re)connecting."""
        return self._up.is_set()

    async def wait_connected(self, timeout_s: float) -> bool:
        """Wait until :attr:`connected` is True.

        Returns:
            Whether it became (or already was) connected within ``timeout_s``.
        """
        return await _wait(self._up, timeout_s)

    async def wait_disconnected(self, timeout_s: float) -> bool:
        """Wait until :attr:`connected` is False.

        Returns:
            Whether it was (or became) disconnected within ``timeout_s``.
        """
        return await _wait(self._down, timeout_s)

    async def run(self) -> None:
        """Connect, read forever and reconnect with jittered exponential backoff.

        Never returns; stops only when cancelled (the socket is closed on the way out).
        """
        backoff = self._backoff_initial_s
        while True:
            self._healthy = False
            self._replaced = False
            try:
                await self._connect_and_read()
            except _ConnectionEnded:
                pass
            except AriError as exc:
                self.last_error = str(exc)
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.last_error = type(exc).__name__
            except Exception as exc:
                # Supervisor boundary: a bug here must not end the event stream for
                # good. Log, back off, try again. (CancelledError is not caught.)
                self.last_error = type(exc).__name__
                logger.exception("ari event stream for %s: unexpected error", self._app)
            if self._healthy:
                backoff = self._backoff_initial_s
            delay = backoff * self._random.uniform(0.5, 1.0)
            logger.warning(
                "ari event socket for %s down (%s); reconnecting in %.2f s",
                self._app,
                self.last_error,
                delay,
            )
            await asyncio.sleep(delay)
            backoff = min(backoff * 2, self._backoff_max_s)

    async def _connect_and_read(self) -> NoReturn:
        """One connection's life; always ends by raising (why is in ``last_error``)."""
        self.attempts += 1
        ws = await self._client.connect_events(self._app, heartbeat_s=self._heartbeat_s)
        try:
            await self._resync()
            self._mark_up()
            await self._read(ws)
        finally:
            self._mark_down()
            await ws.close()

    async def _resync(self) -> None:
        application = await self._client.get_application(self._app)
        ours = set(application.channel_ids)
        channels = [c for c in await self._client.list_channels() if c.id in ours]
        if self._on_resync is None:
            return
        try:
            async with asyncio.timeout(self._resync_timeout_s):
                await self._on_resync(Resync(application=application, channels=channels))
        except TimeoutError:
            logger.error(
                "ari on_resync for %s overran %.1f s; reading events anyway",
                self._app,
                self._resync_timeout_s,
            )
        except Exception as exc:
            # A bug in the session layer must not keep every new call out; reading on
            # is the lesser harm. Class only: its message may quote patient data.
            logger.error("ari on_resync for %s failed: %s", self._app, type(exc).__name__)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> NoReturn:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                if not self._handle_text(msg.data):
                    raise _ConnectionEnded
            elif msg.type is aiohttp.WSMsgType.ERROR:
                error = ws.exception()
                self.last_error = type(error).__name__ if error else "socket error"
                raise _ConnectionEnded
            else:
                logger.debug("ari event socket: ignoring %s frame", msg.type.name)
        code = ws.close_code
        self.last_error = "closed by server" + (f" (code {code})" if code is not None else "")
        raise _ConnectionEnded

    def _handle_text(self, data: str) -> bool:
        """Parse and dispatch one frame; False when the connection must end."""
        try:
            event = parse_event_text(data)
        except AriEventError as exc:
            self.malformed += 1
            logger.warning("ari event %s malformed, skipped", exc.event_type)
            return True
        except AriProtocolError:
            self.malformed += 1
            logger.warning("ari event frame is not a JSON object, skipped")
            return True
        self.events += 1
        if isinstance(event, ApplicationReplaced):
            # Another connection registered our app name and now gets our events.
            # Reconnect (with backoff, never counted as healthy) and make noise: two
            # instances must not share an app name.
            self.replaced += 1
            self._replaced = True
            self.last_error = "application replaced"
            logger.warning("ari application %s was replaced by another connection", self._app)
            return False
        try:
            self._router.dispatch(event)
        except Exception as exc:
            # A worker loop's boundary: log, count, keep reading.
            logger.error("ari dispatch of %s failed: %s", event.type, type(exc).__name__)
        return True

    def _mark_up(self) -> None:
        self.connections += 1
        if self.connections > 1:
            self.reconnects += 1
        self._connected_at = time.monotonic()
        self._down.clear()
        self._up.set()
        logger.info("ari event socket for %s connected and resynced", self._app)

    def _mark_down(self) -> None:
        if self._connected_at is not None:
            lasted = time.monotonic() - self._connected_at
            self._healthy = lasted >= self._backoff_max_s and not self._replaced
        self._connected_at = None
        self._up.clear()
        self._down.set()


async def _wait(event: asyncio.Event, timeout_s: float) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True
