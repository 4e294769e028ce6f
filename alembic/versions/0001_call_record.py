"""call records

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_record",
        sa.Column("call_id", sa.String(64), primary_key=True),
        sa.Column("channel_id", sa.String(128), nullable=False, index=True),
        sa.Column("asterisk_id", sa.String(64), nullable=True),
        sa.Column("caller", sa.String(64), nullable=True),
        sa.Column("caller_withheld", sa.Boolean(), nullable=False),
        sa.Column("script", sa.String(128), nullable=False),
        sa.Column("script_version", sa.String(64), nullable=False),
        sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("routed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("destination", sa.String(64), nullable=True, index=True),
        sa.Column("menu_path", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False, index=True),
        sa.Column("fallback_reason", sa.String(255), nullable=True),
        sa.Column("ended_by", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("call_record")
