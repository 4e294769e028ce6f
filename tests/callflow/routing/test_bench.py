"""The queue benchmark runs on both back ends and leaves no keys behind."""

from __future__ import annotations

from callflow.routing.bench import queue_throughput
from callflow.storage import RedisStore


async def test_queue_throughput_reports_and_cleans_up(redis_store: RedisStore) -> None:
    report = await queue_throughput(redis_store, calls=50)
    assert report["queue_calls"] == 50 and report["queue_ops_per_s"] > 0
    leftovers = [
        k async for k in redis_store.client.scan_iter(match=f"{redis_store.prefix}-bench:*")
    ]
    assert leftovers == []
