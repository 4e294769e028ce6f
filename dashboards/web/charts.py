"""Geometry of the inline SVG charts: sparklines, line charts and bar charts.

Pure functions from numbers to coordinates; the templates draw the shapes and
the stylesheet colours them, so the pages load nothing but their own files and
work under a strict Content-Security-Policy. ``static/sparkline.js`` redraws
sparklines from live updates with the same arithmetic as ``sparkline_points``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SPARK_WIDTH = 120
SPARK_HEIGHT = 32
_SPARK_PAD = 2


def sparkline_points(
    values: Sequence[float], width: float = SPARK_WIDTH, height: float = SPARK_HEIGHT
) -> str:
    """``points`` for an SVG polyline: oldest value left, zero at the bottom.

    The scale starts at zero so a flat busy hour and a flat quiet one look
    different; an all-zero series is a line along the bottom.
    """
    if not values:
        return ""
    top = max(max(values), 1)
    inner = height - 2 * _SPARK_PAD
    step = width / (len(values) - 1) if len(values) > 1 else 0.0
    points = []
    for i, value in enumerate(values):
        x = i * step if len(values) > 1 else width / 2
        y = _SPARK_PAD + inner * (1 - value / top)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis mark: its position in the SVG and its label."""

    pos: float
    text: str


@dataclass(frozen=True, slots=True)
class Frame:
    """The plot area inside a chart's SVG and its axes."""

    width: float
    height: float
    left: float
    top: float
    right: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]


@dataclass(frozen=True, slots=True)
class Line:
    """One series of a line chart; ``slug`` names its CSS class."""

    name: str
    slug: str
    points: str


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True, slots=True)
class LineChart:
    frame: Frame
    lines: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class BarChart:
    frame: Frame
    bars: tuple[Bar, ...]


WIDTH, HEIGHT = 640.0, 240.0
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 48.0, 12.0, 12.0, 28.0
_X_LABELS = 6


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 at least)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 5, 10):
        if factor * power >= value:
            return float(factor * power)
    raise AssertionError("unreachable: 10 * power >= value")


def _frame(x_labels: Sequence[str], top_value: float, unit: str) -> Frame:
    left, top = _MARGIN_LEFT, _MARGIN_TOP
    right, bottom = WIDTH - _MARGIN_RIGHT, HEIGHT - _MARGIN_BOTTOM
    y_ticks = tuple(
        Tick(bottom - (bottom - top) * k / 4, _tick_text(top_value * k / 4, unit)) for k in range(5)
    )
    count = len(x_labels)
    every = max(1, math.ceil(count / _X_LABELS))
    x_ticks = tuple(
        Tick(_x(i, count, left, right), label) for i, label in enumerate(x_labels) if i % every == 0
    )
    return Frame(WIDTH, HEIGHT, left, top, right, bottom, y_ticks, x_ticks)


def _tick_text(value: float, unit: str) -> str:
    text = str(int(value)) if float(value).is_integer() else f"{value:.1f}"
    return text + unit


def _x(i: int, count: int, left: float, right: float) -> float:
    """Centre of slot ``i`` of ``count`` equal slots across the plot."""
    slot = (right - left) / max(count, 1)
    return left + slot * (i + 0.5)


def line_chart(
    x_labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[float]]]
) -> LineChart:
    """Counts per bucket, several series on one zero-based scale.

    Args:
        x_labels: one label per bucket (a clock time).
        series: ``(name, slug, values)``, one value per bucket.
    """
    top_value = nice_ceiling(max((max(v, default=0) for _, _, v in series), default=0))
    frame = _frame(x_labels, top_value, "")
    count = len(x_labels)
    lines = []
    for name, slug, values in series:
        points = " ".join(
            f"{_x(i, count, frame.left, frame.right):.1f},"
            f"{frame.bottom - (frame.bottom - frame.top) * value / top_value:.1f}"
            for i, value in enumerate(values)
        )
        lines.append(Line(name, slug, points))
    return LineChart(frame, tuple(lines))


def bar_chart(x_labels: Sequence[str], rates: Sequence[float | None]) -> BarChart:
    """A 0..1 rate per bucket as percentage bars; buckets without data have no bar."""
    frame = _frame(x_labels, 100.0, "%")
    count = len(x_labels)
    slot = (frame.right - frame.left) / max(count, 1)
    width = slot * 0.7
    bars = []
    for i, (label, rate) in enumerate(zip(x_labels, rates, strict=True)):
        if rate is None:
            continue
        height = (frame.bottom - frame.top) * min(max(rate, 0.0), 1.0)
        bars.append(
            Bar(
                x=_x(i, count, frame.left, frame.right) - width / 2,
                y=frame.bottom - height,
                width=width,
                height=height,
                title=f"{label}: {round(rate * 100)}%",
            )
        )
    return BarChart(frame, tuple(bars))
