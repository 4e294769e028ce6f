"""The current window's figures as Prometheus gauges.

A custom collector rather than Gauge objects: the figures are computed on
scrape from the live facts, so they can never drift from what the board shows,
and nothing has to be kept in step on every event. Labels are scope codes
(``scope_kind``, ``scope``), never anything about a caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric

from dashboards.metrics.live import SCOPE_KINDS, LiveMetrics
from dashboards.views import Figures

GAUGES: tuple[tuple[str, str, Callable[[Figures], float | None]], ...] = (
    ("urgentline_iuc_a01_received", "A01 calls received", lambda f: f.a01_received),
    ("urgentline_iuc_a02_ivr_routed", "A02 calls routed through IVR", lambda f: f.a02_ivr_routed),
    ("urgentline_iuc_a03_answered", "A03 calls answered", lambda f: f.a03_answered),
    (
        "urgentline_iuc_b01_answered_60s",
        "B01 calls answered within 60 seconds",
        lambda f: f.b01_answered_60s,
    ),
    ("urgentline_iuc_b02_abandoned", "B02 calls abandoned in the queue", lambda f: f.b02_abandoned),
    (
        "urgentline_iuc_b03_abandoned_30s",
        "B03 calls abandoned within 30 seconds",
        lambda f: f.b03_abandoned_30s,
    ),
    (
        "urgentline_iuc_b04_abandoned_30_60s",
        "B04 calls abandoned after more than 30 and up to 60 seconds",
        lambda f: f.b04_abandoned_30_60s,
    ),
    (
        "urgentline_iuc_b05_abandoned_over_60s",
        "B05 calls abandoned after more than 60 seconds",
        lambda f: f.b05_abandoned_over_60s,
    ),
    (
        "urgentline_iuc_b06_mean_answer_seconds",
        "B06 mean time to answer",
        lambda f: f.b06_mean_answer_s,
    ),
    (
        "urgentline_iuc_b07_p95_answer_seconds",
        "B07 95th centile time to answer",
        lambda f: f.b07_p95_answer_s,
    ),
    (
        "urgentline_iuc_b09_abandoned_seconds",
        "B09 total time of abandoned calls",
        lambda f: f.b09_abandoned_time_s,
    ),
    ("urgentline_calls_waiting", "Calls in a queue now", lambda f: f.waiting_now),
    (
        "urgentline_longest_wait_seconds",
        "Longest current wait in a queue",
        lambda f: f.longest_wait_s,
    ),
    ("urgentline_callbacks_offered", "Calls offered a call-back", lambda f: f.callbacks_offered),
    ("urgentline_callbacks_made", "Calls called back", lambda f: f.callbacks_made),
    ("urgentline_fallback_calls", "Calls sent to a fallback", lambda f: f.fallbacks),
)
"""(name, help, value). A figure that is undefined (a mean of no calls) is not exported."""
LIVE = frozenset({"urgentline_calls_waiting", "urgentline_longest_wait_seconds"})
"""Gauges of the queue as it is now; the others count the calls received in the window."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MetricsCollector:
    """Exports ``live``'s figures over the last ``window_s`` on every scrape.

    Registers itself on ``registry``.

    Usage::

        MetricsCollector(live, service_metrics.registry, window_s=3600)
    """

    def __init__(
        self,
        live: LiveMetrics,
        registry: CollectorRegistry,
        *,
        window_s: int = 3600,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.live = live
        self.window_s = window_s
        self.clock = clock
        registry.register(self)

    def describe(self) -> Iterable[Metric]:
        """The families without samples: registering must not compute figures."""
        return [self._family(name, text) for name, text, _ in GAUGES]

    def collect(self) -> Iterable[Metric]:
        now = self.clock()
        families = [(self._family(name, text), value) for name, text, value in GAUGES]
        for kind in SCOPE_KINDS:
            for key in self.live.scopes(kind):
                figures = self.live.figures(kind, key, self.window_s, now)
                for family, value in families:
                    number = value(figures)
                    if number is not None:
                        family.add_metric([kind, key], float(number))
        return [family for family, _ in families]

    def _family(self, name: str, text: str) -> GaugeMetricFamily:
        window = "" if name in LIVE else f", calls received in the last {self.window_s} s"
        return GaugeMetricFamily(name, text + window, labels=["scope_kind", "scope"])
