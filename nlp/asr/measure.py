"""Measure an engine's word accuracy on digit strings spoken by espeak-ng.

``python -m nlp.asr.measure --n 60 --rate 8000`` (or ``urgentline nlp
measure-asr``) makes ``n`` random digit strings (4 to 11 digits), has
Debian's ``espeak-ng`` say them, converts them with ``sox`` to 16-bit mono WAV
at ``rate`` Hz (8000 = telephony), decodes each with PocketSphinx (digits
grammar, and the free n-gram model for comparison) and prints word accuracy
``1 - (substitutions + deletions + insertions) / reference words`` (``oh``
scored as ``zero``) and whole-string accuracy, as one JSON object.

Needs ``apt-get install -y espeak-ng sox``; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nlp.asr.base import DIGITS, Grammar

__all__ = ["measure", "speak_digits", "word_errors"]

_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance over words (substitutions + deletions + insertions)."""
    ref = ["zero" if w == "oh" else w for w in reference]
    hyp = ["zero" if w == "oh" else w for w in hypothesis]
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            cur = min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
            prev, row[j] = row[j], cur
    return row[len(hyp)]


def speak_digits(words: str, path: Path, *, rate: int, voice: str, speed: int) -> None:
    """Say ``words`` with espeak-ng into ``path`` as 16-bit mono WAV at ``rate`` Hz."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), words],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(path)],
        check=True,
        capture_output=True,
    )
    raw.unlink()


def measure(
    *,
    n: int = 60,
    rate: int = 8000,
    voice: str = "en-gb",
    speed: int = 150,
    seed: int = 111,
    free: bool = True,
) -> dict[str, Any]:
    """Run the measurement; the result is JSON-ready."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (apt-get install -y espeak-ng sox)")
    from nlp.asr.sphinx import SphinxEngine

    engine = SphinxEngine()
    rng = random.Random(seed)
    modes: list[tuple[str, Grammar | None]] = [("digits_grammar", DIGITS)]
    if free:
        modes.append(("free_lm", None))
    totals = {m: {"ref_words": 0, "errors": 0, "exact": 0, "seconds": 0.0} for m, _ in modes}
    examples: list[dict[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n):
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 11)))
            words = [_WORDS[int(d)] for d in digits]
            wav = Path(tmp) / f"u{k}.wav"
            speak_digits(" ".join(words), wav, rate=rate, voice=voice, speed=speed)
            audio = wav.read_bytes()
            for mode, grammar in modes:
                result = engine.decode(audio, grammar)
                errors = word_errors(words, result.words)
                t = totals[mode]
                t["ref_words"] += len(words)
                t["errors"] += errors
                t["exact"] += int(errors == 0)
                t["seconds"] += result.elapsed_s
                if k < 5:
                    examples.append({"mode": mode, "said": " ".join(words), "heard": result.text})
    summary: dict[str, Any] = {
        "engine": "pocketsphinx (bundled en-us)",
        "tts": f"espeak-ng -v {voice} -s {speed}",
        "rate_hz": rate,
        "utterances": n,
        "seed": seed,
    }
    for mode, t in totals.items():
        ref = int(t["ref_words"])
        summary[mode] = {
            "word_accuracy": round(1 - t["errors"] / ref, 4) if ref else None,
            "string_accuracy": round(t["exact"] / n, 4) if n else None,
            "reference_words": ref,
            "mean_decode_s": round(float(t["seconds"]) / n, 3) if n else None,
        }
    summary["examples"] = examples
    return summary


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point (prints one JSON object)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--rate", type=int, default=8000)
    parser.add_argument("--voice", default="en-gb")
    parser.add_argument("--speed", type=int, default=150)
    parser.add_argument("--seed", type=int, default=111)
    parser.add_argument("--no-free", action="store_true", help="skip the free n-gram model")
    args = parser.parse_args(argv)
    result = measure(
        n=args.n,
        rate=args.rate,
        voice=args.voice,
        speed=args.speed,
        seed=args.seed,
        free=not args.no_free,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
