"""What a finished call hands over: its facts as ``HandoffFacts`` (pure).

Only calls that reached a destination are handed over. Caller-stated data
travels in the bundle only, never in logs; a care plan is a pointer (type,
owner, id), never its content.
"""

from __future__ import annotations

from datetime import date

from callflow.handoff.bundle import (
    Answer,
    CarePlanFlag,
    HandoffFacts,
    RepeatCaller,
    StatedDemographics,
)
from callflow.routing.policy import PriorityClass, RepeatStatus
from callflow.routing.repeat import normalise_cli
from callflow.sessions.record import CallFacts
from careplans import LookupResult
from ivr_scripts import commands

DEMOGRAPHIC_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode")

PRIORITY_BY_CLASS = {
    PriorityClass.RED_FLAG: "asap",
    PriorityClass.CRISIS_PLAN: "urgent",
}


def handoff_facts(
    facts: CallFacts,
    *,
    handoff_id: str,
    pathway: str | None,
    decision: commands.Route | commands.Transfer | None,
    classes: set[PriorityClass],
    repeat: RepeatStatus,
    plans: LookupResult | None,
) -> HandoffFacts | None:
    """The handoff of a call connected to a destination, or promised a call back
    that did not reach the caller (that provider must try); else None."""
    if facts.destination is None:
        return None
    handed_off_at = facts.connected_at or (facts.ended_at if facts.unreached else None)
    if handed_off_at is None:
        return None
    answers = decision.answers if decision is not None else ()
    stated = dict(decision.caller_data) if decision is not None else {}
    plan = plans.plans[0] if plans is not None and plans.found and plans.plans else None
    priority = next((PRIORITY_BY_CLASS[c] for c in PRIORITY_BY_CLASS if c in classes), "urgent")
    return HandoffFacts(
        handoff_id=handoff_id,
        call_id=facts.call_id,
        destination=facts.destination,
        pathway=pathway or facts.destination,
        arrived_at=facts.arrived_at,
        handed_off_at=handed_off_at,
        priority=priority,  # type: ignore[arg-type]
        caller_cli=None if facts.caller_withheld else normalise_cli(facts.caller),
        menu_path=tuple(facts.menu_path),
        answers=tuple(Answer(link_id=q, question=q, value=code) for q, code in answers),
        care_plan=(
            CarePlanFlag(kind=str(plan.plan_type), source=plan.owner, plan_id=plan.plan_id)
            if plan is not None
            else None
        ),
        repeat_caller=RepeatCaller(count=repeat.count) if repeat.repeat else None,
        nhs_number=stated.get("nhs_number"),
        nhs_number_verified=False,
        demographics=_demographics(stated),
        ended_at=facts.ended_at,
        contact_failed=facts.unreached,
        script=facts.script,
        script_version=facts.script_version,
    )


def _demographics(stated: dict[str, str]) -> StatedDemographics | None:
    """What the caller said about themselves: caller-stated, unverified."""
    if not any(stated.get(name) for name in DEMOGRAPHIC_FIELDS):
        return None
    try:
        birth = date.fromisoformat(stated["date_of_birth"]) if "date_of_birth" in stated else None
    except ValueError:
        birth = None
    return StatedDemographics(
        given_name=stated.get("given_name"),
        family_name=stated.get("family_name"),
        birth_date=birth,
        postcode=stated.get("postcode"),
    )
