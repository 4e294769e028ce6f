"""Plan-available notifications against a real webhook on 127.0.0.1, on both back ends."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from callflow.plans import PlanLookup, PlanNotifier, PlanService
from callflow.storage import Database
from careplans import PlanAccess, PlanNotification, outbox
from careplans.notifications import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

from .conftest import ADA_PHONE, CARE_HOME, PEOPLE, Clock

SECRET = b"webhook-secret-for-tests"
ServerFactory = Callable[[web.Application], Awaitable[TestServer]]


class Webhook:
    """A receiver that answers with ``statuses`` in turn (then 200) and keeps what it got."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def start(self, aiohttp_server: ServerFactory) -> Webhook:
        app = web.Application()
        app.router.add_post("/hooks/plans", self.handle)
        server = await aiohttp_server(app)
        self.url = str(server.make_url("/hooks/plans"))
        return self


async def eventually(check: Callable[[], bool], within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def notifier_for(database: Database, url: str, **kw: object) -> PlanNotifier:
    options: dict[str, object] = {"poll_s": 0.05, "backoff_base_s": 0.01, "backoff_cap_s": 0.05}
    options.update(kw)
    return PlanNotifier(database, url, SECRET, **options)  # type: ignore[arg-type]


def service_with(
    imported: PlanService, notifier: PlanNotifier | None, clock: Clock | None = None
) -> PlanService:
    if clock is None:
        return PlanService(
            imported.db, imported.lookup, view_base_url="https://urgentline.test", notifier=notifier
        )
    return PlanService(
        imported.db,
        imported.lookup,
        view_base_url="https://urgentline.test",
        notifier=notifier,
        clock=clock,
    )


def notifications(database: Database) -> list[PlanNotification]:
    with Session(database.engine) as session:
        return list(session.exec(select(PlanNotification)))


async def test_a_found_plan_is_audited_and_announced_with_a_valid_signature(
    database: Database, imported: PlanService, aiohttp_server: ServerFactory
) -> None:
    webhook = await Webhook().start(aiohttp_server)
    async with notifier_for(database, webhook.url) as notifier:
        plans = service_with(imported, notifier)
        result = await plans.for_call(ADA_PHONE, None)
        queued = await plans.announce("call-0001", result)
        assert len(queued) == 1
        await eventually(lambda: len(webhook.received) == 1)
        await eventually(lambda: notifications(database)[0].status == "delivered")

    headers, body = webhook.received[0]
    assert verify(
        SECRET,
        body,
        timestamp=headers[TIMESTAMP_HEADER],
        signature=headers[SIGNATURE_HEADER],
        now=time.time(),
    )
    assert headers[IDEMPOTENCY_HEADER] == queued[0]
    message = json.loads(body)
    plan_id = result.plans[0].plan_id
    assert message == {
        "event": "plan-available",
        "id": queued[0],
        "call_id": "call-0001",
        "plan_type": "end_of_life",
        "view_url": f"https://urgentline.test/api/careplans/{plan_id}",
        "created_at": message["created_at"],
    }
    assert not any(p in body.decode() for p in PEOPLE)  # never the plan, never a name
    with Session(database.engine) as session:
        (row,) = session.exec(select(PlanAccess))
    assert (row.actor, row.action, row.purpose, row.plan_id, row.call_id) == (
        "system:callflow", "match", "call", plan_id, "call-0001",
    )  # fmt: skip


async def test_failed_deliveries_are_retried_until_acknowledged(
    database: Database, imported: PlanService, aiohttp_server: ServerFactory
) -> None:
    webhook = await Webhook([500, 503]).start(aiohttp_server)
    async with notifier_for(database, webhook.url) as notifier:
        plans = service_with(imported, notifier)
        await plans.announce("call-0002", await plans.for_call(ADA_PHONE, None))
        # The counter moves just after the commit the row shows: wait for it, not the row.
        await eventually(lambda: notifier.delivered == 1)
    (row,) = notifications(database)
    assert row.status == "delivered" and row.attempts == 3 and row.last_error is None
    keys = {headers[IDEMPOTENCY_HEADER] for headers, _ in webhook.received}
    assert len(webhook.received) == 3 and keys == {row.id}
    assert notifier.failed_attempts == 2 and notifier.delivered == 1


async def test_queued_notifications_survive_a_restart(
    database: Database, imported: PlanService, aiohttp_server: ServerFactory
) -> None:
    webhook = await Webhook().start(aiohttp_server)
    stopped = notifier_for(database, webhook.url)  # never started: the process "died"
    plans = service_with(imported, stopped)
    result = await plans.for_call(ADA_PHONE, None)
    assert len(await plans.announce("call-0003", result)) == 1
    assert await plans.announce("call-0003", result) == []  # no duplicate for the same call
    assert await plans.announce("call-0003", await plans.for_call(CARE_HOME, None)) == []
    assert [n.status for n in notifications(database)] == ["pending"]

    async with notifier_for(database, webhook.url):  # the next process delivers it
        await eventually(lambda: notifications(database)[0].status == "delivered")
    assert len(webhook.received) == 1


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/plans"


async def test_an_unreachable_webhook_is_dead_lettered_then_replayed(
    database: Database, imported: PlanService, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    notifier = notifier_for(
        database,
        _closed_port_url(),
        clock=clock,
        max_age_s=60,
        backoff_base_s=10,
        backoff_cap_s=20,
        run_worker=False,
    )
    plans = service_with(imported, notifier, clock)
    await plans.announce("call-0004", await plans.for_call(ADA_PHONE, None))
    async with notifier:
        assert await notifier.deliver_due() == 1
        (row,) = notifications(database)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error is not None and "Connect" in row.last_error
        assert await notifier.deliver_due() == 0  # not due yet: backing off
        clock.now += timedelta(seconds=61)
        assert await notifier.deliver_due() == 1
    (row,) = notifications(database)
    assert (row.status, row.attempts) == ("dead", 2)
    assert "dead-lettered" in caplog.text
    replayed = await database.run(lambda s: outbox.replay(s, now=clock()))
    assert replayed == 1 and notifications(database)[0].status == "pending"


def test_a_notifier_needs_a_secret(database: Database, lookup: PlanLookup) -> None:
    with pytest.raises(ValueError, match="secret"):
        PlanNotifier(database, "https://hooks.example", b"")
