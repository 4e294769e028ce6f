"""Test helpers for the ARI simulator: a tiny ARI client, an event reader, the samples.

The client here is deliberately naive (plain aiohttp calls): the tests check
the simulator's wire behaviour, not urgentline's client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

API_DOCS = Path(__file__).resolve().parents[2] / "sip_lab" / "ari" / "api-docs"
SAMPLES: dict[str, Any] = json.loads((API_DOCS / "asterisk-22-samples.json").read_text())
USER, PASSWORD = "urgentline", "s3cret-ari"
APP = "urgentline"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")

Event = dict[str, Any]


class Reply:
    """One HTTP reply: status, headers, raw text and parsed JSON (if any)."""

    def __init__(self, status: int, headers: dict[str, str], text: str) -> None:
        self.status = status
        self.headers = headers
        self.text = text
        self.json: Any = json.loads(text) if text and text.lstrip()[:1] in "{[" else None

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.text[:200]!r})"


class EventStream:
    """An ``/ari/events`` socket read into a queue by a background task."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.events: list[Event] = []
        self.closed = asyncio.Event()
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    event = json.loads(message.data)
                    self.events.append(event)
                    self._queue.put_nowait(event)
        finally:
            self.closed.set()

    async def next(self, within: float = 3.0) -> Event:
        """The next event (TimeoutError if none comes)."""
        return await asyncio.wait_for(self._queue.get(), within)

    async def until(
        self, event_type: str, where: Callable[[Event], bool] | None = None, within: float = 3.0
    ) -> Event:
        """Skip events until one of ``event_type`` (matching ``where``) arrives."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = await self.next(max(0.01, deadline - loop.time()))
            if event["type"] == event_type and (where is None or where(event)):
                return event

    async def quiet(self, seconds: float = 0.2) -> list[Event]:
        """Everything that arrives within ``seconds`` (to prove nothing more comes)."""
        got = []
        with contextlib.suppress(TimeoutError):
            while True:
                got.append(await self.next(seconds))
        return got

    async def close(self) -> None:
        """Close the socket and stop reading."""
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class Ari:
    """REST, events and control-plane access to one simulator."""

    def __init__(self, base_url: str, control_url: str) -> None:
        self.base = base_url
        self.control = control_url
        self.http = aiohttp.ClientSession()
        self.auth = {"Authorization": aiohttp.encode_basic_auth(USER, PASSWORD)}
        self.streams: list[EventStream] = []

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        """An ARI request (``path`` relative to ``/ari``), Basic auth unless told not to."""
        sent = dict(self.auth if auth else {})
        sent.update(headers or {})
        async with self.http.request(
            method, self.base + path, params=params, json=json_body, headers=sent
        ) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def lab(self, method: str, path: str, body: Any = None) -> Reply:
        """A control-plane request (``path`` relative to ``/_lab``)."""
        async with self.http.request(method, self.control + path, json=body) as response:
            return Reply(response.status, dict(response.headers), await response.text())

    async def events(self, app: str = APP, **params: str) -> EventStream:
        """Open an event socket (api_key auth, as most ARI libraries do)."""
        query = {"app": app, "api_key": f"{USER}:{PASSWORD}", **params}
        ws = await self.http.ws_connect(self.base + "/events", params=query)
        stream = EventStream(ws)
        self.streams.append(stream)
        return stream

    async def call(
        self, caller: str = "+447700900123", *steps: dict[str, Any], **extra: Any
    ) -> str:
        """Ring in; returns the channel id."""
        body: dict[str, Any] = {"caller": caller, "script": list(steps), **extra}
        reply = await self.lab("POST", "/calls", body)
        assert reply.status == 201, reply
        return str(reply.json["channel_id"])

    async def record(self, channel_id: str) -> dict[str, Any]:
        """The lab's record of one call."""
        reply = await self.lab("GET", f"/calls/{channel_id}")
        assert reply.status == 200, reply
        result: dict[str, Any] = reply.json
        return result

    async def wait_record(
        self, channel_id: str, where: Callable[[dict[str, Any]], bool], within: float = 3.0
    ) -> dict[str, Any]:
        """Poll the call record until ``where`` holds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        record = await self.record(channel_id)
        while not where(record):
            assert loop.time() < deadline, f"record never matched: {record}"
            await asyncio.sleep(0.02)
            record = await self.record(channel_id)
        return record

    async def aclose(self) -> None:
        """Close every socket and the session."""
        for stream in self.streams:
            await stream.close()
        await self.http.close()


def sample_request(name: str) -> tuple[str, str, dict[str, str]]:
    """Method, path (relative to /ari) and params of a ``rest_responses`` sample."""
    sample = SAMPLES["rest_responses"][name]
    method, url = sample["request"].split()[:2]
    return method, url.removeprefix("/ari"), dict(sample.get("params", {}))


def event_types(events: list[Event]) -> list[str]:
    """The ``type`` of each event."""
    return [e["type"] for e in events]
