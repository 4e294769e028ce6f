"""The floor: the cheapest possible ARI application (answer, then hang up).

``urgentline bench`` runs it against the same simulator as the service, in the
same process, so ``ratio_to_floor`` compares our cost per call with the bare
minimum any ARI app pays (one WebSocket event stream, two REST calls).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from types import TracebackType

import aiohttp


class FloorApp:
    """Answers and hangs up every channel that enters its Stasis app."""

    def __init__(self, base_url: str, user: str, password: str, app: str = "floor") -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}
        self._http: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._connected = asyncio.Event()
        self.handled = 0

    async def __aenter__(self) -> FloorApp:
        self._http = aiohttp.ClientSession(
            headers=self._headers, timeout=aiohttp.ClientTimeout(total=10)
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())
        await asyncio.wait_for(self._connected.wait(), 10)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.close()

    async def _read(self) -> None:
        assert self._http is not None
        ws_url = self.base_url.replace("http", "ws", 1) + "/events"
        async with self._http.ws_connect(
            ws_url, params={"app": self.app, "subscribeAll": "false"}, heartbeat=5
        ) as ws:
            self._connected.set()
            async for message in ws:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                event = json.loads(message.data)
                if event.get("type") == "StasisStart":
                    task = asyncio.get_running_loop().create_task(
                        self._handle(event["channel"]["id"])
                    )
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)

    async def _handle(self, channel_id: str) -> None:
        assert self._http is not None
        async with self._http.post(f"{self.base_url}/channels/{channel_id}/answer") as reply:
            await reply.read()
        async with self._http.delete(f"{self.base_url}/channels/{channel_id}") as reply:
            await reply.read()
        self.handled += 1
