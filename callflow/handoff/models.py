"""The outbox table: one row per handoff, written with the CallRecord.

The schema is created by ``alembic/versions/0005_handoff.py``; keep the two in step.

States::

    pending ──claim──> delivering ──2xx──> delivered
       ^                   │  │
       └──failure/backoff──┘  └──failure, attempts used up──> dead
       └───────────── lease expired (worker died) ─────────────┘ (claimable again)
    dead, delivered ──replay (admin)──> pending

``next_attempt_at`` means "due at" for ``pending`` rows and "lease ends at" for
``delivering`` rows: one indexed column answers "what may I claim now?" for
both. ``last_error`` holds a short code (``http-503``, ``timeout``,
``connect-error``): never a response body, never anything from the payload.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel


class OutboxState(StrEnum):
    """Where a handoff is in its delivery; stored by value, so never rename a member."""

    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    DEAD = "dead"


class HandoffOutbox(SQLModel, table=True):
    """A handoff waiting for, or done with, delivery to its provider's webhook."""

    __tablename__ = "handoff_outbox"
    __table_args__ = (Index("ix_handoff_outbox_due", "state", "next_attempt_at"),)

    handoff_id: str = Field(primary_key=True, max_length=64)
    call_id: str = Field(max_length=64, index=True)
    provider: str = Field(max_length=64, index=True)
    url: str | None = Field(default=None, max_length=2048)
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(default=OutboxState.PENDING.value, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=DateTime(timezone=True))
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=64)
    last_status: int | None = None
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
    delivered_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
