"""Fixtures for the ARI client tests: the sip_lab ARI simulator over real HTTP/WebSocket.

House rule: the simulator speaks real HTTP and WebSocket; the client never gets a
mock in its place. ``strict=True`` makes the simulator reject any parameter the
ARI spec does not define, so these tests also pin the client to the spec.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
import pytest

from callflow.ari import (
    AriClient,
    AriEventStream,
    CallQueue,
    EventRouter,
    QueueItem,
    Resync,
    StasisStart,
)

APP = "urgentline"
USER = "u"
PASSWORD = "p"

E = TypeVar("E")


@pytest.fixture
async def sim() -> AsyncIterator[Any]:
    """A running ARI simulator on an ephemeral loopback port."""
    lab = pytest.importorskip("sip_lab.ari", reason="sip_lab ARI simulator not available")
    simulator = lab.AriSimulator(
        host="127.0.0.1",
        port=0,
        user=USER,
        password=PASSWORD,
        strict=True,
        provider_answer_ms=50,
        provider_hold_ms=500,
    )
    with warnings.catch_warnings():
        # sip_lab passes shutdown_timeout to web.TCPSite, deprecated in aiohttp 3.14
        # (reported to the simulator's owner); not the client's warning to fail on.
        warnings.filterwarnings(
            "ignore", "shutdown_timeout should be set on BaseRunner", DeprecationWarning
        )
        await simulator.start()
    try:
        yield simulator
    finally:
        await simulator.aclose()


@pytest.fixture
async def client(sim: Any) -> AsyncIterator[AriClient]:
    async with AriClient(sim.base_url, USER, PASSWORD, timeout_s=2.0) as ari:
        yield ari


class Lab:
    """The simulator's control plane (``/_lab``, JSON, no auth)."""

    def __init__(self, session: aiohttp.ClientSession, control_url: str) -> None:
        self._session = session
        self._url = control_url.rstrip("/")

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        async with asyncio.timeout(5):
            async with self._session.request(method, self._url + path, json=body) as resp:
                assert resp.status < 300, f"{method} {path}: {resp.status} {await resp.text()}"
                if resp.content_length == 0 or resp.status == 204:
                    return None
                return await resp.json()

    async def call(
        self,
        *,
        script: list[dict[str, Any]] | None = None,
        caller: str = "+447700900123",
        args: list[str] | None = None,
        app: str = APP,
    ) -> str:
        """Place an inbound call into Stasis; returns its channel id."""
        body = {"caller": caller, "app": app, "args": args or ["inbound"], "script": script or []}
        reply = await self._json("POST", "/calls", body)
        return str(reply["channel_id"])

    async def call_info(self, channel_id: str) -> dict[str, Any]:
        info: dict[str, Any] = await self._json("GET", f"/calls/{channel_id}")
        return info

    async def wait_outcome(self, channel_id: str, *outcomes: str, timeout_s: float = 3) -> str:
        async with asyncio.timeout(timeout_s):
            while True:
                outcome = str((await self.call_info(channel_id))["outcome"])
                if outcome in outcomes:
                    return outcome
                await asyncio.sleep(0.02)

    async def fault(self, **spec: Any) -> None:
        await self._json("POST", "/faults", spec)

    async def clear_faults(self) -> None:
        await self._json("DELETE", "/faults")

    async def requests(self) -> list[dict[str, Any]]:
        reply = await self._json("GET", "/requests")
        items = reply["requests"] if isinstance(reply, dict) else reply
        return list(items)


@pytest.fixture
async def lab(sim: Any) -> AsyncIterator[Lab]:
    async with aiohttp.ClientSession() as session:
        yield Lab(session, sim.control_url)


@dataclass
class Calls:
    """An ``on_new_call`` that makes one queue per new call (the test drains them)."""

    queues: dict[str, CallQueue] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, channel_id: str, start: StasisStart) -> CallQueue | None:
        queue: CallQueue = asyncio.Queue()
        self.queues[channel_id] = queue
        self.arrived.set()
        return queue

    async def queue_for(self, channel_id: str, timeout_s: float = 3) -> CallQueue:
        async with asyncio.timeout(timeout_s):
            while channel_id not in self.queues:
                self.arrived.clear()
                await self.arrived.wait()
        return self.queues[channel_id]


@dataclass
class Stream:
    """A running AriEventStream plus what the test needs to look at."""

    stream: AriEventStream
    router: EventRouter
    calls: Calls
    resyncs: list[Resync]


@pytest.fixture
async def stream_factory(
    client: AriClient,
) -> AsyncIterator[Callable[..., Any]]:
    """Start AriEventStreams owned by the test; all are cancelled and awaited at the end."""
    tasks: list[asyncio.Task[None]] = []

    async def start(*, connect: bool = True, **kwargs: Any) -> Stream:
        calls = Calls()
        router = EventRouter(calls)
        resyncs: list[Resync] = []

        async def on_resync(resync: Resync) -> None:
            resyncs.append(resync)

        kwargs.setdefault("backoff_initial_s", 0.05)
        kwargs.setdefault("backoff_max_s", 0.5)
        stream = AriEventStream(client, APP, router, on_resync=on_resync, **kwargs)
        tasks.append(asyncio.create_task(stream.run(), name="test-ari-stream"))
        if connect:
            assert await stream.wait_connected(5), stream.last_error
        return Stream(stream, router, calls, resyncs)

    yield start
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def next_of(
    queue: CallQueue, kind: type[E], timeout_s: float = 3
) -> tuple[E, list[QueueItem]]:
    """Read ``queue`` until an event of ``kind``; returns it and the events before it."""
    skipped: list[QueueItem] = []
    async with asyncio.timeout(timeout_s):
        while True:
            item = await queue.get()
            if isinstance(item, kind):
                return item, skipped
            skipped.append(item)
