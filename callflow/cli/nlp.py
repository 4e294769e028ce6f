"""``urgentline nlp``: speech capture tools (extract, classify, evaluate, measure)."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

import click


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _read_texts(stream: TextIO) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"line {number}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise click.ClickException(f'line {number}: expected {{"text": ...}}')
        out.append((number, obj["text"]))
    return out


@click.group()
def nlp() -> None:
    """Speech capture: extract demographics, classify call reasons, evaluate, measure ASR."""


@nlp.command()
@click.argument("text", required=False)
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help='Read {"text": ...} lines from FILE ("-" for stdin); write one object per line.',
)
@click.option("--full", is_flag=True, help="With --jsonl: confidences, spans and extras too.")
def extract(text: str | None, jsonl: TextIO | None, full: bool) -> None:
    """Extract name, date of birth, postcode, NHS and call-back numbers from TEXT."""
    from nlp import extract as run

    if (text is None) == (jsonl is None):
        raise click.UsageError("give TEXT or --jsonl FILE (one of them)")
    if text is not None:
        click.echo(json.dumps(run(text).to_json(), indent=2, ensure_ascii=False))
        return
    assert jsonl is not None
    for _, line_text in _read_texts(jsonl):
        result = run(line_text)
        click.echo(_dump(result.to_json() if full else result.values()))


@nlp.command(name="eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.option("--errors", default=0, show_default=True, help="Show this many wrong lines.")
def eval_(file: str, as_json: bool, errors: int) -> None:
    """Score extraction on FILE ({"text", "gold"} lines): per field and overall."""
    from nlp import extract as run
    from nlp.evaluate import read_jsonl, score_demographics

    try:
        items = read_jsonl(file)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    score = score_demographics(items, lambda t: run(t).values(), keep_errors=errors)
    result = score.to_json()
    if as_json:
        if errors:
            result["errors"] = score.errors
        click.echo(_dump(result))
        return
    click.echo(f"lines: {score.lines}")
    click.echo(
        f"field accuracy: {score.field_accuracy:.4f} ({score.correct_fields}/{score.gold_fields})"
    )
    click.echo(f"exact match (whole line): {score.exact_match:.4f}")
    click.echo(f"{'field':<16} {'precision':>9} {'recall':>7} {'exact':>7} {'support':>8}")
    for name, row in result["per_field"].items():
        click.echo(
            f"{name:<16} {row['precision']:>9.4f} {row['recall']:>7.4f} "
            f"{row.get('exact_match', 0.0):>7.4f} {row['support']:>8}"
        )
    for err in score.errors:
        click.echo(_dump(err))


@nlp.command()
@click.argument("text", required=False)
@click.option("--jsonl", "jsonl", type=click.File("r", encoding="utf-8"),
              help='Read {"text": ...} lines; write {"labels": [...]} lines.')  # fmt: skip
@click.option("--explain", is_flag=True, help="Include the evidence of each label.")
def classify(text: str | None, jsonl: TextIO | None, explain: bool) -> None:
    """Classify a caller's reason into syndromic indicators and red flags."""
    from nlp import classify as run

    if (text is None) == (jsonl is None):
        raise click.UsageError("give TEXT or --jsonl FILE (one of them)")
    if text is not None:
        lines = [(0, text)]
    else:
        assert jsonl is not None
        lines = _read_texts(jsonl)
    for _, line_text in lines:
        result = run(line_text)
        click.echo(_dump(result.to_json() if explain else {"labels": list(result.labels)}))


@nlp.command(name="eval-reasons")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@click.option("--errors", default=0, show_default=True, help="Show this many wrong lines.")
def eval_reasons(file: str, as_json: bool, errors: int) -> None:
    """Score reason classification on FILE ({"text", "labels"} lines)."""
    from nlp import classify as run
    from nlp.evaluate import read_jsonl, score_reasons

    try:
        items = read_jsonl(file)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    score = score_reasons(items, lambda t: run(t).labels, keep_errors=errors)
    result = score.to_json()
    if as_json:
        if errors:
            result["errors"] = score.errors
        click.echo(_dump(result))
        return
    micro = result["micro"]
    click.echo(f"lines: {score.lines}")
    click.echo(f"exact-set accuracy: {score.exact_set_accuracy:.4f}")
    click.echo(f"micro P/R/F1: {micro['precision']:.4f} {micro['recall']:.4f} {micro['f1']:.4f}")
    click.echo(f"{'label':<22} {'precision':>9} {'recall':>7} {'f1':>7} {'support':>8}")
    for name, row in result["per_label"].items():
        click.echo(
            f"{name:<22} {row['precision']:>9.4f} {row['recall']:>7.4f} "
            f"{row['f1']:>7.4f} {row['support']:>8}"
        )
    for err in score.errors:
        click.echo(_dump(err))


@nlp.command()
def info() -> None:
    """Which pipeline runs (rules only, or rules + the statistical model)."""
    from nlp import pipeline_info

    click.echo(_dump(pipeline_info()))


@nlp.command()
@click.option("--n", "count", default=200, show_default=True, help="Synthetic utterances.")
@click.option("--repeat", default=3, show_default=True)
def bench(count: int, repeat: int) -> None:
    """Extraction latency per utterance (p50 / p99, milliseconds)."""
    from nlp.bench import extraction_latency, sample_utterances

    click.echo(_dump(extraction_latency(sample_utterances(count), repeat=repeat).to_json()))


@nlp.command(name="measure-asr")
@click.option("--n", "count", default=60, show_default=True, help="Digit strings to say.")
@click.option("--rate", default=8000, show_default=True, help="Sample rate of the WAVs (Hz).")
@click.option("--voice", default="en-gb", show_default=True, help="espeak-ng voice.")
@click.option("--seed", default=111, show_default=True)
def measure_asr(count: int, rate: int, voice: str, seed: int) -> None:
    """PocketSphinx word accuracy on digit strings spoken by espeak-ng (needs espeak-ng, sox)."""
    from nlp.asr.measure import measure

    try:
        result = measure(n=count, rate=rate, voice=voice, seed=seed)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(result, indent=2))


@nlp.command()
@click.argument("audio", type=click.File("rb"))
@click.option("--engine", type=click.Choice(["lab", "pocketsphinx", "http"]), default="lab",
              show_default=True)  # fmt: skip
@click.option("--url", help="The recogniser's URL (http engine).")
@click.option("--grammar", type=click.Choice(["free", "digits", "yes_no"]), default="free",
              show_default=True)  # fmt: skip
@click.option("--timeout", "timeout_s", default=5.0, show_default=True, help="Seconds.")
def transcribe(audio: Any, engine: str, url: str | None, grammar: str, timeout_s: float) -> None:
    """Recognise AUDIO (a WAV, or a lab recording) and print the transcript as JSON."""
    import asyncio

    from nlp.asr import DIGITS, YES_NO, create_engine, recognise

    chosen = {"free": None, "digits": DIGITS, "yes_no": YES_NO}[grammar]
    try:
        speech_engine = create_engine(engine, url=url)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    data = audio.read()

    async def run() -> Any:
        try:
            return await recognise(speech_engine, data, grammar=chosen, timeout_s=timeout_s)
        finally:
            close = getattr(speech_engine, "aclose", None)
            if close is not None:
                await close()

    result = asyncio.run(run())
    if result is None:
        click.echo(_dump({"transcript": None, "skipped": True}))
        sys.exit(1)
    click.echo(_dump({"transcript": result.text, "engine": result.engine,
                      "confidence": result.confidence}))  # fmt: skip
