"""The ingest benchmark reports a rate and really merges the events it times."""

from __future__ import annotations

from dashboards.metrics import LiveMetrics, bench_ingest
from dashboards.metrics.bench import synthetic_events


def test_bench_ingest_reports_events_per_second() -> None:
    assert bench_ingest(2000) > 0


def test_the_synthetic_traffic_makes_complete_calls() -> None:
    events = synthetic_events(400)
    assert len(events) == 400
    live = LiveMetrics()
    assert live.apply(events) == 400  # four events per call, each one new
    figures = live.figures("system", "all", 86_400, events[-1].at)
    assert figures.a01_received == 100
    assert figures.a03_answered + figures.b02_abandoned == 100
