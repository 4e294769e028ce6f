"""``urgentline careplans``: imports report file:line: reason, large imports show progress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from callflow.cli.careplans import careplans

from .conftest import EXAMPLES


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("URGENTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    return tmp_path


def test_import_lands_good_rows_and_reports_bad_ones(env: Path) -> None:
    files = [str(EXAMPLES / n) for n in ("ucp-bundle.json", "eol-register.csv")]
    result = CliRunner().invoke(careplans, ["import", *files], catch_exceptions=False)
    assert result.exit_code == 1
    out, err = result.stdout, result.stderr
    assert "ucp-bundle.json: fhir-r4-bundle (source ucp.example.nhs.uk/Id/care-plan): " in out
    assert "17 row(s), 4 landed (4 created, 0 updated, 0 unchanged), 4 rejected" in out
    assert "9 row(s), 4 landed (4 created, 0 updated, 0 unchanged), 5 rejected, " in out
    assert "1 conflict(s) flagged for review" in out
    assert (
        f"{EXAMPLES / 'eol-register.csv'}:6: error: nhs_number: fails the Modulus 11 check" in err
    )
    assert f"{EXAMPLES / 'ucp-bundle.json'}:196: error: Flag is not valid FHIR R4" in err
    assert "warning: postcode: not a UK postcode (dropped)" in err
    assert "Error: 9 row(s) or file(s) rejected; the rest landed" in err
    assert "Testwell" not in out + err and "9796487713" not in out + err

    again = CliRunner().invoke(careplans, ["import", files[0]], catch_exceptions=False)
    assert "4 landed (0 created, 0 updated, 4 unchanged)" in again.stdout

    conflicts = CliRunner().invoke(careplans, ["conflicts"], catch_exceptions=False)
    assert "end_of_life: shown" in conflicts.stdout
    assert "differ in preferred_place_of_care, crisis_instructions" in conflicts.stdout


def test_a_clean_large_import_exits_zero(env: Path) -> None:
    rows = ["record_id,nhs_number,summary_line_1,last_reviewed"]
    from callflow.plans.bench import synthetic_nhs_numbers

    for i, number in enumerate(synthetic_nhs_numbers(1200)):
        rows.append(f"R{i},{number},Synthetic plan {i},2026-01-01")
    big = env / "big.csv"
    big.write_text("\n".join(rows) + "\n")
    result = CliRunner().invoke(careplans, ["import", str(big)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1200 row(s), 1200 landed (1200 created" in result.stdout
    assert "big.csv" in result.stderr  # the progress bar's label


def test_unreadable_files_are_named(env: Path) -> None:
    bad = env / "notes.txt"
    bad.write_text("dear diary\n")
    result = CliRunner().invoke(careplans, ["import", str(bad)], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"{bad}:1: error: not a FHIR Bundle (JSON)" in result.stderr


def test_bench_command_reports_both_paths(env: Path) -> None:
    result = CliRunner().invoke(
        careplans, ["bench", "--plans", "200", "--samples", "40", "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["plans"] == 200 and report["backend"] == "sqlite"
    assert report["cache_hit_ratio"] == 1.0 and report["skipped"] == 0
    assert 0 < report["cache_p50_ms"] <= report["cache_p99_ms"]
    assert 0 < report["sql_p50_ms"] <= report["sql_p99_ms"]
