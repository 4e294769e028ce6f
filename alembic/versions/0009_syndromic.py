"""syndromic surveillance: routed calls, hourly and daily counts, alarms, proposals

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "syndromic_call",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("indicators", sa.String(512), nullable=False),
    )
    op.create_index("ix_syndromic_call_at", "syndromic_call", ["at"])
    op.create_table(
        "syndromic_hourly",
        sa.Column("indicator", sa.String(64), primary_key=True),
        sa.Column("area", sa.String(64), primary_key=True),
        sa.Column("hour", _tz(), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
    )
    op.create_table(
        "syndromic_daily",
        sa.Column("indicator", sa.String(64), primary_key=True),
        sa.Column("area", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
    )
    op.create_table(
        "syndromic_alarm",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("detector", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("observed", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("at", _tz(), nullable=False),
        sa.UniqueConstraint("indicator", "area", "detector", "day", name="uq_syndromic_alarm_day"),
    )
    op.create_index("ix_syndromic_alarm_day", "syndromic_alarm", ["day"])
    op.create_table(
        "syndromic_proposal",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("alarm_id", sa.String(32), nullable=False),
        sa.Column("indicator", sa.String(64), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("flag", sa.String(64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _tz(), nullable=False),
        sa.Column("expires_at", _tz(), nullable=False),
        sa.Column("hold_s", sa.Float(), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", _tz(), nullable=True),
    )
    op.create_index("ix_syndromic_proposal_alarm_id", "syndromic_proposal", ["alarm_id"])
    op.create_index("ix_syndromic_proposal_created_at", "syndromic_proposal", ["created_at"])
    op.create_index(
        "ix_syndromic_proposal_flag_area", "syndromic_proposal", ["flag", "area", "status"]
    )


def downgrade() -> None:
    op.drop_table("syndromic_proposal")
    op.drop_table("syndromic_alarm")
    op.drop_table("syndromic_daily")
    op.drop_table("syndromic_hourly")
    op.drop_table("syndromic_call")
