"""How figures read on the pages: durations, rates, clock times, RAG labels.

The browser script (``static/format.js``) formats live updates the same way;
keep the two in step when a rule changes here.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from dashboards.views import ALL_AREAS, Rag

MISSING = "\u2013"  # en dash
"""Shown for a figure with no data (a rate over zero calls, no answered call yet)."""

RAG_LABELS = {
    Rag.RED: "Red",
    Rag.AMBER: "Amber",
    Rag.GREEN: "Green",
    Rag.NONE: "No data",
}
"""Status in words: the colour is never the only signal (WCAG 1.4.1)."""


def duration(seconds: float | None) -> str:
    """Seconds as ``m:ss`` (``2:05``), or ``h:mm:ss`` from an hour up."""
    if seconds is None:
        return MISSING
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def percent(rate: float | None) -> str:
    """A 0..1 rate to one decimal, as the IUC ADC reports it (``0.946`` -> ``94.6%``).

    Whole percentages would show 94.6 % as "95%" beside a 95 % standard it
    fails, and 3.4 % as "3%" beside a 3 % threshold it breaches.
    """
    if rate is None:
        return MISSING
    return f"{rate * 100:.1f}".removesuffix(".0") + "%"


def metric_value(metric: str, value: float | None) -> str:
    """An alert's value or threshold, read by the metric's name.

    ``*_rate`` metrics are 0..1 rates, ``*_s`` ones are seconds; anything else
    is a count or a score, shown with at most one decimal.
    """
    if value is None:
        return MISSING
    if metric.endswith("_rate"):
        return percent(value)
    if metric.endswith("_s"):
        return duration(value)
    return number(value)


def number(value: float | None) -> str:
    """A count or score: whole numbers bare, others to one decimal."""
    if value is None:
        return MISSING
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.1f}"


def clock(moment: datetime | None, zone: tzinfo, *, seconds: bool = False) -> str:
    """Wall-clock time in the display zone, ``HH:MM`` (or ``HH:MM:SS``)."""
    if moment is None:
        return MISSING
    return moment.astimezone(zone).strftime("%H:%M:%S" if seconds else "%H:%M")


def rag_label(rag: Rag) -> str:
    """The status in words, shown beside its colour."""
    return RAG_LABELS[rag]


def area(code: str) -> str:
    """An area as people say it: the all-areas cell by name, districts as they are."""
    return "All areas" if code == ALL_AREAS else code
