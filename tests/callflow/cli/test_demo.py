"""``urgentline demo`` on the embedded defaults: every call ends routed or fallback-routed."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from callflow.cli import cli

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_places_calls_and_prints_a_summary_from_the_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("URGENTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.db'}")
    result = CliRunner().invoke(
        cli, ["demo", "--calls", "8", "--rate", "8", "--port", str(_free_port())],
        catch_exceptions=False,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["calls"] == 8
    assert summary["errors"] == 0
    placed = sum(summary["routed"].values()) + summary["fallback"] + summary["abandoned"]
    assert placed == 8
    # Every call that reached a provider left a handoff its webhook accepted.
    assert summary["handoffs_delivered"] == sum(summary["routed"].values()) + summary["fallback"]
    assert "log in at" in result.stderr and "/dashboard" in result.stderr
    # The supervisors' live figures agree with the CallRecords of the run.
    assert summary["dashboard"]["received"] == 8
    assert summary["dashboard"]["matches_records"] is True


def test_demo_rejects_a_bad_rate() -> None:
    result = CliRunner().invoke(cli, ["demo", "--rate", "0"])
    assert result.exit_code == 2
    assert "--rate" in result.output
