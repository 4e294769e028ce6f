"""SQL tables of the registry (SQLModel, tables only).

The schema is created by ``alembic/versions/0004_careplans.py``; keep the two in
step. Every table is prefixed ``careplan_``. Patient data lives in
``careplan_patient``, ``careplan_phone`` and ``careplan_plan`` only; the audit,
conflict and notification tables hold ids, never names or numbers.

Datetimes are timezone-aware UTC (``datetime.now(UTC)``); dates are plain dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Patient(SQLModel, table=True):
    """A person with at least one plan, keyed by NHS number."""

    __tablename__ = "careplan_patient"

    id: int | None = Field(default=None, primary_key=True)
    nhs_number: str = Field(max_length=10, unique=True, index=True)
    family_name: str | None = Field(default=None, max_length=128)
    given_name: str | None = Field(default=None, max_length=128)
    birth_date: date | None = None
    postcode: str | None = Field(default=None, max_length=8)
    created_at: datetime
    updated_at: datetime


class Phone(SQLModel, table=True):
    """A number a patient may call from, as stated by one plan's record (E.164).

    Phones hang off the plan that stated them, so re-importing a record
    replaces exactly its own numbers. Several patients may share a number (a
    care home, a family landline): the lookup then asks to confirm identity
    instead of picking one.
    """

    __tablename__ = "careplan_phone"
    __table_args__ = (UniqueConstraint("plan_id", "e164", name="uq_careplan_phone"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: str = Field(foreign_key="careplan_plan.id", index=True, ondelete="CASCADE")
    patient_id: int = Field(foreign_key="careplan_patient.id", index=True, ondelete="CASCADE")
    e164: str = Field(max_length=20, index=True)


class Plan(SQLModel, table=True):
    """One care or crisis plan from one source; ``(source, source_record_id)`` is unique.

    ``superseded_by`` names the plan shown instead of this one when another
    source holds a more recently reviewed plan of the same type for the patient
    (``careplans.precedence``).
    """

    __tablename__ = "careplan_plan"
    __table_args__ = (
        UniqueConstraint("source", "source_record_id", name="uq_careplan_plan_source_record"),
    )

    id: str = Field(primary_key=True, max_length=32)
    patient_id: int = Field(foreign_key="careplan_patient.id", index=True, ondelete="CASCADE")
    plan_type: str = Field(max_length=32)
    summary: str = Field(max_length=400)
    detail: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    dnacpr: bool | None = None
    respect_form: bool | None = None
    preferred_place_of_care: str | None = Field(default=None, max_length=255)
    key_contacts: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    crisis_instructions: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    owner_organisation: str | None = Field(default=None, max_length=255)
    reviewed_on: date | None = None
    expires_on: date | None = None
    consent_to_share: bool = True
    active: bool = True
    source: str = Field(max_length=64)
    source_record_id: str = Field(max_length=128)
    superseded_by: str | None = Field(default=None, max_length=32)
    created_at: datetime
    updated_at: datetime


class PlanConflict(SQLModel, table=True):
    """Two plans of one patient and type disagree: flagged for a person to review.

    ``plan_a`` < ``plan_b`` (ids sorted) so a pair is flagged once, whichever wins.
    ``fields`` names what differs, never the values.
    """

    __tablename__ = "careplan_conflict"
    __table_args__ = (UniqueConstraint("plan_a", "plan_b", name="uq_careplan_conflict_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="careplan_patient.id", index=True, ondelete="CASCADE")
    plan_type: str = Field(max_length=32)
    plan_a: str = Field(max_length=32)
    plan_b: str = Field(max_length=32)
    winner_plan_id: str = Field(max_length=32)
    fields: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    detected_at: datetime
    resolved_at: datetime | None = Field(default=None, index=True)


class PlanAccess(SQLModel, table=True):
    """The audit of plan reads: who or what, which plan, why, when.

    ``actor`` is ``user:<username>`` or ``system:<component>``; ``purpose`` is
    a fixed vocabulary (``careplans.audit.Purpose``), never free text.
    """

    __tablename__ = "careplan_access"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(max_length=96)
    action: str = Field(max_length=16)
    purpose: str = Field(max_length=32)
    plan_id: str = Field(max_length=32, index=True)
    call_id: str | None = Field(default=None, max_length=64, index=True)


class PlanNotification(SQLModel, table=True):
    """A plan-available notification waiting for, or past, delivery (a durable outbox row).

    Holds only what the message carries: call id, plan type, where to view it.
    """

    __tablename__ = "careplan_notification"
    __table_args__ = (UniqueConstraint("call_id", "plan_id", name="uq_careplan_notification"),)

    id: str = Field(primary_key=True, max_length=32)
    call_id: str = Field(max_length=64)
    plan_id: str = Field(max_length=32)
    plan_type: str = Field(max_length=32)
    view_url: str = Field(max_length=512)
    status: str = Field(max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(index=True)
    created_at: datetime
    delivered_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=255)
