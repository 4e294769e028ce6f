"""routing-script versions, the published alias and the audit log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Tables of ``ivr_scripts.store``: keep the two in step.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "script_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("script", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.UniqueConstraint("script", "version", name="uq_script_version"),
    )
    op.create_index("ix_script_version_script", "script_version", ["script"])

    op.create_table(
        "script_publication",
        sa.Column("script", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(128), nullable=False),
    )

    op.create_table(
        "script_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("script", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("previous_version", sa.Integer(), nullable=True),
        sa.Column("checksum", sa.String(64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
    )
    op.create_index("ix_script_audit_at", "script_audit", ["at"])
    op.create_index("ix_script_audit_script", "script_audit", ["script"])


def downgrade() -> None:
    op.drop_index("ix_script_audit_script", table_name="script_audit")
    op.drop_index("ix_script_audit_at", table_name="script_audit")
    op.drop_table("script_audit")
    op.drop_table("script_publication")
    op.drop_index("ix_script_version_script", table_name="script_version")
    op.drop_table("script_version")
