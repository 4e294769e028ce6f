"""The Prometheus collector exports the window's figures per scope, labelled by codes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from dashboards.metrics import LiveMetrics, MetricsCollector
from tests.dashboards.metrics.kit import abandoned_call, answered_call, at, waiting_call


def scrape(live: LiveMetrics, registry: CollectorRegistry) -> dict[tuple[str, str, str], float]:
    values = {}
    for family in registry.collect():
        for sample in family.samples:
            values[(sample.name, sample.labels["scope_kind"], sample.labels["scope"])] = (
                sample.value
            )
    return values


def test_figures_are_exported_per_scope_on_each_scrape() -> None:
    live = LiveMetrics(providers=["crisis"])
    registry = CollectorRegistry()
    MetricsCollector(live, registry, window_s=3600, clock=lambda: at(1000))
    assert scrape(live, registry)[("urgentline_iuc_a01_received", "provider", "crisis")] == 0

    live.apply(
        [
            *answered_call("a", 0, 40, pathway="dental"),
            *abandoned_call("b", 10, 70, pathway="dental"),
            *waiting_call("c", 900, pathway="dental"),
        ]
    )
    values = scrape(live, registry)
    assert values[("urgentline_iuc_a01_received", "system", "all")] == 3
    assert values[("urgentline_iuc_b05_abandoned_over_60s", "pathway", "dental")] == 1
    assert values[("urgentline_iuc_b06_mean_answer_seconds", "provider", "dental")] == 40
    assert values[("urgentline_calls_waiting", "pathway", "dental")] == 1
    assert values[("urgentline_longest_wait_seconds", "system", "all")] == 80
    # a mean of no answered calls is undefined: not exported as 0
    assert ("urgentline_iuc_b06_mean_answer_seconds", "provider", "crisis") not in values


def test_the_exposition_names_items_and_carries_only_codes() -> None:
    live = LiveMetrics()
    live.apply(answered_call("call-secret-1", 0, 40, pathway="dental"))
    registry = CollectorRegistry()
    MetricsCollector(live, registry, clock=lambda: at(1000))
    text = generate_latest(registry).decode()
    assert 'urgentline_iuc_a03_answered{scope="dental",scope_kind="pathway"} 1.0' in text
    assert "# TYPE urgentline_iuc_b07_p95_answer_seconds gauge" in text
    assert "call-secret" not in text
