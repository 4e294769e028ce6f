"""Fixtures for the handoff: fast settings, sample facts, and a provider's webhook.

``Webhook`` is a provider's receiving end on 127.0.0.1 (a real aiohttp server):
it verifies the signature, dedupes on ``Idempotency-Key`` as the docs tell
providers to, and records what it saw, so tests can assert "each handoff
accepted exactly once" and "never two POSTs of one handoff at the same time".
Its behaviour per request is a test-supplied ``policy``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from callflow.handoff.bundle import (
    Answer,
    CarePlanFlag,
    HandoffFacts,
    ReasonCode,
    RepeatCaller,
    StatedDemographics,
)
from callflow.handoff.outbox import new_handoff_id
from callflow.handoff.settings import HandoffSettings
from callflow.handoff.signing import IDEMPOTENCY_HEADER, SignatureError, verify
from callflow.storage.models import CallRecord

SECRET = "test-handoff-secret"
PATIENT_STRINGS = (
    "Zebedee",
    "Quillfeather",
    "9434765919",
    "+447700900123",
    "07700900123",
    "LS10 4YU",
    "1959-05-04",
    "my jaw is badly swollen",
)
"""Distinctive patient data in ``patient_facts``: none may ever reach a log."""


def fast_settings(**overrides: Any) -> HandoffSettings:
    """Small timings so retries, leases and dead-lettering happen in a test's time."""
    values: dict[str, Any] = {
        "handoff_secret": SECRET,
        "handoff_max_attempts": 5,
        "handoff_backoff_base_s": 0.02,
        "handoff_backoff_max_s": 0.1,
        "handoff_timeout_s": 0.5,
        "handoff_lease_s": 1.0,
        "handoff_poll_s": 0.02,
        "handoff_batch_size": 5,
        "handoff_concurrency": 4,
    }
    values.update(overrides)
    return HandoffSettings(_env_file=None, **values)


NOW = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


def patient_facts(
    *, destination: str = "dental", handoff_id: str | None = None, call_id: str = "call-1"
) -> HandoffFacts:
    """A fully populated handoff with recognisable (fake) patient data."""
    return HandoffFacts(
        handoff_id=handoff_id or new_handoff_id(),
        call_id=call_id,
        destination=destination,
        pathway="dental",
        arrived_at=NOW,
        handed_off_at=NOW + timedelta(minutes=3),
        ended_at=NOW + timedelta(minutes=4),
        priority="urgent",
        caller_cli="+447700900123",
        menu_path=("main:2", "dental:1"),
        answers=(
            Answer("pain-score", "How bad is the pain, from 0 to 10?", 8),
            Answer("describe", "Tell us what is wrong", "my jaw is badly swollen"),
        ),
        reasons=(ReasonCode("https://fhir.nhs.uk/Id/pathways-dx-code", "DX118", "Dental 4 h"),),
        nhs_number="9434765919",
        nhs_number_verified=False,
        demographics=StatedDemographics("Zebedee", "Quillfeather", date(1959, 5, 4), "LS10 4YU"),
        care_plan=CarePlanFlag("crisis", "UCP", "ucp-1"),
        repeat_caller=RepeatCaller(3, 96, "nhs-number"),
        red_flag="facial-swelling",
        script="london",
        script_version="3",
        destination_name="Urgent dental pain service",
    )


def call_record(call_id: str = "call-1", destination: str = "dental") -> CallRecord:
    return CallRecord(
        call_id=call_id,
        channel_id=f"chan-{call_id}",
        caller="07700900123",
        caller_withheld=False,
        script="london",
        script_version="3",
        arrived_at=NOW,
        ended_at=NOW + timedelta(minutes=4),
        destination=destination,
        menu_path=["main:2", "dental:1"],
        outcome="routed",
    )


@dataclass(frozen=True)
class Action:
    """What the webhook does with one request: accept it or not, then wait, then answer."""

    status: int = 200
    accept: bool = True
    delay_s: float = 0.0
    hang: asyncio.Event | None = None
    headers: tuple[tuple[str, str], ...] = ()


Policy = Callable[[str, int], Action]
"""(handoff id, how many POSTs of it arrived so far including this one) -> Action."""


def always_ok(key: str, seen: int) -> Action:
    return Action()


@dataclass
class Webhook:
    url: str
    policy: Policy = always_ok
    accepted: list[str] = field(default_factory=list)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)
    posts: Counter[str] = field(default_factory=Counter)
    in_flight: set[str] = field(default_factory=set)
    overlaps: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify(SECRET, body, request.headers, now=time.time())
        except SignatureError:
            self.bad_signatures += 1
            return web.Response(status=401)
        key = request.headers[IDEMPOTENCY_HEADER]
        self.posts[key] += 1
        self.arrived.set()
        if key in self.in_flight:
            self.overlaps.append(key)
        self.in_flight.add(key)
        try:
            action = self.policy(key, self.posts[key])
            if action.accept and action.status < 300 and key not in self.bundles:
                self.accepted.append(key)
                self.bundles[key] = json.loads(body)
            if action.hang is not None:
                await action.hang.wait()
            if action.delay_s:
                await asyncio.sleep(action.delay_s)
            return web.Response(status=action.status, headers=dict(action.headers))
        finally:
            self.in_flight.discard(key)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebhookServer:
    """Start and stop a ``Webhook`` on a fixed loopback port (so it can be "down")."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.hook = Webhook(f"http://127.0.0.1:{port}/hook")
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.hook.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@pytest.fixture
async def webhook_server() -> AsyncIterator[WebhookServer]:
    server = WebhookServer(free_port())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def webhook(webhook_server: WebhookServer) -> Webhook:
    return webhook_server.hook


async def eventually(
    predicate: Callable[[], Awaitable[bool]] | Callable[[], bool], timeout_s: float = 10.0
) -> None:
    """Wait until ``predicate()`` is true (sync or async), or fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
