from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from nlp.asr import lab_recording

from .conftest import DATA, load_cli_module


@pytest.fixture(scope="module")
def nlp_group() -> click.Group:
    group = load_cli_module().nlp
    assert isinstance(group, click.Group) and group.name == "nlp"
    return group


def run(group: click.Group, *args: str, input: str | None = None) -> str:
    result = CliRunner().invoke(group, list(args), input=input, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_extract_text(nlp_group: click.Group) -> None:
    out = json.loads(run(nlp_group, "extract", "my name is ann lee born 4th march 1941"))
    assert out["values"] == {"given_name": "Ann", "family_name": "Lee",
                             "date_of_birth": "1941-03-04"}  # fmt: skip
    assert out["fields"]["given_name"]["span"]["text"] == "ann lee"
    assert out["pipeline"]


def test_extract_jsonl(nlp_group: click.Group, tmp_path: Path) -> None:
    lines = [
        {"text": "postcode s e one five four q t"},
        {"text": "nothing here"},
        {"text": "call me back on oh seven seven double oh nine double oh one two three"},
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines) + "\n")
    out = [json.loads(x) for x in run(nlp_group, "extract", "--jsonl", str(src)).splitlines()]
    assert out == [{"postcode": "SE15 4QT"}, {}, {"callback_number": "+447700900123"}]
    full = run(nlp_group, "extract", "--jsonl", "-", "--full", input=json.dumps(lines[0]))
    assert json.loads(full)["fields"]["postcode"]["confidence"] > 0.9


def test_extract_needs_one_input(nlp_group: click.Group) -> None:
    result = CliRunner().invoke(nlp_group, ["extract"], catch_exceptions=False)
    assert result.exit_code == 2
    bad = CliRunner().invoke(nlp_group, ["extract", "--jsonl", "-"], input="{not json\n",
                             catch_exceptions=False)  # fmt: skip
    assert bad.exit_code == 1 and "line 1" in bad.output


def test_eval_json(nlp_group: click.Group) -> None:
    out = json.loads(run(nlp_group, "eval", str(DATA / "demographics-heldout.jsonl"), "--json"))
    assert out["field_accuracy"] >= 0.97
    assert set(out["per_field"]) >= {"given_name", "postcode", "nhs_number"}
    assert "exact_match" in out["per_field"]["postcode"]
    text = run(nlp_group, "eval", str(DATA / "demographics-heldout.jsonl"))
    assert "field accuracy:" in text and "postcode" in text


def test_classify_and_eval_reasons(nlp_group: click.Group, tmp_path: Path) -> None:
    src = tmp_path / "r.jsonl"
    src.write_text('{"text": "he\'s collapsed"}\n{"text": "repeat prescription"}\n')
    out = [json.loads(x) for x in run(nlp_group, "classify", "--jsonl", str(src)).splitlines()]
    assert out == [{"labels": ["red_flag"]}, {"labels": ["other"]}]
    explained = json.loads(run(nlp_group, "classify", "no fever but a cough", "--explain"))
    assert explained["labels"] == ["cough"] and explained["evidence"]
    score = json.loads(run(nlp_group, "eval-reasons", str(DATA / "reasons-heldout.jsonl"),
                           "--json"))  # fmt: skip
    assert score["exact_set_accuracy"] >= 0.9 and "red_flag" in score["per_label"]
    assert "micro P/R/F1" in run(nlp_group, "eval-reasons", str(DATA / "reasons-heldout.jsonl"))


def test_info_bench_transcribe(nlp_group: click.Group, tmp_path: Path) -> None:
    assert "pipeline" in json.loads(run(nlp_group, "info"))
    bench = json.loads(run(nlp_group, "bench", "--n", "20", "--repeat", "1"))
    assert bench["n"] == 20 and bench["p99_ms"] >= bench["p50_ms"] > 0
    recording = tmp_path / "rec.json"
    recording.write_bytes(lab_recording("my name is ann lee"))
    out = json.loads(run(nlp_group, "transcribe", str(recording)))
    assert out["transcript"] == "my name is ann lee"
    recording.write_bytes(lab_recording("slow", delay_s=5))
    result = CliRunner().invoke(nlp_group, ["transcribe", str(recording), "--timeout", "0.05"],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == 1 and json.loads(result.output)["skipped"]
