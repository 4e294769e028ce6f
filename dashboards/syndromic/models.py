"""SQL tables of syndromic surveillance (schema: ``alembic/versions/0009_syndromic.py``).

Every routed call leaves one ``syndromic_call`` row keyed by its call id; the
hourly and daily counts are incremented in the same transaction, only when
that row is new, so a call the stream delivers twice is counted once. Only
codes and counts are kept: indicator labels, a postcode district or pathway
id, never anything a caller said.

Proposal states::

    proposed ──approve (or auto_apply)──> applied ──expires_at──> expired
       ├──reject──> rejected
       └──expires_at, nobody decided──> expired
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import Date, DateTime, Index, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ProposalStatus(StrEnum):
    """Where a proposed front-end message is; stored by value, so never rename a member."""

    PROPOSED = "proposed"
    APPLIED = "applied"
    REJECTED = "rejected"
    EXPIRED = "expired"


OPEN_STATUSES = (ProposalStatus.PROPOSED.value, ProposalStatus.APPLIED.value)
"""Proposals that still wait for a decision or still hold a flag up."""


class SyndromicCall(SQLModel, table=True):
    """A routed call as surveillance saw it; the dedupe set and the start of history."""

    __tablename__ = "syndromic_call"

    call_id: str = Field(primary_key=True, max_length=64)
    at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    area: str = Field(max_length=64)
    indicators: str = Field(default="", max_length=512)
    """Sorted comma-separated labels; empty when the call carried none."""


class SyndromicHourly(SQLModel, table=True):
    """Calls with ``indicator`` in ``area`` during the UTC hour starting at ``hour``."""

    __tablename__ = "syndromic_hourly"

    indicator: str = Field(primary_key=True, max_length=64)
    area: str = Field(primary_key=True, max_length=64)
    hour: datetime = Field(primary_key=True, sa_type=DateTime(timezone=True))
    calls: int = 0


class SyndromicDaily(SQLModel, table=True):
    """Calls with ``indicator`` in ``area`` on one local calendar day."""

    __tablename__ = "syndromic_daily"

    indicator: str = Field(primary_key=True, max_length=64)
    area: str = Field(primary_key=True, max_length=64)
    day: date = Field(primary_key=True, sa_type=Date())
    calls: int = 0


class SyndromicAlarm(SQLModel, table=True):
    """A detector's alarm; at most one per indicator, area, detector and day."""

    __tablename__ = "syndromic_alarm"
    __table_args__ = (
        UniqueConstraint("indicator", "area", "detector", "day", name="uq_syndromic_alarm_day"),
    )

    id: str = Field(primary_key=True, max_length=32)
    indicator: str = Field(max_length=64)
    area: str = Field(max_length=64)
    detector: str = Field(max_length=32)
    day: date = Field(sa_type=Date(), index=True)
    observed: float
    expected: float | None = None
    threshold: float
    at: datetime = Field(sa_type=DateTime(timezone=True))


class SyndromicProposal(SQLModel, table=True):
    """A front-end message proposed after an alarm, and who decided on it."""

    __tablename__ = "syndromic_proposal"
    __table_args__ = (Index("ix_syndromic_proposal_flag_area", "flag", "area", "status"),)

    id: str = Field(primary_key=True, max_length=32)
    alarm_id: str = Field(max_length=32, index=True)
    indicator: str = Field(max_length=64)
    area: str = Field(max_length=64)
    flag: str = Field(max_length=64)
    message: str = Field(sa_type=Text())
    status: str = Field(default=ProposalStatus.PROPOSED.value, max_length=16)
    created_at: datetime = Field(sa_type=DateTime(timezone=True), index=True)
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    """When an undecided proposal goes stale, or an applied one's flag comes down."""
    hold_s: float
    """How long the flag stays up once applied (the rule's ``expires_after_h``)."""
    decided_by: str | None = Field(default=None, max_length=128)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


CALLS = cast(Table, SyndromicCall.__table__)  # type: ignore[attr-defined]
HOURLY = cast(Table, SyndromicHourly.__table__)  # type: ignore[attr-defined]
DAILY = cast(Table, SyndromicDaily.__table__)  # type: ignore[attr-defined]
ALARMS = cast(Table, SyndromicAlarm.__table__)  # type: ignore[attr-defined]
"""Core tables, for the dialect upserts (``sql.insert_for``)."""
