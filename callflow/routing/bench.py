"""Queue throughput for ``urgentline bench``: enqueue + claim + release cycles per second."""

from __future__ import annotations

import time
from typing import Any

from callflow.routing.queues import QueueStore
from callflow.storage import RedisStore


async def queue_throughput(redis: RedisStore, calls: int = 2000) -> dict[str, Any]:
    """Push ``calls`` calls through one pathway; 3 queue operations per call.

    Uses its own key prefix on the given Redis and deletes it after.
    """
    bench = redis.under("bench")
    queues = QueueStore(bench)
    started = time.perf_counter()
    for i in range(calls):
        await queues.enqueue(f"bench-{i}", "bench", float(i), owner="bench")
    for _ in range(calls):
        claim = await queues.claim("bench-provider", ["bench"], default_capacity=calls)
        assert claim is not None
        await queues.release("bench-provider", claim.call_id)
    elapsed = time.perf_counter() - started
    await bench.delete_prefix()
    return {
        "queue_calls": calls,
        "queue_ops_per_s": round(3 * calls / elapsed, 1),
        "queue_backend": "redis" if redis.url else "fakeredis",
    }
