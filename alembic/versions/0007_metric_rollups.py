"""metric roll-ups: IUC ADC items per scope per bucket, for the dashboards' history

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_rollup",
        sa.Column("scope_kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("bucket_s", sa.Integer(), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("a01_received", sa.Integer(), nullable=False),
        sa.Column("a02_ivr_routed", sa.Integer(), nullable=False),
        sa.Column("a03_answered", sa.Integer(), nullable=False),
        sa.Column("b01_answered_60s", sa.Integer(), nullable=False),
        sa.Column("b02_abandoned", sa.Integer(), nullable=False),
        sa.Column("b03_abandoned_30s", sa.Integer(), nullable=False),
        sa.Column("b04_abandoned_30_60s", sa.Integer(), nullable=False),
        sa.Column("b05_abandoned_over_60s", sa.Integer(), nullable=False),
        sa.Column("b06_mean_answer_s", sa.Float(), nullable=True),
        sa.Column("b07_p95_answer_s", sa.Float(), nullable=True),
        sa.Column("b09_abandoned_time_s", sa.Float(), nullable=False),
        sa.Column("callbacks_offered", sa.Integer(), nullable=False),
        sa.Column("callbacks_made", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope_kind", "scope", "bucket_s", "bucket_start"),
    )


def downgrade() -> None:
    op.drop_table("metric_rollup")
