"""Live call metrics from the CallEvent stream: IUC ADC items, board, roll-ups, open data.

Wire it with ``MetricsService`` (``service.py`` shows the order), feed it from a
``dashboards.stream.EventConsumer``, mount ``setup_metrics`` and register a
``MetricsCollector``. ``LiveMetrics`` is the alerts' ``FigureSource``.
"""

from dashboards.metrics.bench import bench_ingest
from dashboards.metrics.http import InvalidMetricsQuery, setup_metrics
from dashboards.metrics.live import (
    PATHWAY,
    PROVIDER,
    SCOPE_KINDS,
    SYSTEM,
    SYSTEM_KEY,
    LiveMetrics,
    UnknownScopeKind,
)
from dashboards.metrics.models import MetricRollup
from dashboards.metrics.opendata import demand
from dashboards.metrics.prometheus import MetricsCollector
from dashboards.metrics.rollups import HistoryPoint, Rollup, RollupStore
from dashboards.metrics.serialise import board_json, figures_json, history_json, row_json
from dashboards.metrics.service import MetricsService, no_rag

__all__ = [
    "PATHWAY",
    "PROVIDER",
    "SCOPE_KINDS",
    "SYSTEM",
    "SYSTEM_KEY",
    "HistoryPoint",
    "InvalidMetricsQuery",
    "LiveMetrics",
    "MetricRollup",
    "MetricsCollector",
    "MetricsService",
    "Rollup",
    "RollupStore",
    "UnknownScopeKind",
    "bench_ingest",
    "board_json",
    "demand",
    "figures_json",
    "history_json",
    "no_rag",
    "row_json",
    "setup_metrics",
]
