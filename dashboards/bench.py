"""Benchmarks of the supervisors' view, for ``urgentline bench``.

The headline figure is **alert latency**: how long after a threshold is crossed
the alert is raised, through the whole path a real alert takes (CallEvent on
the Redis Stream -> consumer group -> live metrics -> rule evaluation -> SQL ->
the dashboard hub). The forced condition is a caller waiting longer than the
rule allows, which no further event announces: only the periodic tick can
notice it, so this measures the worst case.
"""

from __future__ import annotations

import asyncio
import statistics
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from callflow.events import CallEvent, CallEventType
from callflow.storage import Database, RedisStore
from dashboards.alerts import parse_rules
from dashboards.alerts.bench import bench_evaluate
from dashboards.metrics import bench_ingest
from dashboards.runtime import Dashboards, DashboardSettings

THRESHOLD_S = 1.0
RULE = f"""\
- name: bench-long-wait
  title: A caller has waited too long (benchmark)
  metric: longest_wait_s
  scope: system
  comparison: ">"
  threshold: {THRESHOLD_S}
  window_s: 900
  min_duration_s: 0
  cooldown_s: 0
  min_calls: 0
  severity: critical
  recipients: [dashboard]
"""


async def _publish(redis: RedisStore, event: CallEvent) -> None:
    await redis.client.xadd(redis.events_stream, event.to_fields())  # type: ignore[arg-type]


async def _no_flag(name: str, ttl_s: float) -> None:
    return None


async def alert_latency(db: Database, redis: RedisStore, *, runs: int = 5) -> dict[str, Any]:
    """Seconds from a wait crossing its threshold to the alert being raised, ``runs`` times."""
    latencies: list[float] = []
    async with Dashboards(
        db,
        redis,
        DashboardSettings(instance="bench", providers=("p",), pathways=("q",)),
        raise_flag=_no_flag,
        rules=parse_rules(RULE, "bench-rules.yaml"),
    ) as dash:
        for _ in range(runs):
            call = uuid.uuid4().hex
            now = datetime.now(UTC)
            await _publish(redis, CallEvent(call, CallEventType.ARRIVED, now))
            await _publish(redis, CallEvent(call, CallEventType.ROUTING, now, {"pathway": "q"}))
            crossed = now + timedelta(seconds=THRESHOLD_S)
            raised = None
            for _poll in range(int((THRESHOLD_S + 5) / 0.01)):
                active = await dash.alerts()
                if active:
                    raised = active[0]
                    break
                await asyncio.sleep(0.01)
            if raised is None:
                raise RuntimeError("the long-wait alert was never raised")
            latencies.append((raised.raised_at - crossed).total_seconds())
            answered = datetime.now(UTC)
            await _publish(
                redis,
                CallEvent(
                    call,
                    CallEventType.CONNECTED,
                    answered,
                    {"destination": "p", "pathway": "q", "wait_s": THRESHOLD_S},
                ),
            )
            for _poll in range(500):
                if not await dash.alerts():
                    break
                await asyncio.sleep(0.01)
    return {
        "threshold_s": THRESHOLD_S,
        "runs": runs,
        "p50_latency_s": round(statistics.median(latencies), 3),
        "max_latency_s": round(max(latencies), 3),
        "tick_s": DashboardSettings(instance="bench").alert_tick_s,
    }


async def run_dashboards_bench(db: Database, redis: RedisStore) -> dict[str, Any]:
    """Alert latency, event ingest rate of the live metrics, rule evaluations per second."""
    latency = await alert_latency(db, redis)
    ingest = await asyncio.to_thread(bench_ingest, 50_000)
    evaluate = await asyncio.to_thread(bench_evaluate)
    return {
        "alert_latency": latency,
        "metrics_ingest_events_per_s": round(ingest),
        "alert_evaluations_per_s": round(evaluate),
    }
