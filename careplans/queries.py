"""Reading the registry: call matching, and audited reads for people.

Every function takes an open SQLModel ``Session``; the caller owns the
transaction. Reads that show a plan to someone (``patient_plans``,
``read_plan``) add their audit rows in that same session, so a plan is never
returned without its audit row being committed with it.

A plan is *shown* on a call when it is active, shareable (no recorded refusal),
not superseded by another source's plan, and not past its expiry date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from careplans.audit import Action, Purpose, record_access
from careplans.lookup import LookupResult, MatchedBy, PlanSummary, for_patient, for_phone
from careplans.model import PlanType
from careplans.tables import Patient, Phone, Plan, PlanConflict


def _shown(today: date) -> list[ColumnElement[bool]]:
    return [
        col(Plan.active).is_(True),
        col(Plan.consent_to_share).is_(True),
        col(Plan.superseded_by).is_(None),
        or_(col(Plan.expires_on).is_(None), col(Plan.expires_on) >= today),
    ]


def _summary(plan: Plan) -> PlanSummary:
    return PlanSummary(plan.id, PlanType(plan.plan_type), plan.summary, plan.owner_organisation)


def match_nhs_number(session: Session, nhs_number: str, today: date) -> LookupResult:
    """The call result for a (normalised) NHS number."""
    query = (
        select(Plan)
        .join(Patient, col(Patient.id) == col(Plan.patient_id))
        .where(col(Patient.nhs_number) == nhs_number, *_shown(today))
    )
    return for_patient((_summary(p) for p in session.exec(query)), MatchedBy.NHS_NUMBER)


def match_phone(session: Session, e164: str, today: date) -> LookupResult:
    """The call result for a caller's E.164 number (shared numbers never pick one)."""
    patient_ids = list(
        session.exec(select(Phone.patient_id).where(col(Phone.e164) == e164).distinct())
    )
    if not patient_ids:
        return for_phone(0, {})
    plans: dict[int, list[PlanSummary]] = defaultdict(list)
    query = select(Plan).where(col(Plan.patient_id).in_(patient_ids), *_shown(today))
    for plan in session.exec(query):
        plans[plan.patient_id].append(_summary(plan))
    return for_phone(len(patient_ids), plans)


def record_call_match(
    session: Session, *, plan_ids: list[str], call_id: str, actor: str, at: datetime
) -> int:
    """Audit that a call was shown these plans' summaries."""
    return record_access(
        session,
        plan_ids=plan_ids,
        actor=actor,
        action=Action.MATCH,
        purpose=Purpose.CALL,
        at=at,
        call_id=call_id,
    )


def plan_view(plan: Plan, patient: Patient, today: date) -> dict[str, Any]:
    """The whole plan as the API shows it to an authorised reader."""
    return {
        "id": plan.id,
        "plan_type": plan.plan_type,
        "summary": plan.summary,
        "detail": plan.detail,
        "dnacpr": plan.dnacpr,
        "respect_form": plan.respect_form,
        "preferred_place_of_care": plan.preferred_place_of_care,
        "key_contacts": plan.key_contacts,
        "crisis_instructions": plan.crisis_instructions,
        "owner_organisation": plan.owner_organisation,
        "reviewed_on": plan.reviewed_on.isoformat() if plan.reviewed_on else None,
        "expires_on": plan.expires_on.isoformat() if plan.expires_on else None,
        "expired": plan.expires_on is not None and plan.expires_on < today,
        "active": plan.active,
        "current": plan.active and plan.superseded_by is None,
        "superseded_by": plan.superseded_by,
        "source": plan.source,
        "source_record_id": plan.source_record_id,
        "updated_at": plan.updated_at.isoformat(),
        "patient": {
            "nhs_number": patient.nhs_number,
            "family_name": patient.family_name,
            "given_name": patient.given_name,
            "birth_date": patient.birth_date.isoformat() if patient.birth_date else None,
            "postcode": patient.postcode,
        },
    }


def patient_plans(
    session: Session,
    nhs_number: str,
    *,
    actor: str,
    purpose: Purpose,
    at: datetime,
    call_id: str | None = None,
) -> list[dict[str, Any]]:
    """Every shareable plan of a patient (current ones first), each read audited."""
    query = (
        select(Plan, Patient)
        .join(Patient, col(Patient.id) == col(Plan.patient_id))
        .where(col(Patient.nhs_number) == nhs_number, col(Plan.consent_to_share).is_(True))
    )
    rows = list(session.exec(query))
    today = at.date()
    views = [plan_view(plan, patient, today) for plan, patient in rows]
    views.sort(key=lambda v: (not v["current"], v["plan_type"], v["reviewed_on"] or ""))
    record_access(
        session,
        plan_ids=[v["id"] for v in views],
        actor=actor,
        action=Action.LIST,
        purpose=purpose,
        at=at,
        call_id=call_id,
    )
    return views


def read_plan(
    session: Session,
    plan_id: str,
    *,
    actor: str,
    purpose: Purpose,
    at: datetime,
    call_id: str | None = None,
) -> dict[str, Any] | None:
    """One whole plan with its open conflicts, read audited; ``None`` if absent or not shareable."""
    row = session.exec(
        select(Plan, Patient)
        .join(Patient, col(Patient.id) == col(Plan.patient_id))
        .where(col(Plan.id) == plan_id, col(Plan.consent_to_share).is_(True))
    ).first()
    if row is None:
        return None
    plan, patient = row
    view = plan_view(plan, patient, at.date())
    conflicts = session.exec(
        select(PlanConflict).where(
            or_(col(PlanConflict.plan_a) == plan.id, col(PlanConflict.plan_b) == plan.id),
            col(PlanConflict.resolved_at).is_(None),
        )
    )
    view["conflicts"] = [
        {
            "other_plan_id": c.plan_b if c.plan_a == plan.id else c.plan_a,
            "winner_plan_id": c.winner_plan_id,
            "fields": c.fields,
            "detected_at": c.detected_at.isoformat(),
        }
        for c in conflicts
    ]
    record_access(
        session,
        plan_ids=[plan.id],
        actor=actor,
        action=Action.READ,
        purpose=purpose,
        at=at,
        call_id=call_id,
    )
    return view
