"""The durable outbox on both back ends: written with the record, delivered exactly once.

Each test that takes ``database`` runs on SQLite and on PostgreSQL. Deliveries go
to a real aiohttp webhook on 127.0.0.1 that verifies signatures and dedupes on
``Idempotency-Key``, as providers are told to.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from callflow.handoff.bundle import build_bundle
from callflow.handoff.models import HandoffOutbox, OutboxState, aware
from callflow.handoff.outbox import (
    OutboxStore,
    OutboxWorker,
    backoff_delay,
    claim_due,
    mark_delivered,
    mark_failed,
    outbox_row,
    write_record_and_handoff,
)
from callflow.storage import Database
from callflow.storage.models import CallRecord

from .conftest import (
    Action,
    Webhook,
    WebhookServer,
    call_record,
    eventually,
    fast_settings,
    free_port,
    patient_facts,
)


def rows(database: Database) -> list[HandoffOutbox]:
    def read(session: Session) -> list[HandoffOutbox]:
        return list(session.exec(select(HandoffOutbox)).all())

    return database.run_sync(read)


def by_id(database: Database) -> dict[str, HandoffOutbox]:
    return {row.handoff_id: row for row in rows(database)}


async def write_rows(database: Database, count: int, url: str | None) -> list[str]:
    ids = []
    for n in range(count):
        facts = patient_facts(call_id=f"call-{n}")
        row = outbox_row(facts, url=url)
        record = call_record(f"call-{n}")
        await database.run(lambda s, r=record, o=row: write_record_and_handoff(s, r, o))
        ids.append(facts.handoff_id)
    return ids


def all_delivered(database: Database, ids: list[str]) -> bool:
    states = by_id(database)
    return all(states[i].state == OutboxState.DELIVERED for i in ids)


# -- schema and the transactional write --------------------------------------------


async def test_migration_matches_the_model(database: Database) -> None:
    def ours(name: str | None, type_: str, parents: Mapping[str, str | None]) -> bool:
        if type_ == "schema":
            return True
        table = name if type_ == "table" else parents.get("table_name")
        return table == "handoff_outbox"

    def ours_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table == "handoff_outbox"

    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": ours, "include_object": ours_object}
        )
        assert list(compare_metadata(context, SQLModel.metadata)) == []


async def test_record_and_outbox_row_commit_together(database: Database) -> None:
    facts = patient_facts()
    row = outbox_row(facts, url="http://127.0.0.1:9/hook")
    await database.run(lambda s: write_record_and_handoff(s, call_record(), row))

    stored = by_id(database)[facts.handoff_id]
    assert stored.state == OutboxState.PENDING and stored.attempts == 0
    assert stored.payload == build_bundle(facts)
    assert aware(stored.created_at) == aware(stored.next_attempt_at)
    assert database.run_sync(lambda s: s.get(CallRecord, "call-1")) is not None


async def test_a_failed_transaction_writes_neither(database: Database) -> None:
    row = outbox_row(patient_facts(), url=None)

    def write_then_fail(session: Session) -> None:
        write_record_and_handoff(session, call_record(), row)
        session.flush()
        raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        await database.run(write_then_fail)
    assert rows(database) == []
    assert database.run_sync(lambda s: s.get(CallRecord, "call-1")) is None


async def test_writing_again_never_resets_a_handoff(database: Database) -> None:
    facts = patient_facts()
    await database.run(
        lambda s: write_record_and_handoff(s, call_record(), outbox_row(facts, url=None))
    )
    now = datetime.now(UTC)
    (claim,) = database.run_sync(lambda s: claim_due(s, worker_id="w", now=now, lease_s=5, limit=5))
    database.run_sync(lambda s: mark_delivered(s, claim, now=now, status=200))
    # The session's write is retried (say its first commit's answer was lost).
    await database.run(
        lambda s: write_record_and_handoff(s, call_record(), outbox_row(facts, url=None))
    )
    assert by_id(database)[facts.handoff_id].state == OutboxState.DELIVERED


# -- claims -------------------------------------------------------------------------


async def test_concurrent_claims_never_share_a_row(database: Database) -> None:
    await write_rows(database, 30, url=None)
    other = Database(database.url)  # a second instance: its own engine and connections
    try:
        now = datetime.now(UTC)

        async def claim(db: Database, name: str) -> list[str]:
            claims = await db.run(
                lambda s: claim_due(s, worker_id=name, now=now, lease_s=30, limit=4)
            )
            return [c.handoff_id for c in claims]

        rounds = await asyncio.gather(
            *(claim(db, f"w{n}") for n in range(8) for db in (database, other))
        )
        claimed = [handoff_id for batch in rounds for handoff_id in batch]
        assert len(claimed) == len(set(claimed))
        rest = await claim(database, "late")
        assert sorted(claimed + rest) == sorted(by_id(database))
    finally:
        other.dispose()


async def test_a_claim_holds_until_its_lease_ends_and_fences_the_loser(
    database: Database,
) -> None:
    await write_rows(database, 1, url=None)
    t0 = datetime.now(UTC)

    def claim(name: str, at: datetime) -> list[object]:
        return list(
            database.run_sync(lambda s: claim_due(s, worker_id=name, now=at, lease_s=10, limit=1))
        )

    (first,) = claim("a", t0)
    assert claim("b", t0 + timedelta(seconds=9)) == []  # still leased
    (second,) = claim("b", t0 + timedelta(seconds=11))  # "a" died: the lease ran out
    assert second.attempt == 2
    late = t0 + timedelta(seconds=12)
    # "a" comes back from the dead: its outcome must not overwrite "b"'s claim.
    assert not database.run_sync(lambda s: mark_delivered(s, first, now=late, status=200))
    assert not database.run_sync(
        lambda s: mark_failed(s, first, now=late, error="x", status=None, retry_at=None)
    )
    assert database.run_sync(lambda s: mark_delivered(s, second, now=late, status=204))
    (row,) = rows(database)
    assert row.state == OutboxState.DELIVERED and row.last_status == 204


async def test_rows_not_yet_due_are_not_claimed(database: Database) -> None:
    future = datetime.now(UTC) + timedelta(hours=1)
    row = outbox_row(patient_facts(), url=None, now=future)
    await database.run(lambda s: s.add(row))
    now = datetime.now(UTC)
    assert (
        database.run_sync(lambda s: claim_due(s, worker_id="w", now=now, lease_s=5, limit=5)) == []
    )


def test_backoff_is_exponential_capped_and_jittered() -> None:
    steps = [backoff_delay(n, base_s=2, max_s=900, jitter=1.0) for n in range(1, 14)]
    assert steps[:4] == [2, 4, 8, 16]
    assert steps[-1] == 900 and max(steps) == 900
    assert backoff_delay(3, base_s=2, max_s=900, jitter=0.0) == 4  # half the step at least
    rng = random.Random(7)
    spread = {backoff_delay(5, base_s=2, max_s=900, jitter=rng.random()) for _ in range(50)}
    assert len(spread) > 40 and all(16 <= d <= 32 for d in spread)
    assert backoff_delay(10_000, base_s=2, max_s=900, jitter=0.5) == 675


# -- delivery ---------------------------------------------------------------------


async def test_delivers_each_handoff_exactly_once(database: Database, webhook: Webhook) -> None:
    ids = await write_rows(database, 8, webhook.url)
    async with OutboxWorker(database, fast_settings()) as worker:
        worker.wake()
        await eventually(lambda: all_delivered(database, ids))
        await eventually(lambda: worker.stats.delivered == 8)
    assert sorted(webhook.accepted) == sorted(ids)
    assert set(webhook.posts.values()) == {1}
    stored = by_id(database)
    for handoff_id in ids:
        assert webhook.bundles[handoff_id] == stored[handoff_id].payload
        assert stored[handoff_id].attempts == 1 and stored[handoff_id].last_status == 200
        assert stored[handoff_id].delivered_at is not None
    assert worker.stats.delivered == 8 and worker.stats.lease_lost == 0


async def test_a_webhook_down_then_failing_still_gets_every_handoff_once(
    database: Database,
) -> None:
    server = WebhookServer(free_port())  # not listening yet: the provider is down
    ids = await write_rows(database, 10, server.hook.url)
    slow_once = set(ids[:3])
    failing = True

    def policy(key: str, seen: int) -> Action:
        if failing:
            return Action(status=500, accept=False)
        if key in slow_once and seen == 1:
            # Accepted, but the answer comes after the sender's deadline: it retries,
            # and the receiver must recognise the Idempotency-Key.
            return Action(status=200, delay_s=0.8)
        return Action()

    server.hook.policy = policy
    settings = fast_settings(handoff_max_attempts=100)
    async with OutboxWorker(database, settings) as worker:
        worker.wake()
        await eventually(lambda: worker.stats.retried >= 10)  # connection refused, retried
        assert server.hook.posts == {}
        await server.start()
        try:
            await eventually(lambda: sum(server.hook.posts.values()) >= 10)  # 500s now
            failing = False
            await eventually(lambda: all_delivered(database, ids), timeout_s=15)
        finally:
            await asyncio.sleep(0.9)  # let the slow answers finish before stopping
            await server.stop()
    assert sorted(server.hook.accepted) == sorted(ids)  # each accepted exactly once
    assert all(server.hook.posts[i] >= 2 for i in slow_once)  # retried, deduped
    errors = {row.last_error for row in rows(database)}
    assert errors == {None}


async def test_dead_letter_after_max_attempts(database: Database, webhook: Webhook) -> None:
    webhook.policy = lambda key, seen: Action(status=503, accept=False)
    (handoff_id,) = await write_rows(database, 1, webhook.url)
    async with OutboxWorker(database, fast_settings(handoff_max_attempts=3)) as worker:
        worker.wake()
        await eventually(lambda: by_id(database)[handoff_id].state == OutboxState.DEAD)
        await asyncio.sleep(0.2)  # a dead row is never claimed again
    row = by_id(database)[handoff_id]
    assert (row.attempts, row.last_error, row.last_status) == (3, "http-503", 503)
    assert webhook.posts[handoff_id] == 3 and webhook.accepted == []
    assert worker.stats.dead == 1 and worker.stats.retried == 2


async def test_a_provider_without_a_webhook_is_dead_lettered(database: Database) -> None:
    (handoff_id,) = await write_rows(database, 1, url=None)
    async with OutboxWorker(database, fast_settings(handoff_max_attempts=2)):
        await eventually(lambda: by_id(database)[handoff_id].state == OutboxState.DEAD)
    assert by_id(database)[handoff_id].last_error == "no-webhook"


async def test_webhook_url_from_settings_when_the_row_has_none(
    database: Database, webhook: Webhook
) -> None:
    ids = await write_rows(database, 2, url=None)
    settings = fast_settings(handoff_webhooks={"dental": webhook.url})
    async with OutboxWorker(database, settings):
        await eventually(lambda: all_delivered(database, ids))
    assert sorted(webhook.accepted) == sorted(ids)


async def test_retry_after_is_honoured(database: Database, webhook: Webhook) -> None:
    webhook.policy = lambda key, seen: Action(
        status=429, accept=False, headers=(("Retry-After", "3"),)
    )
    (handoff_id,) = await write_rows(database, 1, webhook.url)
    worker = OutboxWorker(database, fast_settings(handoff_backoff_max_s=5))
    try:
        assert await worker.run_once() == 1
    finally:
        await worker.aclose()
    row = by_id(database)[handoff_id]
    wait = aware(row.next_attempt_at) - aware(row.updated_at)
    assert row.state == OutboxState.PENDING and row.last_error == "http-429"
    assert timedelta(seconds=3) <= wait <= timedelta(seconds=5)


async def test_two_workers_never_deliver_one_row_at_the_same_time(
    database: Database, webhook: Webhook
) -> None:
    webhook.policy = lambda key, seen: Action(delay_s=0.03)
    ids = await write_rows(database, 40, webhook.url)
    other = Database(database.url)
    # A timeout would make a second (sequential, legitimate) POST: this test is about
    # two workers claiming, so the time box is far beyond a loaded machine's stalls.
    settings = fast_settings(
        handoff_batch_size=3,
        handoff_concurrency=4,
        handoff_poll_s=0.01,
        handoff_timeout_s=5.0,
        handoff_lease_s=10.0,
    )
    try:
        async with (
            OutboxWorker(database, settings, worker_id="one") as one,
            OutboxWorker(other, settings, worker_id="two") as two,
        ):
            await eventually(lambda: all_delivered(database, ids), timeout_s=20)
            await eventually(lambda: one.stats.delivered + two.stats.delivered == 40)
    finally:
        other.dispose()
    assert webhook.overlaps == []
    assert set(webhook.posts.values()) == {1}  # not even one after the other
    assert sorted(webhook.accepted) == sorted(ids)
    assert one.stats.delivered > 0 and two.stats.delivered > 0  # both took part
    assert one.stats.claimed + two.stats.claimed == 40  # each row claimed exactly once


# -- crashes ------------------------------------------------------------------------


async def test_a_crash_mid_delivery_loses_nothing(database: Database, webhook: Webhook) -> None:
    """Record + outbox committed, worker dies mid-POST, a new instance delivers it once."""
    release = asyncio.Event()
    webhook.policy = lambda key, seen: Action(hang=release) if seen == 1 else Action()
    (handoff_id,) = await write_rows(database, 1, webhook.url)
    settings = fast_settings(handoff_lease_s=1.0, handoff_timeout_s=0.5)

    crashed = OutboxWorker(database, settings, worker_id="crashed")
    crashed.start()
    await eventually(lambda: webhook.posts[handoff_id] == 1)
    await crashed.aclose(release=False)  # killed: no chance to record or release
    row = by_id(database)[handoff_id]
    assert row.state == OutboxState.DELIVERING and row.claimed_by == "crashed"

    restarted_db = Database(database.url)  # the service comes back
    try:
        async with OutboxWorker(restarted_db, settings, worker_id="restarted") as worker:
            await asyncio.sleep(0.3)
            assert webhook.posts[handoff_id] == 1  # not before the lease runs out
            await eventually(lambda: all_delivered(database, [handoff_id]))
            await eventually(lambda: worker.stats.delivered == 1)
    finally:
        release.set()
        restarted_db.dispose()
    assert webhook.accepted == [handoff_id]  # the receiver deduped the second POST
    assert webhook.posts[handoff_id] == 2
    row = by_id(database)[handoff_id]
    assert row.attempts == 2 and row.claimed_by is None
    assert worker.stats.delivered == 1


async def test_a_graceful_stop_hands_rows_back_at_once(
    database: Database, webhook: Webhook
) -> None:
    release = asyncio.Event()
    webhook.policy = lambda key, seen: Action(hang=release) if seen == 1 else Action()
    (handoff_id,) = await write_rows(database, 1, webhook.url)
    settings = fast_settings(handoff_lease_s=30.0, handoff_timeout_s=10.0)
    stopping = OutboxWorker(database, settings, worker_id="stopping")
    stopping.start()
    await eventually(lambda: webhook.posts[handoff_id] == 1)
    await stopping.aclose()  # released: due now, not in 30 s
    assert by_id(database)[handoff_id].state == OutboxState.PENDING
    try:
        async with OutboxWorker(database, settings, worker_id="next"):
            await eventually(lambda: all_delivered(database, [handoff_id]), timeout_s=5)
    finally:
        release.set()
    assert webhook.accepted == [handoff_id]


async def test_a_crash_before_any_delivery_loses_nothing(
    database: Database, webhook: Webhook
) -> None:
    ids = await write_rows(database, 3, webhook.url)
    database.dispose()  # the process dies right after the commit
    restarted = Database(database.url)
    try:
        async with OutboxWorker(restarted, fast_settings()):
            await eventually(lambda: all_delivered(restarted, ids))
    finally:
        restarted.dispose()
    assert sorted(webhook.accepted) == sorted(ids)


async def test_store_counts_and_lists(database: Database) -> None:
    ids = await write_rows(database, 3, url=None)
    store = OutboxStore(database)
    assert await store.counts() == {"pending": 3, "delivering": 0, "delivered": 0, "dead": 0}
    listed = await store.list(state=OutboxState.PENDING)
    assert sorted(s.handoff_id for s in listed) == sorted(ids)
    assert all(s.created_at.tzinfo is not None for s in listed)
    assert await store.list(state=OutboxState.DEAD) == []


async def test_a_bug_while_posting_counts_as_a_failed_attempt(
    database: Database, webhook: Webhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(payload: object) -> bytes:
        raise RuntimeError("bug")

    monkeypatch.setattr("callflow.handoff.outbox.encode_body", broken)
    (handoff_id,) = await write_rows(database, 1, webhook.url)
    async with OutboxWorker(database, fast_settings(handoff_max_attempts=2)):
        await eventually(lambda: by_id(database)[handoff_id].state == OutboxState.DEAD)
    assert by_id(database)[handoff_id].last_error == "internal-RuntimeError"
    assert webhook.posts == {}
