"""What a call learns from the registry: the ``LookupResult`` and the rules that make it.

Pure: the service side (``callflow.plans.lookup``) runs the queries, the cache
and the deadline; the decisions are here so they can be tested without I/O.

Outcomes:

- ``FOUND``: the caller is identified (NHS number, or a phone number only one
  registered patient uses) and holds shown plans; ``plans`` has each plan's type,
  id and call-handler summary (<=2 lines), never the rest of the plan.
- ``CONFIRM_IDENTITY``: the caller's number belongs to several registered
  patients (a care home, a family landline) and at least one holds a plan. No
  plan is picked: the script must confirm who is calling (e.g. ask for the NHS
  number and look up again).
- ``NONE``: no plan; ``reason`` says why (no match, withheld caller...).
- ``SKIPPED``: the lookup missed its deadline or failed; the call goes on
  without it (DESIGN principle 2).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from careplans.model import PlanType

_TYPE_ORDER = {t: i for i, t in enumerate(PlanType)}


class LookupOutcome(StrEnum):
    NONE = "none"
    FOUND = "found"
    CONFIRM_IDENTITY = "confirm_identity"
    SKIPPED = "skipped"


class MatchedBy(StrEnum):
    NHS_NUMBER = "nhs_number"
    CALLER = "caller"


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What a call is told about one plan: enough to route and to tell the handler."""

    plan_id: str
    plan_type: PlanType
    summary: str
    owner: str | None = None
    """The organisation that owns the plan (for "held by ..." in the handoff)."""

    def as_json(self) -> dict[str, str | None]:
        return {
            "plan_id": self.plan_id,
            "plan_type": self.plan_type.value,
            "summary": self.summary,
            "owner": self.owner,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanSummary:
        owner = data.get("owner")
        return cls(
            str(data["plan_id"]),
            PlanType(data["plan_type"]),
            str(data["summary"]),
            str(owner) if owner is not None else None,
        )


@dataclass(frozen=True, slots=True)
class LookupResult:
    """The answer to "does this caller have a care or crisis plan?"."""

    outcome: LookupOutcome
    plans: tuple[PlanSummary, ...] = ()
    matched_by: MatchedBy | None = None
    candidates: int = 0
    """Patients sharing the caller's number (``CONFIRM_IDENTITY``)."""
    reason: str | None = None
    """Why there is no plan: ``no-match``, ``no-plan``, ``caller-withheld``,
    ``caller-unavailable``, ``deadline``, ``error``."""
    cached: bool = False
    """Served from the Redis cache (for metrics; not part of the cached value)."""

    @property
    def found(self) -> bool:
        return self.outcome is LookupOutcome.FOUND

    @property
    def plan_types(self) -> frozenset[PlanType]:
        return frozenset(p.plan_type for p in self.plans)

    def has(self, plan_type: PlanType | str) -> bool:
        """True when a plan of this type was found (what a script's branch asks)."""
        return PlanType(plan_type) in self.plan_types

    def as_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "plans": [p.as_json() for p in self.plans],
            "matched_by": self.matched_by.value if self.matched_by else None,
            "candidates": self.candidates,
            "reason": self.reason,
        }

    def dumps(self) -> str:
        return json.dumps(self.as_json(), separators=(",", ":"))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LookupResult:
        matched = data.get("matched_by")
        return cls(
            outcome=LookupOutcome(data["outcome"]),
            plans=tuple(PlanSummary.from_json(p) for p in data.get("plans", [])),
            matched_by=MatchedBy(matched) if matched else None,
            candidates=int(data.get("candidates", 0)),
            reason=data.get("reason"),
        )

    @classmethod
    def loads(cls, text: str) -> LookupResult:
        return cls.from_json(json.loads(text))

    def served_from_cache(self) -> LookupResult:
        return replace(self, cached=True)


def none(reason: str) -> LookupResult:
    return LookupResult(LookupOutcome.NONE, reason=reason)


def skipped(reason: str) -> LookupResult:
    return LookupResult(LookupOutcome.SKIPPED, reason=reason)


def _ordered(plans: Iterable[PlanSummary]) -> tuple[PlanSummary, ...]:
    return tuple(sorted(plans, key=lambda p: (_TYPE_ORDER[p.plan_type], p.plan_id)))


def for_patient(plans: Iterable[PlanSummary], matched_by: MatchedBy) -> LookupResult:
    """The result for one identified patient's shown plans."""
    ordered = _ordered(plans)
    if not ordered:
        return LookupResult(LookupOutcome.NONE, matched_by=matched_by, reason="no-plan")
    return LookupResult(LookupOutcome.FOUND, ordered, matched_by=matched_by)


def for_phone(patients: int, plans_by_patient: Mapping[int, Iterable[PlanSummary]]) -> LookupResult:
    """The result for a caller number that ``patients`` registered patients use.

    Args:
        patients: how many distinct patients are registered with the number.
        plans_by_patient: their shown plans, by patient id (patients without
            shown plans may be left out).
    """
    if patients == 0:
        return none("no-match")
    with_plans = {pid: _ordered(p) for pid, p in plans_by_patient.items()}
    with_plans = {pid: p for pid, p in with_plans.items() if p}
    if patients == 1:
        only = next(iter(with_plans.values()), ())
        return for_patient(only, MatchedBy.CALLER)
    if not with_plans:
        return LookupResult(LookupOutcome.NONE, matched_by=MatchedBy.CALLER, reason="no-plan")
    return LookupResult(
        LookupOutcome.CONFIRM_IDENTITY, matched_by=MatchedBy.CALLER, candidates=patients
    )
