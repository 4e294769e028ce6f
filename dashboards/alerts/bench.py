"""Micro-benchmark of ``AlertEngine.evaluate``: how many evaluations per second.

The lead's loop calls ``evaluate`` after every event batch and every 0.25 s,
so its cost is paid all day. The bench runs 5 rules (one per kind of figure)
over 10 provider scopes against a source that returns ready-made figures, so
it times the engine alone: look-ups, judging, and the state machine with half
the scopes raised (their values hold still, as most of the time).

``urgentline bench`` calls ``bench_evaluate``; on its own::

    python -m dashboards.alerts.bench
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from dashboards.alerts.engine import AlertEngine
from dashboards.alerts.rules import Rule
from dashboards.views import Figures

PROVIDERS = tuple(f"provider-{n}" for n in range(10))


class _StaticFigures:
    """A ``FigureSource`` of fixed figures: even providers breach, odd ones do not."""

    def __init__(self) -> None:
        busy = Figures(
            a01_received=200,
            a03_answered=180,
            b01_answered_60s=150,
            b02_abandoned=12,
            b06_mean_answer_s=42.0,
            b07_p95_answer_s=160.0,
            longest_wait_s=700.0,
        )
        quiet = Figures(
            a01_received=200,
            a03_answered=198,
            b01_answered_60s=197,
            b02_abandoned=2,
            b06_mean_answer_s=8.0,
            b07_p95_answer_s=40.0,
            longest_wait_s=30.0,
        )
        self._figures = {p: busy if n % 2 == 0 else quiet for n, p in enumerate(PROVIDERS)}

    def figures(self, kind: str, key: str, window_s: int, now: datetime) -> Figures:
        return self._figures[key]

    def scopes(self, kind: str) -> Sequence[str]:
        return PROVIDERS


def _rules() -> list[Rule]:
    common = {"scope": "provider", "window_s": 900, "min_duration_s": 60, "cooldown_s": 300}
    specs = [
        ("mean", "mean_answer_s", ">", 20.0),
        ("p95", "p95_answer_s", ">", 120.0),
        ("abandon", "abandon_rate", ">", 0.03),
        ("answered", "answered_60s_rate", "<", 0.95),
        ("wait", "longest_wait_s", ">", 600.0),
    ]
    return [
        Rule.model_validate(
            {
                "name": name,
                "title": name,
                "metric": metric,
                "comparison": cmp,
                "threshold": threshold,
                **common,
            }
        )
        for name, metric, cmp, threshold in specs
    ]


def bench_evaluate(rounds: int = 20_000) -> float:
    """Evaluations per second of 5 rules x 10 scopes (see the module docstring).

    Args:
        rounds: how many ``evaluate`` calls to time, 0.25 s of simulated time apart.

    Returns:
        ``evaluate`` calls per second.
    """
    engine = AlertEngine(_rules())
    source = _StaticFigures()
    start = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    step = timedelta(seconds=0.25)
    for n in range(400):  # past min_duration_s: the busy half is raised
        engine.evaluate(start + n * step, source)
    now = start + 400 * step
    began = time.perf_counter()
    for _ in range(rounds):
        now += step
        engine.evaluate(now, source)
    return rounds / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    ops = bench_evaluate(parser.parse_args().rounds)
    print(f"evaluate (5 rules x 10 scopes): {ops:,.0f} ops/s, {1e6 / ops:.1f} µs each")


if __name__ == "__main__":
    main()
