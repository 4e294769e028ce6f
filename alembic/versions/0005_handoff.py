"""handoff outbox: one row per handoff, written with the CallRecord

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handoff_outbox",
        sa.Column("handoff_id", sa.String(64), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("last_error", sa.String(64), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_handoff_outbox_call_id", "handoff_outbox", ["call_id"])
    op.create_index("ix_handoff_outbox_provider", "handoff_outbox", ["provider"])
    op.create_index("ix_handoff_outbox_due", "handoff_outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_handoff_outbox_due", table_name="handoff_outbox")
    op.drop_index("ix_handoff_outbox_provider", table_name="handoff_outbox")
    op.drop_index("ix_handoff_outbox_call_id", table_name="handoff_outbox")
    op.drop_table("handoff_outbox")
