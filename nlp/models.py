"""Values the extraction returns: frozen, JSON-ready."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CORPUS_FIELDS", "Extraction", "Field", "Rejected", "Span"]

CORPUS_FIELDS = (
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "nhs_number",
    "callback_number",
)
"""The fields of the demographics corpora, in their order."""


@dataclass(frozen=True, slots=True)
class Span:
    """Where a value was said: character offsets into the transcript."""

    start: int
    end: int
    text: str

    def to_json(self) -> dict[str, Any]:
        """``{"start", "end", "text"}``."""
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass(frozen=True, slots=True)
class Field:
    """One extracted value in its normal form, with how sure we are and its source."""

    name: str
    value: str
    confidence: float
    """0..1; the capture node reads back values under its threshold."""
    span: Span
    corrected: bool = False
    """The caller corrected themselves and this is the corrected value."""
    method: str = "rules"
    """``rules`` or ``model`` (the statistical name recogniser)."""

    def to_json(self) -> dict[str, Any]:
        """``{"value", "confidence", "span", "corrected", "method"}``."""
        return {
            "value": self.value,
            "confidence": round(self.confidence, 3),
            "span": self.span.to_json(),
            "corrected": self.corrected,
            "method": self.method,
        }


@dataclass(frozen=True, slots=True)
class Rejected:
    """Something that looked like a field but failed validation (for a read-back)."""

    name: str
    reason: str
    """``checksum`` / ``implausible`` / ``format`` / ``length``."""
    span: Span

    def to_json(self) -> dict[str, Any]:
        """``{"field", "reason", "span"}``."""
        return {"field": self.name, "reason": self.reason, "span": self.span.to_json()}


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one transcript said about the caller (all caller-stated, unverified)."""

    text: str
    fields: Mapping[str, Field]
    pipeline: str
    """Which pipeline ran (``pipeline.pipeline_info``)."""
    rejected: tuple[Rejected, ...] = ()
    extra: Mapping[str, Field] = field(default_factory=dict)
    """Fields outside the corpus set: ``on_behalf_of``, ``caller_given_name`` ..."""

    def values(self) -> dict[str, str]:
        """The corpus fields present, as ``{name: normal form}`` in corpus order."""
        return {name: self.fields[name].value for name in CORPUS_FIELDS if name in self.fields}

    def get(self, name: str) -> Field | None:
        """A corpus field or an extra field by name."""
        return self.fields.get(name) or self.extra.get(name)

    @property
    def on_behalf_of(self) -> str | None:
        """The caller's relation to the patient (``mother``), when not calling for themselves."""
        f = self.extra.get("on_behalf_of")
        return f.value if f else None

    def to_json(self) -> dict[str, Any]:
        """The full result: values, per-field detail, extras, rejections, pipeline."""
        return {
            "values": self.values(),
            "fields": {name: f.to_json() for name, f in self.fields.items()},
            "extra": {name: f.to_json() for name, f in self.extra.items()},
            "rejected": [r.to_json() for r in self.rejected],
            "pipeline": self.pipeline,
        }
