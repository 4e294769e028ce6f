"""Ingest throughput of the live metrics, for ``urgentline bench``."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from callflow.events import Attribute, CallEvent, CallEventType
from dashboards.metrics.live import LiveMetrics

PATHWAYS = ("default111", "dental", "crisis", "pharmacy", "palliative")
BATCH = 500


def synthetic_events(n: int, *, seed: int = 7) -> list[CallEvent]:
    """About ``n`` events of plausible calls (arrive, route, answer or abandon, end)."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 24, 8, tzinfo=UTC)
    events: list[CallEvent] = []
    call = 0
    while len(events) < n:
        call_id = f"bench-{call}"
        arrived = start + timedelta(seconds=call * 0.5)
        routed = arrived + timedelta(seconds=rng.uniform(20, 90))
        pathway = rng.choice(PATHWAYS)
        wait = rng.expovariate(1 / 40)
        events.append(CallEvent(call_id, CallEventType.ARRIVED, arrived))
        routing: dict[str, Attribute] = {"pathway": pathway, "fallback": False}
        events.append(CallEvent(call_id, CallEventType.ROUTING, routed, routing))
        if rng.random() < 0.9:
            outcome = CallEvent(
                call_id,
                CallEventType.CONNECTED,
                routed + timedelta(seconds=wait),
                {"destination": pathway, "pathway": pathway, "wait_s": wait, "fallback": False},
            )
        else:
            outcome = CallEvent(
                call_id,
                CallEventType.ABANDONED,
                routed + timedelta(seconds=wait),
                {"stage": "queue", "wait_s": wait, "pathway": pathway},
            )
        events.append(outcome)
        events.append(CallEvent(call_id, CallEventType.ENDED, outcome.at + timedelta(minutes=8)))
        call += 1
    return events[:n]


def bench_ingest(n: int = 100_000) -> float:
    """Events per second merged into a fresh ``LiveMetrics``, in consumer-sized batches."""
    events = synthetic_events(n)
    live = LiveMetrics(pathways=PATHWAYS)
    started = time.perf_counter()
    for at in range(0, len(events), BATCH):
        live.apply(events[at : at + BATCH])
    elapsed = time.perf_counter() - started
    return n / elapsed if elapsed > 0 else float("inf")
