"""threshold alerts: alerts, their transitions, and the rule sets admins saved

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

OPEN_WHERE = sa.text("state IN ('raised', 'acknowledged')")


def _tz() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("raised_at", _tz(), nullable=False),
        sa.Column("updated_at", _tz(), nullable=False),
        sa.Column("acknowledged_at", _tz(), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("cleared_at", _tz(), nullable=True),
    )
    op.create_index("ix_alert_state", "alert", ["state"])
    op.create_index("ix_alert_raised_at", "alert", ["raised_at"])
    op.create_index(
        "ux_alert_open",
        "alert",
        ["rule", "scope_kind", "scope"],
        unique=True,
        sqlite_where=OPEN_WHERE,
        postgresql_where=OPEN_WHERE,
    )

    op.create_table(
        "alert_transition",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.String(32), sa.ForeignKey("alert.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", _tz(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("by", sa.String(64), nullable=True),
    )
    op.create_index("ix_alert_transition_alert_id", "alert_transition", ["alert_id"])

    op.create_table(
        "alert_rule_set",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("saved_by", sa.String(64), nullable=False),
        sa.Column("saved_at", _tz(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_rule_set")
    op.drop_index("ix_alert_transition_alert_id", table_name="alert_transition")
    op.drop_table("alert_transition")
    op.drop_index("ux_alert_open", table_name="alert")
    op.drop_index("ix_alert_raised_at", table_name="alert")
    op.drop_index("ix_alert_state", table_name="alert")
    op.drop_table("alert")
