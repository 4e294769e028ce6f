"""EventConsumer on both back ends: at least once, restart-safe, never wedged."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from callflow.events import CallEvent
from callflow.storage import RedisStore
from dashboards.metrics import LiveMetrics
from dashboards.stream import Batch, EventConsumer
from tests.dashboards.metrics.kit import abandoned_call, answered_call, at, waiting_call

DEADLINE = 10.0


def traffic() -> list[CallEvent]:
    events: list[CallEvent] = []
    for n in range(6):
        events += answered_call(f"a{n}", n * 10, 5 + n * 20, pathway="dental")
        events += abandoned_call(f"b{n}", n * 10 + 5, 10 + n * 15)
    return events + waiting_call("w", 200)


async def publish(redis: RedisStore, events: list[CallEvent]) -> list[str]:
    return [
        str(await redis.client.xadd(redis.events_stream, e.to_fields()))  # type: ignore[arg-type]
        for e in events
    ]


def consumer(
    redis: RedisStore, *handlers: Callable[[Batch], Awaitable[None]], **kw: Any
) -> EventConsumer:
    kw.setdefault("block_ms", 50)
    kw.setdefault("backoff_s", 0.01)
    return EventConsumer(redis, group="dash", consumer="one", handlers=handlers, **kw)


async def pending(redis: RedisStore) -> int:
    info: Any = await redis.client.xpending(redis.events_stream, "dash")
    return int(info["pending"])


def figures_of(live: LiveMetrics) -> list[object]:
    return [
        live.figures(kind, key, 3600, at(400))
        for kind in ("system", "provider", "pathway")
        for key in live.scopes(kind)
    ]


async def test_history_is_read_on_first_start_and_everything_is_acked(
    redis_store: RedisStore,
) -> None:
    events = traffic()
    await publish(redis_store, events)
    got: list[CallEvent] = []

    async def collect(batch: Batch) -> None:
        got.extend(e for _, e in batch)

    reader = consumer(redis_store, collect, batch=7)
    reader.start()
    try:
        await reader.drain(DEADLINE)
        assert got == events
        more = waiting_call("late", 300)
        await publish(redis_store, more)
        await reader.drain(DEADLINE)
        assert got == events + more
        assert await pending(redis_store) == 0
        assert reader.handled == len(events) + len(more)
    finally:
        await reader.stop()


async def test_a_restart_redelivers_what_was_pending_and_figures_stay_exact(
    redis_store: RedisStore,
) -> None:
    events = traffic()
    ids = await publish(redis_store, events)
    live = LiveMetrics()
    second_batch = asyncio.Event()
    batches: list[list[str]] = []

    async def apply_then_hang(batch: Batch) -> None:
        batches.append([i for i, _ in batch])
        live.apply(e for _, e in batch)
        if len(batches) == 2:
            second_batch.set()
            await asyncio.Event().wait()  # the service dies here, before the ack

    first = consumer(redis_store, apply_then_hang, batch=5)
    first.start()
    await asyncio.wait_for(second_batch.wait(), DEADLINE)
    await first.stop()
    assert await pending(redis_store) == 5

    redelivered: list[list[str]] = []

    async def apply(batch: Batch) -> None:
        redelivered.append([i for i, _ in batch])
        live.apply(e for _, e in batch)

    again = consumer(redis_store, apply, batch=5)
    again.start()
    try:
        await again.drain(DEADLINE)
    finally:
        await again.stop()
    assert redelivered[0] == batches[1]  # the pending batch first
    assert [i for b in redelivered for i in b] == ids[5:]
    assert await pending(redis_store) == 0
    exact = LiveMetrics()
    exact.apply(events)
    assert figures_of(live) == figures_of(exact)


async def test_a_malformed_entry_is_logged_without_payload_acked_and_skipped(
    redis_store: RedisStore, caplog: pytest.LogCaptureFixture
) -> None:
    stream = redis_store.events_stream
    await redis_store.client.xadd(stream, {"note": "secret-payload-1"})
    await redis_store.client.xadd(
        stream,
        {"call_id": "c", "type": "no.such.type", "at": "2026-11-24T09:00:00+00:00", "x": "1"},
    )
    await redis_store.client.xadd(
        stream,
        {"call_id": "c", "type": "call.arrived", "at": "2026-11-24T09:00:00+00:00",
         "attributes": "{not json secret-payload-2"},
    )  # fmt: skip
    await redis_store.client.xadd(
        stream,
        {"call_id": "c", "type": "call.arrived", "at": "2026-11-24T09:00:00",
         "attributes": "{}"},
    )  # fmt: skip
    good = waiting_call("fine", 0)
    await publish(redis_store, good)
    got: list[CallEvent] = []

    async def collect(batch: Batch) -> None:
        got.extend(e for _, e in batch)

    reader = consumer(redis_store, collect)
    reader.start()
    with caplog.at_level(logging.DEBUG):
        try:
            await reader.drain(DEADLINE)
        finally:
            await reader.stop()
    assert got == good
    assert reader.malformed == 4
    assert await pending(redis_store) == 0
    assert "secret-payload" not in caplog.text
    assert caplog.text.count("skipped: not a call event") == 4


async def test_a_failing_handler_is_retried_and_nothing_is_acked_until_it_succeeds(
    redis_store: RedisStore,
) -> None:
    events = traffic()
    await publish(redis_store, events)
    failures_seen = asyncio.Event()
    healthy_calls: list[int] = []
    flaky_calls: list[int] = []
    broken = True

    async def flaky(batch: Batch) -> None:
        flaky_calls.append(len(batch))
        if broken:
            if len(flaky_calls) >= 3:
                failures_seen.set()
            raise RuntimeError("handler bug")

    async def healthy(batch: Batch) -> None:
        healthy_calls.append(len(batch))

    reader = consumer(redis_store, healthy, flaky, batch=len(events), max_backoff_s=0.05)
    reader.start()
    try:
        await asyncio.wait_for(failures_seen.wait(), DEADLINE)
        assert await pending(redis_store) == len(events)
        assert reader.running
        broken = False
        await reader.drain(DEADLINE)
    finally:
        await reader.stop()
    assert healthy_calls == [len(events)]  # succeeded once, not re-run for the flaky one
    assert len(flaky_calls) >= 4 and reader.handler_errors == len(flaky_calls) - 1
    assert await pending(redis_store) == 0


async def test_redis_errors_back_off_and_the_reader_recovers(
    redis_store: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_read = redis_store.client.xreadgroup
    calls = 0

    async def unreliable(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise RedisConnectionError("connection reset")
        return await real_read(*args, **kwargs)

    monkeypatch.setattr(redis_store.client, "xreadgroup", unreliable)
    events = waiting_call("x", 0)
    await publish(redis_store, events)
    got: list[CallEvent] = []

    async def collect(batch: Batch) -> None:
        got.extend(e for _, e in batch)

    reader = consumer(redis_store, collect)
    reader.start()
    try:
        await reader.drain(DEADLINE)
    finally:
        await reader.stop()
    assert got == events and reader.redis_errors == 2


async def test_a_deleted_stream_is_recreated_with_its_group(redis_store: RedisStore) -> None:
    got: list[CallEvent] = []

    async def collect(batch: Batch) -> None:
        got.extend(e for _, e in batch)

    reader = consumer(redis_store, collect)
    reader.start()
    try:
        first = waiting_call("x", 0)
        await publish(redis_store, first)
        await reader.drain(DEADLINE)
        await redis_store.client.delete(redis_store.events_stream)
        await asyncio.sleep(0.1)  # let a read hit the missing group
        second = waiting_call("y", 10)
        await publish(redis_store, second)
        await reader.drain(DEADLINE)
    finally:
        await reader.stop()
    assert got == first + second


async def test_drain_gives_up_at_its_deadline_and_stop_is_idempotent(
    redis_store: RedisStore,
) -> None:
    async def ignore(batch: Batch) -> None:
        return None

    reader = consumer(redis_store, ignore)
    await reader.drain(0.5)  # empty stream: nothing to wait for
    await publish(redis_store, waiting_call("x", 0))
    with pytest.raises(TimeoutError):
        await reader.drain(0.2)  # not started: never done
    reader.start()
    with pytest.raises(RuntimeError):
        reader.start()
    await reader.drain(DEADLINE)
    await reader.stop()
    await reader.stop()
    assert not reader.running


async def test_an_unexpected_error_on_a_batch_does_not_stop_the_reader(
    redis_store: RedisStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_ack = redis_store.client.xack
    calls = 0

    async def odd_ack(*args: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ValueError("a reply the client could not parse")
        return await real_ack(*args)

    monkeypatch.setattr(redis_store.client, "xack", odd_ack)
    events = waiting_call("x", 0)
    await publish(redis_store, events)
    got: list[CallEvent] = []

    async def collect(batch: Batch) -> None:
        got.extend(e for _, e in batch)

    reader = consumer(redis_store, collect)
    reader.start()
    try:
        await reader.drain(DEADLINE)
    finally:
        await reader.stop()
    assert got == events + events  # handled again after the failed ack: at least once
    assert await pending(redis_store) == 0


async def test_the_oldest_entry_time_is_read_from_its_id(redis_store: RedisStore) -> None:
    reader = consumer(redis_store)
    assert await reader.oldest_entry_at() is None
    first, *_ = await publish(redis_store, traffic())
    oldest = await reader.oldest_entry_at()
    assert oldest is not None
    assert int(oldest.timestamp() * 1000) == int(first.split("-")[0])
