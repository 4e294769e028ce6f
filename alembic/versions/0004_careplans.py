"""care and crisis plans: patients, phones, plans, conflicts, access audit, notifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "careplan_patient",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("nhs_number", sa.String(10), nullable=False),
        sa.Column("family_name", sa.String(128), nullable=True),
        sa.Column("given_name", sa.String(128), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("postcode", sa.String(8), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
    )
    op.create_index(
        "ix_careplan_patient_nhs_number", "careplan_patient", ["nhs_number"], unique=True
    )

    op.create_table(
        "careplan_plan",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("careplan_patient.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("plan_type", sa.String(32), nullable=False),
        sa.Column("summary", sa.String(400), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("dnacpr", sa.Boolean(), nullable=True),
        sa.Column("respect_form", sa.Boolean(), nullable=True),
        sa.Column("preferred_place_of_care", sa.String(255), nullable=True),
        sa.Column("key_contacts", sa.JSON(), nullable=False),
        sa.Column("crisis_instructions", sa.Text(), nullable=True),
        sa.Column("owner_organisation", sa.String(255), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("source_record_id", sa.String(128), nullable=False),
        sa.Column("superseded_by", sa.String(32), nullable=True),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.UniqueConstraint("source", "source_record_id", name="uq_careplan_plan_source_record"),
    )
    op.create_index("ix_careplan_plan_patient_id", "careplan_plan", ["patient_id"])

    op.create_table(
        "careplan_phone",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "plan_id",
            sa.String(32),
            sa.ForeignKey("careplan_plan.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("careplan_patient.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("e164", sa.String(20), nullable=False),
        sa.UniqueConstraint("plan_id", "e164", name="uq_careplan_phone"),
    )
    op.create_index("ix_careplan_phone_plan_id", "careplan_phone", ["plan_id"])
    op.create_index("ix_careplan_phone_patient_id", "careplan_phone", ["patient_id"])
    op.create_index("ix_careplan_phone_e164", "careplan_phone", ["e164"])

    op.create_table(
        "careplan_conflict",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("careplan_patient.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("plan_type", sa.String(32), nullable=False),
        sa.Column("plan_a", sa.String(32), nullable=False),
        sa.Column("plan_b", sa.String(32), nullable=False),
        sa.Column("winner_plan_id", sa.String(32), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("detected_at", _tz(), nullable=False),
        sa.Column("resolved_at", _tz(), nullable=True),
        sa.UniqueConstraint("plan_a", "plan_b", name="uq_careplan_conflict_pair"),
    )
    op.create_index("ix_careplan_conflict_patient_id", "careplan_conflict", ["patient_id"])
    op.create_index("ix_careplan_conflict_resolved_at", "careplan_conflict", ["resolved_at"])

    op.create_table(
        "careplan_access",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("actor", sa.String(96), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=True),
    )
    op.create_index("ix_careplan_access_at", "careplan_access", ["at"])
    op.create_index("ix_careplan_access_plan_id", "careplan_access", ["plan_id"])
    op.create_index("ix_careplan_access_call_id", "careplan_access", ["call_id"])

    op.create_table(
        "careplan_notification",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("plan_type", sa.String(32), nullable=False),
        sa.Column("view_url", sa.String(512), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _tz(), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("delivered_at", _tz(), nullable=True),
        sa.Column("last_error", sa.String(255), nullable=True),
        sa.UniqueConstraint("call_id", "plan_id", name="uq_careplan_notification"),
    )
    op.create_index("ix_careplan_notification_status", "careplan_notification", ["status"])
    op.create_index(
        "ix_careplan_notification_next_attempt_at", "careplan_notification", ["next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_table("careplan_notification")
    op.drop_table("careplan_access")
    op.drop_table("careplan_conflict")
    op.drop_table("careplan_phone")
    op.drop_table("careplan_plan")
    op.drop_table("careplan_patient")
