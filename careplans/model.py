"""The registry's values: what an importer produces and what an import reports.

These are frozen dataclasses, independent of where a record came from (FHIR
bundle or a legacy CSV) and of how it is stored (``careplans.tables``). Every
importer turns its input into ``ImportRecord``s (one patient, one plan, the
line it came from) plus ``RowError``s for what it could not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from careplans.errors import RecordError

MAX_SUMMARY_LINES = 2
MAX_SUMMARY_LINE_LENGTH = 160
"""Special Patient Notes guidance: the first 1-2 lines are for the call handler."""


class PlanType(StrEnum):
    """What kind of plan; scripts branch on these values (stored, so never rename)."""

    END_OF_LIFE = "end_of_life"
    FRAILTY = "frailty"
    MENTAL_HEALTH_CRISIS = "mental_health_crisis"
    MULTIPLE_SCLEROSIS = "multiple_sclerosis"
    LEARNING_DISABILITY = "learning_disability"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class KeyContact:
    """Someone to call: next of kin, carer, care coordinator, GP, crisis line."""

    name: str
    relationship: str | None = None
    phone: str | None = None
    """E.164."""

    def as_json(self) -> dict[str, str | None]:
        return {"name": self.name, "relationship": self.relationship, "phone": self.phone}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyContact:
        return cls(str(data["name"]), data.get("relationship"), data.get("phone"))


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """Who the plan is for, as one source states it."""

    nhs_number: str
    family_name: str | None = None
    given_name: str | None = None
    birth_date: date | None = None
    postcode: str | None = None
    phones: tuple[str, ...] = ()
    """E.164 numbers, no duplicates, in the source's order."""


@dataclass(frozen=True, slots=True)
class PlanFacts:
    """One plan as one source states it; ``(source, source_record_id)`` names it."""

    source_record_id: str
    plan_type: PlanType
    summary: str
    """At most two lines, for the call handler."""
    detail: str | None = None
    """For clinical advisors, after the summary."""
    dnacpr: bool | None = None
    """True: do not attempt CPR; False: for CPR; None: not recorded."""
    respect_form: bool | None = None
    """A ReSPECT form exists (True), does not (False), not recorded (None)."""
    preferred_place_of_care: str | None = None
    key_contacts: tuple[KeyContact, ...] = ()
    crisis_instructions: str | None = None
    owner_organisation: str | None = None
    reviewed_on: date | None = None
    expires_on: date | None = None
    consent_to_share: bool = True
    """Shared for direct care unless the source records a refusal."""
    active: bool = True


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """A usable record: the line it starts on, its patient and its plan."""

    line: int
    patient: PatientFacts
    plan: PlanFacts


@dataclass(frozen=True, slots=True)
class RowError:
    """A rejected row or entry: where, and why (field names only, never values)."""

    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line is not None else self.reason

    def as_json(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    """What an importer read from one file: usable records and rejected rows."""

    source: str
    layout: str
    records: tuple[ImportRecord, ...]
    errors: tuple[RowError, ...]
    rows: int
    """Rows (CSV) or entries (FHIR) seen, good and bad."""
    warnings: tuple[RowError, ...] = ()
    """Problems that dropped a value but let the record land (a bad postcode)."""


@dataclass(slots=True)
class ImportReport:
    """The outcome of storing a batch; counts are of plans."""

    source: str
    layout: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    """Conflicts between sources newly flagged for review by this import."""
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def landed(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def rejected(self) -> int:
        return len(self.errors)

    def as_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "layout": self.layout,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "conflicts": self.conflicts,
            "errors": [e.as_json() for e in sorted(self.errors, key=_error_order)],
            "warnings": [w.as_json() for w in sorted(self.warnings, key=_error_order)],
        }


def _error_order(error: RowError) -> tuple[int, str]:
    return (error.line if error.line is not None else -1, error.reason)


def check_summary(text: str | None, field_name: str = "summary") -> str:
    """The call-handler summary, tidied: at most two non-blank lines, each short.

    Raises:
        RecordError: empty, more than two lines, or a line over 160 characters.
    """
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise RecordError(f"{field_name} is empty (the call handler needs 1-2 lines)")
    if len(lines) > MAX_SUMMARY_LINES:
        raise RecordError(
            f"{field_name} has {len(lines)} lines; at most 2 (put the rest in detail)"
        )
    if any(len(line) > MAX_SUMMARY_LINE_LENGTH for line in lines):
        raise RecordError(f"{field_name} has a line over {MAX_SUMMARY_LINE_LENGTH} characters")
    return "\n".join(lines)


def clean_text(value: str | None) -> str | None:
    """Strip; empty becomes ``None``."""
    if value is None:
        return None
    text = value.strip()
    return text or None
