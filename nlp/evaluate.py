"""Scores for the corpora: demographics field accuracy, reason labels P/R/F1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DemographicsScore",
    "ReasonsScore",
    "read_jsonl",
    "score_demographics",
    "score_reasons",
]


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The JSON objects of a JSON-lines file (blank lines skipped)."""
    out: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc.msg}") from exc
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            out.append(obj)
    return out


@dataclass(slots=True)
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    gold: int = 0
    correct: int = 0

    def to_json(self) -> dict[str, Any]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        out: dict[str, Any] = {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(f1, 4),
            "support": self.gold,
        }
        if self.gold:
            out["exact_match"] = round(self.correct / self.gold, 4)
        return out


@dataclass(slots=True)
class DemographicsScore:
    """Field accuracy = correct gold fields / all gold fields; exact = whole lines right."""

    lines: int = 0
    exact_lines: int = 0
    gold_fields: int = 0
    correct_fields: int = 0
    per_field: dict[str, _Counts] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def field_accuracy(self) -> float:
        return self.correct_fields / self.gold_fields if self.gold_fields else 1.0

    @property
    def exact_match(self) -> float:
        return self.exact_lines / self.lines if self.lines else 1.0

    def to_json(self) -> dict[str, Any]:
        return {
            "lines": self.lines,
            "field_accuracy": round(self.field_accuracy, 4),
            "exact_match": round(self.exact_match, 4),
            "gold_fields": self.gold_fields,
            "correct_fields": self.correct_fields,
            "per_field": {k: v.to_json() for k, v in sorted(self.per_field.items())},
        }


def score_demographics(
    items: Iterable[Mapping[str, Any]],
    predict: Callable[[str], Mapping[str, str]],
    *,
    keep_errors: int = 50,
) -> DemographicsScore:
    """Score ``predict(text) -> {field: value}`` on ``{"text", "gold"}`` items."""
    score = DemographicsScore()
    for item in items:
        text = str(item["text"])
        gold = {str(k): str(v) for k, v in dict(item.get("gold", {})).items()}
        pred = dict(predict(text))
        score.lines += 1
        line_ok = True
        for name in set(gold) | set(pred):
            counts = score.per_field.setdefault(name, _Counts())
            g, p = gold.get(name), pred.get(name)
            if g is not None:
                counts.gold += 1
                score.gold_fields += 1
            if g is not None and p == g:
                counts.tp += 1
                counts.correct += 1
                score.correct_fields += 1
                continue
            line_ok = False
            if p is not None:
                counts.fp += 1
            if g is not None:
                counts.fn += 1
        if line_ok:
            score.exact_lines += 1
        elif len(score.errors) < keep_errors:
            score.errors.append({"text": text, "gold": gold, "predicted": pred})
    return score


@dataclass(slots=True)
class ReasonsScore:
    """Multi-label scores: per label P/R/F1, micro-F1, exact-set accuracy."""

    lines: int = 0
    exact_sets: int = 0
    per_label: dict[str, _Counts] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def exact_set_accuracy(self) -> float:
        return self.exact_sets / self.lines if self.lines else 1.0

    def micro(self) -> dict[str, float]:
        tp = sum(c.tp for c in self.per_label.values())
        fp = sum(c.fp for c in self.per_label.values())
        fn = sum(c.fn for c in self.per_label.values())
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        return {
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
        }

    def to_json(self) -> dict[str, Any]:
        per_label = {}
        for k, v in sorted(self.per_label.items()):
            d = v.to_json()
            d.pop("exact_match", None)
            per_label[k] = d
        return {
            "lines": self.lines,
            "exact_set_accuracy": round(self.exact_set_accuracy, 4),
            "micro": self.micro(),
            "per_label": per_label,
        }


def score_reasons(
    items: Iterable[Mapping[str, Any]],
    predict: Callable[[str], Sequence[str]],
    *,
    keep_errors: int = 50,
) -> ReasonsScore:
    """Score ``predict(text) -> labels`` on ``{"text", "labels"}`` items."""
    score = ReasonsScore()
    for item in items:
        text = str(item["text"])
        gold = {str(x) for x in item.get("labels", [])}
        pred = set(predict(text))
        score.lines += 1
        for label in gold | pred:
            c = score.per_label.setdefault(label, _Counts())
            if label in gold:
                c.gold += 1
            if label in gold and label in pred:
                c.tp += 1
            elif label in pred:
                c.fp += 1
            else:
                c.fn += 1
        if gold == pred:
            score.exact_sets += 1
        elif len(score.errors) < keep_errors:
            score.errors.append({"text": text, "gold": sorted(gold), "predicted": sorted(pred)})
    return score
