"""Open data: hourly demand and answering per pathway, with small numbers withheld.

Aggregates only (no call ids, no times of single calls, no numbers): per hour
for the 24 hours up to now, the system and every pathway, calls received,
answered, abandoned, answered within 60 s and the mean answer time. As in NHS
England's published statistics (where "-" stands for a suppressed value), a
count from 1 to 4 is withheld: ``{"value": null, "suppressed": true}``; so is
the mean answer time of an hour with 1 to 4 answered calls, since it would
show single callers' waits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dashboards.metrics.live import PATHWAY, SYSTEM, SYSTEM_KEY, LiveMetrics, as_datetime, floor_to
from dashboards.views import Figures

HOUR_S = 3600
HOURS = 24
SMALLEST_SHOWN = 5
"""Counts below this (and above zero) are withheld."""


def withheld(count: int) -> bool:
    return 0 < count < SMALLEST_SHOWN


def _count(count: int) -> dict[str, Any]:
    if withheld(count):
        return {"value": None, "suppressed": True}
    return {"value": count, "suppressed": False}


def _mean_answer(figures: Figures) -> dict[str, Any]:
    if withheld(figures.a03_answered):
        return {"value": None, "suppressed": True}
    mean = figures.b06_mean_answer_s
    return {"value": None if mean is None else round(mean, 1), "suppressed": False}


def demand(live: LiveMetrics, now: datetime) -> dict[str, Any]:
    """The open-data document at ``now``: 24 hourly buckets, the last one still filling."""
    start = as_datetime(floor_to(now.timestamp(), HOUR_S)) - timedelta(hours=HOURS - 1)
    scopes = [(SYSTEM, SYSTEM_KEY), *((PATHWAY, key) for key in live.scopes(PATHWAY))]
    return {
        "generated_at": now.isoformat(),
        "period_start": start.isoformat(),
        "bucket_s": HOUR_S,
        "suppression": (
            f"counts from 1 to {SMALLEST_SHOWN - 1} are withheld (value null, suppressed true)"
        ),
        "scopes": [
            {
                "kind": kind,
                "key": key,
                "hours": [
                    _hour(start + timedelta(hours=k), figures, now)
                    for k, figures in enumerate(live.series(kind, key, start, HOUR_S, HOURS))
                ],
            }
            for kind, key in scopes
        ],
    }


def _hour(start: datetime, figures: Figures, now: datetime) -> dict[str, Any]:
    end = start + timedelta(seconds=HOUR_S)
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "complete": end <= now,
        "calls_received": _count(figures.a01_received),
        "calls_answered": _count(figures.a03_answered),
        "calls_abandoned": _count(figures.b02_abandoned),
        "answered_within_60s": _count(figures.b01_answered_60s),
        "mean_answer_s": _mean_answer(figures),
    }
