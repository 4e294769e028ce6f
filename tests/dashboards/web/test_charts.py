"""Chart geometry: scales start at zero, fit the frame, and skip missing data."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards.web.charts import (
    SPARK_HEIGHT,
    SPARK_WIDTH,
    bar_chart,
    line_chart,
    nice_ceiling,
    sparkline_points,
)


def _points(text: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in text.split())]


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=48))
def test_sparkline_fits_the_box_and_orders_heights(values: list[int]) -> None:
    points = _points(sparkline_points(values))
    assert len(points) == len(values)
    assert all(0 <= x <= SPARK_WIDTH and 0 <= y <= SPARK_HEIGHT for x, y in points)
    xs = [x for x, _ in points]
    assert xs == sorted(xs)
    heights = [y for _, y in points]
    for (a, b), (ya, yb) in zip(pairwise(values), pairwise(heights), strict=True):
        if a == b:
            assert ya == yb
        elif a < b:
            assert ya >= yb  # more calls, higher on the screen (smaller y)
        else:
            assert ya <= yb


def test_sparkline_of_nothing_and_of_zeros() -> None:
    assert sparkline_points([]) == ""
    assert {y for _, y in _points(sparkline_points([0, 0, 0]))} == {SPARK_HEIGHT - 2}


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (48, 50), (101, 200)]
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == ceiling


def test_line_chart_scales_all_series_together() -> None:
    chart = line_chart(["a", "b"], [("Received", "r", [4, 8]), ("Answered", "a", [2, 0])])
    frame = chart.frame
    received, answered = (_points(line.points) for line in chart.lines)
    assert frame.y_ticks[-1].text == "10"  # 8 rounds up to a nice 10
    assert received[1][1] == pytest.approx(frame.bottom - (frame.bottom - frame.top) * 0.8)
    assert answered[1][1] == frame.bottom
    assert [t.text for t in frame.x_ticks] == ["a", "b"]


def test_bar_chart_skips_buckets_without_a_rate() -> None:
    chart = bar_chart(["a", "b", "c"], [1.0, None, 0.5])
    assert [bar.title for bar in chart.bars] == ["a: 100%", "c: 50%"]
    full, half = chart.bars
    assert full.y == chart.frame.top
    assert half.height == pytest.approx(full.height / 2)
    assert chart.frame.y_ticks[-1].text == "100%"
