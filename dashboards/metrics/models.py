"""The roll-up table: IUC ADC items per scope per bucket, for history.

The schema is created by ``alembic/versions/0007_metric_rollups.py``; keep the
two in step. One row per (scope kind, scope, bucket size, bucket start), so
writing a bucket again (more outcomes came in, or a restart recomputed it)
replaces the row: ``RollupStore.upsert``. Items are columns, not JSON, so SQL
can sum the additive ones over months. The live queue (``waiting_now``,
``longest_wait_s``) is not stored: it has no meaning after the fact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime
from sqlmodel import Field, SQLModel


class MetricRollup(SQLModel, table=True):
    """IUC ADC items of the calls that arrived in one bucket, for one scope."""

    __tablename__ = "metric_rollup"

    scope_kind: str = Field(primary_key=True, max_length=16)
    scope: str = Field(primary_key=True, max_length=64)
    bucket_s: int = Field(primary_key=True)
    bucket_start: datetime = Field(primary_key=True, sa_type=DateTime(timezone=True))
    a01_received: int = 0
    a02_ivr_routed: int = 0
    a03_answered: int = 0
    b01_answered_60s: int = 0
    b02_abandoned: int = 0
    b03_abandoned_30s: int = 0
    b04_abandoned_30_60s: int = 0
    b05_abandoned_over_60s: int = 0
    b06_mean_answer_s: float | None = None
    b07_p95_answer_s: float | None = None
    b09_abandoned_time_s: float = 0.0
    callbacks_offered: int = 0
    callbacks_made: int = 0
    fallbacks: int = 0
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
