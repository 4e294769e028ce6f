"""JSON shapes of the metrics views (HTTP responses and the SSE board pushes).

Plain dicts of codes, counts, durations and rates: the derived rates are
included so a browser never recomputes them, and times are ISO 8601 in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from dashboards.metrics.rollups import HistoryPoint
from dashboards.views import Board, Figures, ScopeRow


def figures_json(figures: Figures) -> dict[str, Any]:
    """Every item, plus ``abandon_rate`` and ``answered_60s_rate`` (``None`` without calls)."""
    return {
        **asdict(figures),
        "abandon_rate": figures.abandon_rate,
        "answered_60s_rate": figures.answered_60s_rate,
    }


def row_json(row: ScopeRow) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "key": row.key,
        "label": row.label,
        "rag": row.rag.value,
        "figures": figures_json(row.figures),
        "trend": list(row.trend),
        "answered_trend": list(row.answered_trend),
    }


def board_json(board: Board) -> dict[str, Any]:
    """The board as the ``/api/metrics/board`` response and the SSE ``board`` update."""
    return {
        "at": board.at.isoformat(),
        "window_s": board.window_s,
        "bucket_s": board.bucket_s,
        "system": row_json(board.system),
        "providers": [row_json(r) for r in board.providers],
        "pathways": [row_json(r) for r in board.pathways],
    }


def history_json(
    kind: str, key: str, bucket_s: int, points: Sequence[HistoryPoint]
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "bucket_s": bucket_s,
        "points": [
            {"bucket_start": p.bucket_start.isoformat(), "figures": figures_json(p.figures)}
            for p in points
        ],
    }
