"""``urgentline scripts …`` against a SQLite file named by URGENTLINE_DATABASE_URL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow.cli.scripts import scripts
from callflow.storage import Database
from callflow.storage.models import CallRecord
from ivr_scripts.loader import SCRIPTS_DIR, load_script

LONDON = SCRIPTS_DIR / "london.yaml"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("URGENTLINE_DATABASE_URL", url)
    return url


def run(*args: str) -> Result:
    return CliRunner(catch_exceptions=False).invoke(scripts, list(args))


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_validate_prints_positions_and_exits_1_on_errors(tmp_path: Path) -> None:
    good = run("validate", str(LONDON), str(SCRIPTS_DIR / "minimal.yaml"))
    assert good.exit_code == 0, good.output
    nodes = len(load_script(LONDON).nodes)
    assert f"{LONDON}: ok (london, {nodes} nodes)" in good.output
    broken = write(
        tmp_path,
        "b.yaml",
        LONDON.read_text().replace("destination: dental,", "destination: dentist,"),
    )
    bad = run("validate", broken)
    assert bad.exit_code == 1
    line = next(
        n
        for n, text in enumerate(LONDON.read_text().splitlines(), 1)
        if "destination: dental," in text
    )
    assert bad.output.startswith(
        f"{broken}:{line}:26: error: unknown destination 'dentist' (known: "
    )
    live = write(
        tmp_path, "d.yaml", "destinations:\n  dental: {}\n  crisis: {}\n  default111: {}\n"
    )
    narrow = run("validate", str(LONDON), "--destinations", live)
    assert narrow.exit_code == 1 and "unknown destination 'pharmacy'" in narrow.output
    warned = write(tmp_path, "w.yaml", LONDON.read_text().replace("timeout_s: 5", "timeout_s: 1"))
    assert run("validate", warned).exit_code == 0
    strict = run("validate", "--strict", warned)
    assert (
        strict.exit_code == 1 and ": warning: menu 'main' waits only 1 s for a key" in strict.output
    )


def test_simulate_prints_the_path_node_by_node() -> None:
    result = run(
        "simulate", str(LONDON), "--cli", "07700900123", "--keys", "3", "--at", "2026-12-25T03:00"
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("london version ") and lines[0].endswith(
        "at 2026-12-25 03:00 GMT (Fri, bank holiday)"
    )
    assert "  main             menu      main-menu  <- key 3" in lines
    assert lines[-1] == "final: route to default111 (pathway general-111)"
    as_json = run("simulate", str(LONDON), "--keys", "1", "--care-plan", "end_of_life", "--json")
    body = json.loads(as_json.output)
    assert body["final"]["destination"] == "palliative" and body["final"]["priority_s"] == 1200
    assert body["sent"] == ["webhook palliative-team"]


def test_simulate_refuses_a_script_that_does_not_load(tmp_path: Path) -> None:
    broken = write(tmp_path, "b.yaml", "name: x\n")
    result = run("simulate", broken)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == f"Error: {broken} does not load; nothing to run"


def test_save_publish_history_diff_rollback(db_url: str, tmp_path: Path) -> None:
    saved = run("save", str(LONDON), "-m", "first", "--author", "sam")
    assert saved.output.endswith("saved london version 1 (passes the checker)\n")
    published = run("publish", "london", "--version", "1", "-m", "go live", "--author", "sam")
    assert published.exit_code == 0
    assert "published london version 1\n" in published.output
    draft = write(
        tmp_path,
        "draft.yaml",
        LONDON.read_text().replace('"1": dental, "2": crisis', '"1": crisis, "2": dental'),
    )
    assert "saved london version 2" in run("save", draft, "--author", "kim").output
    broken = write(
        tmp_path, "broken.yaml", LONDON.read_text().replace("start: safety", "start: main")
    )
    drafted = run("save", broken, "-m", "wip", "--author", "kim")
    assert "saved london version 3 (draft: fails the checker with 1 error)" in drafted.output
    refused = run("publish", "london", "--version", "3", "--author", "kim")
    assert refused.exit_code == 1
    assert "london@v3:" in refused.output and "without the 999 safety message" in refused.output
    assert refused.output.splitlines()[-1] == (
        "Error: version 3 of 'london' fails the checker (1 error); it stays a draft and is not "
        "published"
    )
    assert run("publish", "london", "--version", "2", "--author", "kim").exit_code == 0

    history = run("history", "london")
    lines = history.output.splitlines()
    assert lines[1].startswith("         3  ") and "1 errors" in lines[1]
    assert lines[2].startswith("*        2  ")
    assert "  kim           publish-refused  version 3" in history.output
    body = json.loads(run("history", "london", "--json").output)
    assert body["published"] == 2 and [v["version"] for v in body["versions"]] == [1, 2, 3]

    diff = run("diff", "london", "1", "published")
    assert diff.output.startswith("~ node main (menu)\n--- london@v1\n+++ london@v2\n")
    assert run("diff", "london", "2", draft).output.startswith("no differences in meaning")

    rolled = run("rollback", "london", "-m", "wrong way round", "--author", "ops")
    assert "rolled london back to version 1 (was version 2)" in rolled.output
    assert run("show", "london").output == LONDON.read_text()
    again = run("rollback", "london")
    assert again.exit_code == 1
    assert (
        again.output == "Error: script 'london' has no earlier published version to roll back to\n"
    )
    missing = run("history", "nope")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: no script named 'nope' has been saved\n",
    )
    assert run("simulate", "london@published", "--keys", "1").output.endswith(
        "final: route to dental (pathway dental-pain)\n"
    )


def _record(
    db: Database,
    n: int,
    at: datetime,
    path: list[str],
    destination: str,
    caller: str | None = "+447700900001",
) -> None:
    record = CallRecord(
        call_id=f"call-{n}",
        channel_id=f"ch-{n}",
        caller=caller,
        caller_withheld=caller is None,
        script="london",
        script_version="1",
        arrived_at=at,
        menu_path=path,
        outcome="routed",
        destination=destination,
    )
    db.run_sync(lambda session: session.add(record))


def test_impact_replays_recorded_and_synthetic_calls(db_url: str, tmp_path: Path) -> None:
    db = Database(db_url)
    db.migrate()
    day = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    _record(db, 1, day, ["main:1"], "dental", caller=None)
    _record(db, 2, day + timedelta(minutes=5), ["main:2"], "crisis", caller=None)
    _record(db, 3, day + timedelta(minutes=6), ["main:timeout", "main:timeout"], "default111")
    _record(db, 4, day - timedelta(days=3), ["main:2"], "crisis")  # outside the window
    db.dispose()
    draft = write(tmp_path, "draft.yaml", LONDON.read_text().replace('"2": crisis', '"2": dental'))
    result = run("impact", draft, "--calls", "yesterday")
    assert result.exit_code == 0, result.output
    assert "note: nothing published for 'london': comparing with the shipped file" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("replayed 3 recorded calls from ")
    assert lines[2] == "1 of 3 calls (33.3%) would end somewhere else"
    assert lines[3] == "        1  dental instead of crisis"
    assert lines[4].startswith("           e.g. call call-2 at ") and lines[4].endswith("(2)")
    assert "the version compared against sends 3 of 3 recorded calls where they really went" in (
        result.output
    )
    synthetic = json.loads(run("impact", draft, "--synthetic", "300", "--json").stdout)
    assert synthetic["calls"] == 300 and synthetic["synthetic"] is True
    assert synthetic["transitions"][0]["before"] == "route:crisis"
    assert synthetic["against"]["source"].endswith("london.yaml")  # nothing published yet
    assert "+4477" not in result.output
