"""Prometheus metrics of one service instance (served at ``/metrics``).

Each instance gets its own registry, so several services (tests, the demo) can
live in one process without colliding; labels carry codes, never patient data.
"""

from __future__ import annotations

from collections import deque

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.calls = Counter(
            "urgentline_calls", "Calls ended, by outcome", ["outcome"], registry=self.registry
        )
        self.fallbacks = Counter(
            "urgentline_fallbacks",
            "Calls sent to the fallback destination, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.decision_seconds = Histogram(
            "urgentline_decision_seconds",
            "StasisStart to the routing decision being carried out",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            registry=self.registry,
        )
        self.decision_samples: deque[float] = deque(maxlen=100_000)
        """Raw decision times in seconds, for centiles the histogram cannot give exactly."""
        self.active_calls = Gauge(
            "urgentline_active_calls", "Calls in progress", registry=self.registry
        )
        self.ari_connected = Gauge(
            "urgentline_ari_connected", "1 while the ARI event socket is up", registry=self.registry
        )
        self.ari_reconnects = Gauge(
            "urgentline_ari_reconnects",
            "ARI event socket reconnects since start",
            registry=self.registry,
        )
        self.session_errors = Counter(
            "urgentline_session_errors",
            "Unexpected errors caught at the session boundary",
            registry=self.registry,
        )
        self.records_failed = Counter(
            "urgentline_call_records_failed",
            "CallRecords that could not be written after retries",
            registry=self.registry,
        )

    def observe_decision(self, seconds: float) -> None:
        self.decision_seconds.observe(seconds)
        self.decision_samples.append(seconds)

    def fallback_counts(self) -> dict[str, int]:
        """Fallbacks so far by reason (for the benchmark and the demo summary)."""
        return {
            sample.labels["reason"]: int(sample.value)
            for metric in self.fallbacks.collect()
            for sample in metric.samples
            if sample.name.endswith("_total")
        }
