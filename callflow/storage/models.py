"""SQL tables of the call-control service.

SQLModel is used for tables only (pydantic models sit at the HTTP edges). Every
table change ships with an Alembic revision in ``alembic/versions``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class CallRecord(SQLModel, table=True):
    """The CDR: one row per call, written when the call ends.

    ``caller`` is the caller id as presented (needed to recognise repeat
    callers); it is patient data and never goes to logs or metrics.
    """

    __tablename__ = "call_record"

    call_id: str = Field(primary_key=True, max_length=64)
    channel_id: str = Field(max_length=128, index=True)
    asterisk_id: str | None = Field(default=None, max_length=64)
    caller: str | None = Field(default=None, max_length=64)
    caller_withheld: bool = False
    script: str = Field(max_length=128)
    script_version: str = Field(max_length=64)
    arrived_at: datetime = Field(index=True)
    answered_at: datetime | None = None
    routed_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    destination: str | None = Field(default=None, max_length=64, index=True)
    menu_path: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(max_length=32, index=True)
    fallback_reason: str | None = Field(default=None, max_length=255)
    ended_by: str | None = Field(default=None, max_length=32)
    captured: list[dict[str, object]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    """Fields captured by speech and their confidence: names and numbers, never values."""
