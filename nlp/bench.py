"""Extraction latency: ``extraction_latency()`` for ``urgentline bench`` and the docs."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nlp.extract import extract
from nlp.pipeline import get_pipeline
from nlp.speech import date_speech, digits_speech, pick, postcode_speech

__all__ = ["LatencyReport", "extraction_latency", "sample_utterances"]

_GIVEN = ["amelia", "kwabena", "siobhan", "tomasz", "harpreet", "eleanor", "dmitri", "yusuf"]
_FAMILY = ["okonkwo", "fitzgerald", "nowak", "sandhu", "prendergast", "lindqvist", "hughes"]
_POSTCODES = ["LS6 2QT", "B15 2TT", "EH3 9DR", "CF10 3AT", "M14 6HR", "EC1A 1BB", "NW10 4JG"]
_NHS = ["9434765919", "9990000018", "9876543210"]


def sample_utterances(n: int = 200, seed: int = 7) -> list[str]:
    """Synthetic caller utterances (fictional people, Ofcom drama phone numbers)."""
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n):
        born = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000))
        parts = [
            pick(rng, ["my name is", "hello it's", "this is"]),
            pick(rng, _GIVEN),
            pick(rng, _FAMILY),
            pick(rng, ["date of birth", "i was born on", "born"]),
            date_speech(born, rng.randrange(9), rng),
            pick(rng, ["postcode", "i live at"]),
            postcode_speech(pick(rng, _POSTCODES), pick(rng, ["letters", "numbers", "nato"]), rng),
        ]
        if rng.random() < 0.6:
            parts += ["nhs number", digits_speech(pick(rng, _NHS), "mixed", rng)]
        if rng.random() < 0.6:
            number = "07700900" + f"{rng.randrange(1000):03d}"
            parts += ["call me back on", digits_speech(number, "mixed", rng)]
        out.append(" ".join(parts))
    return out


@dataclass(frozen=True, slots=True)
class LatencyReport:
    """Per-utterance extraction latency in milliseconds."""

    n: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    pipeline: str

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, milliseconds rounded to 3 places."""
        return {
            "n": self.n,
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "max_ms": round(self.max_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "pipeline": self.pipeline,
        }


def _quantile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[k]


def extraction_latency(
    texts: Sequence[str] | None = None, *, repeat: int = 3, warmup: int = 20
) -> LatencyReport:
    """Time :func:`nlp.extract` per utterance (pipeline loaded first, then ``warmup`` runs).

    ``texts`` defaults to :func:`sample_utterances`; each is timed ``repeat`` times.
    """
    items = list(texts) if texts is not None else sample_utterances()
    if not items:
        raise ValueError("no utterances to time")
    pipeline = get_pipeline()
    today = dt.date.today()
    for text in items[:warmup]:
        extract(text, today=today)
    timings: list[float] = []
    for _ in range(max(1, repeat)):
        for text in items:
            started = time.perf_counter()
            extract(text, today=today)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return LatencyReport(
        n=len(timings),
        p50_ms=_quantile(timings, 0.50),
        p99_ms=_quantile(timings, 0.99),
        max_ms=timings[-1],
        mean_ms=statistics.fmean(timings),
        pipeline=pipeline.description,
    )
