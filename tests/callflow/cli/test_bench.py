"""``urgentline bench`` runs end to end and reports what it promises (no timing asserted)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from callflow.cli import cli

pytestmark = pytest.mark.e2e

KEYS = {
    "calls_per_s",
    "p50_decision_ms",
    "p99_decision_ms",
    "cpu_ms_per_call",
    "floor_cpu_ms_per_call",
    "ratio_to_floor",
}


def test_bench_reports_its_figures_from_the_records() -> None:
    result = CliRunner().invoke(
        cli,
        ["bench", "--calls", "20", "--concurrency", "5", "--json", "--calls-only"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) >= KEYS
    assert report["records"]["calls"] == 20 and report["records"]["errors"] == 0
    assert report["p50_decision_ms"] <= report["p99_decision_ms"]
    assert report["cpu_ms_per_call"] > 0 and report["floor_cpu_ms_per_call"] > 0
