"""Precedence between sources: which plan a call handler sees, and what needs review.

Theory of operation: one patient may hold plans of several types (they are
cumulative, like Special Patient Notes) but, per type, only one is shown. When
several *active* plans of the same type exist (two registers, or a register and
the Universal Care Plan), the most recently reviewed wins; ties go to the plan
first stored, then to the plan id, so the answer never depends on input order.
The others are *superseded* by the winner.

Two plans *disagree* when a field that changes what a clinician does differs
and both sides state it: DNACPR, ReSPECT, preferred place of care, crisis
instructions. A field one side leaves unrecorded is not a disagreement. Each
disagreement between the winner and a superseded plan is flagged for review;
the winner is still shown (a decision now beats no plan), the flag asks a
person to reconcile the sources.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

COMPARED_FIELDS = ("dnacpr", "respect_form", "preferred_place_of_care", "crisis_instructions")


@dataclass(frozen=True, slots=True)
class Contender:
    """What precedence needs to know about one stored plan."""

    plan_id: str
    source: str
    reviewed_on: date | None
    created_at: datetime
    active: bool = True
    dnacpr: bool | None = None
    respect_form: bool | None = None
    preferred_place_of_care: str | None = None
    crisis_instructions: str | None = None


@dataclass(frozen=True, slots=True)
class Disagreement:
    """The winner and a superseded plan state different things (field names only)."""

    winner: str
    loser: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The plan shown (if any), who supersedes whom, and what to review."""

    winner: str | None
    superseded: dict[str, str] = field(default_factory=dict)
    """Superseded plan id -> winning plan id; inactive plans are in neither."""
    disagreements: tuple[Disagreement, ...] = ()


def _ranked(contenders: Iterable[Contender]) -> list[Contender]:
    """Best first: latest review; ties to the earliest stored, then the smaller id."""
    ordered = sorted(contenders, key=lambda c: (c.created_at, c.plan_id))
    # Python's sort is stable, with reverse=True too: ties keep the order above.
    ordered.sort(key=lambda c: c.reviewed_on or date.min, reverse=True)
    return ordered


def _normal(value: object) -> object:
    if isinstance(value, str):
        return " ".join(value.casefold().split()) or None
    return value


def differing_fields(a: Contender, b: Contender) -> tuple[str, ...]:
    """Fields that both plans state and state differently."""
    out = []
    for name in COMPARED_FIELDS:
        left, right = _normal(getattr(a, name)), _normal(getattr(b, name))
        if left is not None and right is not None and left != right:
            out.append(name)
    return tuple(out)


def resolve(contenders: Iterable[Contender]) -> Resolution:
    """Pick the plan to show among one patient's plans of one type.

    Args:
        contenders: every stored plan of that patient and type, active or not.

    Returns:
        The winner (``None`` when no plan is active), the superseded plans and
        the disagreements to flag.
    """
    active = _ranked(c for c in contenders if c.active)
    if not active:
        return Resolution(None)
    winner, *others = active
    superseded = {other.plan_id: winner.plan_id for other in others}
    disagreements = []
    for other in others:
        fields = differing_fields(winner, other)
        if fields:
            disagreements.append(Disagreement(winner.plan_id, other.plan_id, fields))
    return Resolution(winner.plan_id, superseded, tuple(disagreements))
