"""Channels against real loopback servers: a webhook and a Notify-style API (aiohttp),
and an SMTP server (aiosmtpd). A failing recipient is retried and fails alone.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiosmtpd.controller import Controller

from dashboards.alerts import AlertSettings, Notice, Notifier, RetryPolicy, TransitionKind
from dashboards.alerts.channels import EmailChannel, SmtpConfig
from dashboards.alerts.notifier import open_notifier
from dashboards.views import AlertView

SECRET = "alerts-test-secret"
API_KEY = "notify-test-key"
TEMPLATE = "0b7a5e4e-8f3c-4b1e-9d1a-3c1f2e0a9b77"
EMAIL = "duty.manager@example.org"
PHONE = "+447700900123"
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)

AlertServer = Callable[[web.Application], Awaitable[TestServer]]


def alert(state: str = "raised") -> AlertView:
    return AlertView(
        id="a" * 32,
        rule="wait-provider",
        title="A caller has waited over 10 minutes",
        severity="critical",
        scope_kind="provider",
        scope="dental",
        metric="longest_wait_s",
        value=742.0,
        threshold=600.0,
        state=state,
        raised_at=T0,
        updated_at=T0,
    )


def notice(kind: TransitionKind = TransitionKind.RAISED, transition_id: int = 7) -> Notice:
    return Notice(kind, alert(), transition_id)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Receiver:
    """A webhook or Notify endpoint: checks credentials, keeps bodies, answers ``status``."""

    status: int = 200
    hang: asyncio.Event | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    posts: int = 0
    refused: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def webhook(self, request: web.Request) -> web.Response:
        self.posts += 1
        body = await request.read()
        timestamp = request.headers["X-Urgentline-Timestamp"]
        expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
        signature = request.headers["X-Urgentline-Signature"]
        if not hmac.compare_digest(signature, "v1=" + expected.hexdigest()) or (
            abs(time.time() - int(timestamp)) > 300
        ):
            self.refused += 1
            return web.Response(status=401)
        return await self._answer(body, request)

    async def notify(self, request: web.Request) -> web.Response:
        self.posts += 1
        if request.headers.get("Authorization") != f"Bearer {API_KEY}":
            self.refused += 1
            return web.Response(status=403)
        return await self._answer(await request.read(), request)

    async def _answer(self, body: bytes, request: web.Request) -> web.Response:
        self.bodies.append({"json": json.loads(body), "headers": dict(request.headers)})
        self.arrived.set()
        if self.hang is not None:
            await self.hang.wait()
        return web.json_response({"id": "n-1"}, status=self.status)


class Inbox:
    """aiosmtpd handler: keeps each message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.received = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.received.set()
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Endpoints:
    ok: Receiver
    broken: Receiver
    sms: Receiver
    base: str


@pytest.fixture
async def endpoints(aiohttp_server: AlertServer) -> AsyncIterator[Endpoints]:
    ok, broken, sms = Receiver(), Receiver(status=500), Receiver(status=201)
    app = web.Application()
    app.router.add_post("/hook", ok.webhook)
    app.router.add_post("/broken", broken.webhook)
    app.router.add_post("/v2/notifications/sms", sms.notify)
    server = await aiohttp_server(app)
    yield Endpoints(ok, broken, sms, str(server.make_url("")).rstrip("/"))


def settings_for(endpoints: Endpoints, smtp_port: int, **overrides: Any) -> AlertSettings:
    values: dict[str, Any] = {
        "alert_webhook_secret": SECRET,
        "alert_smtp_host": "127.0.0.1",
        "alert_smtp_port": smtp_port,
        "alert_smtp_from": "urgentline@example.org",
        "alert_notify_base_url": endpoints.base,
        "alert_notify_api_key": API_KEY,
        "alert_notify_template_id": TEMPLATE,
        "alert_max_attempts": 3,
        "alert_backoff_base_s": 0.01,
        "alert_backoff_max_s": 0.02,
        "alert_timeout_s": 5.0,
    }
    values.update(overrides)
    return AlertSettings(_env_file=None, **values)


async def test_every_channel_delivers_and_a_failing_one_fails_alone(
    endpoints: Endpoints, smtp: tuple[Inbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    inbox, smtp_port = smtp
    refused = f"http://127.0.0.1:{free_port()}/hook"
    recipients = [
        "dashboard",
        f"webhook:{endpoints.base}/hook",
        f"webhook:{endpoints.base}/broken",
        f"webhook:{refused}",
        f"email:{EMAIL}",
        f"sms:{PHONE}",
    ]
    caplog.set_level(logging.DEBUG, logger="dashboards")
    async with open_notifier(settings_for(endpoints, smtp_port)) as notifier:
        notifier.notify(notice(), recipients)
        await notifier.drain()
        stats = dict(notifier.stats)

    (hook,) = endpoints.ok.bodies
    assert hook["json"]["event"] == "alert.raised" and hook["json"]["transition_id"] == 7
    assert hook["json"]["alert"]["raised_at"] == T0.isoformat()
    assert hook["json"]["alert"]["value"] == 742.0
    assert hook["headers"]["Idempotency-Key"] == "alert-transition-7"
    assert endpoints.ok.refused == 0
    assert endpoints.broken.posts == 3 and endpoints.broken.refused == 0  # signed, then 500

    (sms,) = endpoints.sms.bodies
    assert sms["json"]["phone_number"] == PHONE and sms["json"]["template_id"] == TEMPLATE
    personalisation = sms["json"]["personalisation"]
    assert personalisation["value"] == "742 s" and personalisation["scope"] == "provider dental"
    assert all(isinstance(v, str) for v in personalisation.values())

    ((sender, to, raw),) = inbox.messages
    email = message_from_bytes(raw, policy=policy.default)
    assert (sender, to) == ("urgentline@example.org", [EMAIL])
    assert email["Subject"].startswith("[urgentline] RAISED [critical] A caller has waited")
    assert "provider dental 742 s (threshold 600 s)" in email.get_content()

    assert stats == {
        ("webhook", "delivered"): 1,
        ("webhook", "retried"): 4,
        ("webhook", "failed"): 2,
        ("email", "delivered"): 1,
        ("sms", "delivered"): 1,
    }
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("dashboards"))
    assert "http-500" in ours and "connect-error" in ours
    for secret in (EMAIL, PHONE, "127.0.0.1", "/broken"):
        assert secret not in ours


async def test_a_hanging_recipient_blocks_no_one_and_is_cancelled_on_close(
    endpoints: Endpoints, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    hang = asyncio.Event()
    endpoints.broken.status, endpoints.broken.hang = 200, hang
    hung, ok = f"webhook:{endpoints.base}/broken", f"webhook:{endpoints.base}/hook"
    settings = settings_for(endpoints, smtp_port, alert_timeout_s=60.0)
    async with open_notifier(settings) as notifier:
        notifier.notify(notice(), [hung, ok, f"email:{EMAIL}", f"sms:{PHONE}"])
        await endpoints.broken.arrived.wait()
        await endpoints.ok.arrived.wait()
        await endpoints.sms.arrived.wait()
        assert await asyncio.to_thread(inbox.received.wait, 10)
        assert not hang.is_set()  # the others arrived while one recipient hangs
        hang.set()
        await notifier.drain()
        assert notifier.stats["webhook", "delivered"] == 2

        hang.clear()
        endpoints.broken.arrived.clear()
        notifier.notify(notice(), [hung])
        await endpoints.broken.arrived.wait()
    assert notifier.stats["webhook", "failed"] == 0  # cancelled on close, not given up
    assert notifier.stats["webhook", "delivered"] == 2
    hang.set()
    with pytest.raises(RuntimeError, match="closed"):
        notifier.notify(notice(), [ok])


async def test_people_are_paged_on_raise_ack_and_clear_machines_on_every_change(
    endpoints: Endpoints, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    recipients = [f"webhook:{endpoints.base}/hook", f"email:{EMAIL}", f"sms:{PHONE}"]
    async with open_notifier(settings_for(endpoints, smtp_port)) as notifier:
        for n, kind in enumerate(TransitionKind):
            notifier.notify(notice(kind, transition_id=n), recipients)
        await notifier.drain()
    hooked = [body["json"]["event"] for body in endpoints.ok.bodies]
    assert sorted(hooked) == [
        "alert.acknowledged",
        "alert.cleared",
        "alert.raised",
        "alert.updated",
    ]
    texted = [body["json"]["personalisation"]["kind"] for body in endpoints.sms.bodies]
    assert sorted(texted) == ["acknowledged", "cleared", "raised"]
    subjects = sorted(message_from_bytes(raw)["Subject"].split()[1] for _, _, raw in inbox.messages)
    assert subjects == ["ACKNOWLEDGED", "CLEARED", "RAISED"]


async def test_an_unconfigured_channel_is_counted_and_the_rest_delivered(
    endpoints: Endpoints,
) -> None:
    settings = AlertSettings(_env_file=None, alert_webhook_secret=SECRET)  # no SMTP, no SMS
    async with open_notifier(settings) as notifier:
        notifier.notify(
            notice(), [f"email:{EMAIL}", f"sms:{PHONE}", f"webhook:{endpoints.base}/hook"]
        )
        await notifier.drain()
        assert dict(notifier.stats) == {
            ("email", "unconfigured"): 1,
            ("sms", "unconfigured"): 1,
            ("webhook", "delivered"): 1,
        }


async def test_a_refused_smtp_connection_is_retried_then_given_up() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    channel = EmailChannel(SmtpConfig("127.0.0.1", free_port(), "urgentline@example.org"))
    policy = RetryPolicy(max_attempts=4, timeout_s=5.0, backoff_base_s=1.0, backoff_max_s=3.0)
    notifier = Notifier([channel], policy, sleep=sleep)
    notifier.notify(notice(), [f"email:{EMAIL}"])
    await notifier.drain()
    assert dict(notifier.stats) == {("email", "retried"): 3, ("email", "failed"): 1}
    ceilings = [1.0, 2.0, 3.0]  # doubling, capped at backoff_max_s
    assert [c / 2 <= s <= c for s, c in zip(slept, ceilings, strict=True)] == [True] * 3
