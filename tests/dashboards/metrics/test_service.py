"""MetricsService on real back ends: rebuild from the stream, roll-ups written, memory pruned."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from callflow.events import CallEvent
from callflow.storage import Database, RedisStore
from dashboards.metrics import LiveMetrics, MetricsService, Rollup, RollupStore
from dashboards.stream import EventConsumer
from tests.dashboards.metrics.kit import T0, abandoned_call, answered_call, waiting_call

HOUR = 3600


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def recent(events: list[CallEvent], base: datetime) -> list[CallEvent]:
    """The kit's events moved from ``T0`` to ``base`` (the stream ids are real times)."""
    return [replace(e, at=base + (e.at - T0)) for e in events]


def traffic(base: datetime) -> list[CallEvent]:
    events: list[CallEvent] = []
    for n in range(8):
        events += answered_call(f"a{n}", n * 200, 10 + n * 15, pathway="dental")
        events += abandoned_call(f"b{n}", n * 200 + 50, 20 + n * 10)
    return recent(events + waiting_call("w", 2500), base)


async def publish(redis: RedisStore, events: list[CallEvent]) -> None:
    for e in events:
        await redis.client.xadd(redis.events_stream, e.to_fields())  # type: ignore[arg-type]


def service(
    database: Database, redis: RedisStore, clock: Clock, store: RollupStore | None = None
) -> MetricsService:
    live = LiveMetrics(providers=["dental"], retention_s=4 * HOUR, rollup_bucket_s=900)
    return MetricsService(live, store or RollupStore(database), redis, clock=clock)


def all_figures(live: LiveMetrics, now: datetime) -> list[object]:
    return [
        (kind, key, live.figures(kind, key, 2 * HOUR, now))
        for kind in ("system", "provider", "pathway")
        for key in live.scopes(kind)
    ]


async def test_a_restarted_service_rebuilds_the_same_figures_and_roll_ups(
    database: Database, redis_store: RedisStore
) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    clock = Clock(base + timedelta(hours=1))
    events = traffic(base)
    await publish(redis_store, events)

    first = service(database, redis_store, clock)
    consumer = EventConsumer(
        redis_store, group="dash", consumer="one", handlers=[first.handle], block_ms=50
    )
    consumer.start()
    try:
        await consumer.drain(10)
    finally:
        await consumer.stop()
    written = await first.flush()
    assert written > 0 and await first.flush() == 0
    before = all_figures(first.live, clock.now)
    history = await first.history("pathway", "dental", base - timedelta(hours=1), clock.now)
    assert sum(p.figures.a01_received for p in history) == 8

    second = service(database, redis_store, clock)
    assert await second.load() == len(events)
    assert all_figures(second.live, clock.now) == before
    assert await second.flush() == written
    again = await second.history("pathway", "dental", base - timedelta(hours=1), clock.now)
    assert again == history


async def test_events_older_than_the_retention_window_are_not_rebuilt(
    database: Database, redis_store: RedisStore
) -> None:
    now = datetime.now(UTC)
    clock = Clock(now)
    await publish(redis_store, recent(answered_call("old", 0, 10), now - timedelta(hours=6)))
    await publish(redis_store, recent(waiting_call("new", 0), now - timedelta(minutes=5)))
    metrics = service(database, redis_store, clock)
    await metrics.load(page=2)  # several pages
    figures = metrics.live.figures("system", "all", 24 * HOUR, now)
    assert (figures.a01_received, figures.waiting_now) == (1, 1)
    assert metrics.live.ignored_old == 4  # arrived, routing, connected, ended (not answered)


class FlakyStore(RollupStore):
    def __init__(self, db: Database, failures: int) -> None:
        super().__init__(db)
        self.failures = failures

    async def upsert(self, rollups: Sequence[Rollup]) -> int:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("database away")
        return await super().upsert(rollups)


async def test_a_failed_write_is_retried_and_its_calls_are_kept_until_written(
    database: Database, redis_store: RedisStore
) -> None:
    base = datetime(2026, 11, 24, 9, tzinfo=UTC)
    clock = Clock(base + timedelta(minutes=30))
    metrics = service(database, redis_store, clock, FlakyStore(database, failures=2))
    await metrics.handle([("0-1", e) for e in traffic(base)])
    calls = len(metrics.live)

    assert await metrics.flush() == 0 and metrics.write_failures == 1
    clock.now = base + timedelta(hours=6)  # every bucket is past retention
    await metrics.maintain()  # the write fails again: nothing may be dropped
    assert metrics.write_failures == 2 and len(metrics.live) == calls
    await metrics.maintain()  # written, then pruned
    assert len(metrics.live) == 0
    points = await metrics.history("system", "all", base, base + timedelta(hours=2))
    assert sum(p.figures.a01_received for p in points) == 17
    assert metrics.stats()["calls"] == 0


async def test_start_and_aclose_rebuild_then_write_what_is_left(
    database: Database, redis_store: RedisStore
) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=50)
    clock = Clock(base + timedelta(minutes=50))
    await publish(redis_store, traffic(base))
    metrics = service(database, redis_store, clock)
    await metrics.start()
    assert metrics.live.figures("system", "all", HOUR, clock.now).a01_received == 17
    await metrics.aclose()
    points = await metrics.history("system", "all", base - timedelta(hours=1), clock.now)
    assert sum(p.figures.a01_received for p in points) == 17
    assert metrics.board(now=clock.now).system.figures.a01_received == 17
