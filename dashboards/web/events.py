"""``/events``: the live feed behind every dashboard page (Server-Sent Events).

Theory of operation: a stream subscribes to the hub *before* reading its
snapshot, so nothing published in between is lost; it sends the snapshot
(``board``, then ``alerts``), then relays each hub update as ``event: <kind>``
with JSON ``data:``. aiohttp-sse pings every ``ping_interval_s`` so proxies keep
the connection open and a vanished client is noticed (the failed ping ends the
stream). Shutdown ends every open stream at once (``close_streams``), so the
server never waits out its shutdown timeout for screens that stay open for
days; browsers then reconnect to the next instance on their own.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import suppress
from typing import Any

from aiohttp import web
from aiohttp_sse import EventSourceResponse, sse_response

from callflow.auth import Role, require
from dashboards.hub import Update
from dashboards.web.payloads import ALERTS, BOARD, alerts_json, to_json
from dashboards.web.state import DASHBOARD

log = logging.getLogger(__name__)

SEND_TIMEOUT_S = 30.0
"""A screen that takes longer than this to accept one update is cut off."""


@require(Role.SUPERVISOR, Role.COMMISSIONER)
async def events(request: web.Request) -> web.StreamResponse:
    """Live dashboard updates as Server-Sent Events (board, alerts, syndromic)."""
    dashboard = request.app[DASHBOARD]
    async with dashboard.hub.subscribe() as queue:
        board = await dashboard.source.board(dashboard.clock())
        alerts = await dashboard.source.alerts()
        async with sse_response(
            request, ping_interval=dashboard.ping_interval_s, send_timeout=SEND_TIMEOUT_S
        ) as stream:
            dashboard.streams.add(stream)
            log.debug("dashboard stream opened (%d open)", len(dashboard.streams))
            try:
                await stream.send(_dumps(to_json(board)), event=BOARD)
                await stream.send(_dumps(alerts_json(alerts)), event=ALERTS)
                await _relay(queue, stream)
            except ConnectionResetError:
                pass  # the screen went away mid-send: nothing left to do for it
            finally:
                dashboard.streams.discard(stream)
                log.debug("dashboard stream closed (%d open)", len(dashboard.streams))
    return stream


async def _relay(queue: asyncio.Queue[Update], stream: EventSourceResponse) -> None:
    """Send hub updates until the stream ends (client gone, or ``stop_streaming``)."""
    ended = asyncio.create_task(stream.wait())
    update: asyncio.Task[Update] | None = None
    try:
        while True:
            update = asyncio.create_task(queue.get())
            done, _ = await asyncio.wait({update, ended}, return_when=asyncio.FIRST_COMPLETED)
            if update not in done:
                return
            item = update.result()
            await stream.send(_dumps(item.data), event=item.kind)
    finally:
        for task in (update, ended):
            if task is not None and not task.done():
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task


async def close_streams(app: web.Application) -> None:
    """``on_shutdown``: end every open dashboard stream now."""
    streams = app[DASHBOARD].streams
    if streams:
        log.info("closing %d dashboard stream(s) for shutdown", len(streams))
    for stream in list(streams):
        stream.stop_streaming()


def _dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"))
