"""The shared queue: order by virtual waiting, capacity, one delivery per call."""

from __future__ import annotations

import asyncio

from callflow.routing.queues import QueueStore
from callflow.storage import RedisStore


async def test_lowest_score_first_across_pathways(redis_store: RedisStore) -> None:
    queues = QueueStore(redis_store)
    await queues.enqueue("standard", "dental", 1000.0, owner="a")
    await queues.enqueue("repeat", "dental", 1100.0 - 600, owner="a")
    await queues.enqueue("other", "general", 990.0, owner="b")
    assert await queues.position("repeat", "dental") == 1
    first = await queues.claim("p", ["dental"], default_capacity=5)
    assert first is not None and (first.call_id, first.owner) == ("repeat", "a")
    both = await queues.claim("p", ["dental", "general"], default_capacity=5)
    assert both is not None and both.call_id == "other"


async def test_rescore_takes_effect_at_once(redis_store: RedisStore) -> None:
    queues = QueueStore(redis_store)
    await queues.enqueue("a", "dental", 100.0, owner="x")
    await queues.enqueue("b", "dental", 200.0, owner="x")
    assert await queues.rescore("b", "dental", 50.0)
    claim = await queues.claim("p", ["dental"], default_capacity=1)
    assert claim is not None and claim.call_id == "b"


async def test_capacity_limits_claims_until_released(redis_store: RedisStore) -> None:
    queues = QueueStore(redis_store)
    for i in range(3):
        await queues.enqueue(f"c{i}", "dental", float(i), owner="x")
    assert await queues.claim("p", ["dental"], default_capacity=1) is not None
    assert await queues.claim("p", ["dental"], default_capacity=1) is None
    await queues.set_capacity("p", 2)
    second = await queues.claim("p", ["dental"], default_capacity=1)
    assert second is not None and second.call_id == "c1"
    await queues.release("p", "c0")
    third = await queues.claim("p", ["dental"], default_capacity=1)
    assert third is not None and third.call_id == "c2"
    assert (await queues.stats("dental")).waiting == 0


async def test_two_instances_never_claim_the_same_call(redis_store: RedisStore) -> None:
    """Racing claimers over one Redis: every call is delivered exactly once."""
    calls = [f"call{i}" for i in range(40)]
    first = QueueStore(redis_store)
    second = QueueStore(redis_store)
    for i, call in enumerate(calls):
        await first.enqueue(call, "default", float(i), owner="a")

    async def drain(store: QueueStore, provider: str) -> list[str]:
        got = []
        while claim := await store.claim(provider, ["default"], default_capacity=100):
            got.append(claim.call_id)
            await asyncio.sleep(0)
        return got

    results = await asyncio.gather(
        drain(first, "p1"), drain(second, "p2"), drain(first, "p3"), drain(second, "p4")
    )
    delivered = [call for got in results for call in got]
    assert sorted(delivered) == sorted(calls)
    assert len(set(delivered)) == len(delivered)


async def test_cancel_removes_a_waiting_call(redis_store: RedisStore) -> None:
    queues = QueueStore(redis_store)
    await queues.enqueue("gone", "dental", 1.0, owner="x")
    assert await queues.cancel("gone", "dental")
    assert not await queues.cancel("gone", "dental")
    assert await queues.claim("p", ["dental"], default_capacity=1) is None
