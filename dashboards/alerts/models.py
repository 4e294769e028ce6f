"""SQL tables of the alerts: alerts, their transitions, and the saved rule sets.

The schema is created by ``alembic/versions/0008_alerts.py``; keep the two in step.

``alert`` holds one row per alert (one rule on one scope, from raised to
cleared); ``ux_alert_open`` lets at most one alert per rule and scope be open
(raised or acknowledged) at a time, so two instances, or one restarted,
cannot raise the same alert twice. ``alert_transition`` is the audit trail.
``alert_rule_set`` keeps every rule set an admin saved; the newest is live.
Every column holds a code, a figure or a staff username: no patient data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, String, text
from sqlmodel import Field, SQLModel

OPEN_WHERE = text("state IN ('raised', 'acknowledged')")


class Alert(SQLModel, table=True):
    """One alert: a rule breached on one scope, from raised until cleared."""

    __tablename__ = "alert"
    __table_args__ = (
        Index(
            "ux_alert_open",
            "rule",
            "scope_kind",
            "scope",
            unique=True,
            sqlite_where=OPEN_WHERE,
            postgresql_where=OPEN_WHERE,
        ),
        Index("ix_alert_raised_at", "raised_at"),
    )

    id: str = Field(primary_key=True, max_length=32)
    rule: str = Field(max_length=64)
    scope_kind: str = Field(max_length=16)
    scope: str = Field(max_length=64)
    state: str = Field(max_length=16, index=True)
    metric: str = Field(max_length=32)
    value: float | None = None
    threshold: float
    severity: str = Field(max_length=16)
    title: str = Field(max_length=200)
    raised_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
    acknowledged_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    acknowledged_by: str | None = Field(default=None, max_length=64)
    cleared_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AlertTransition(SQLModel, table=True):
    """One transition of one alert: raised, updated, acknowledged or cleared."""

    __tablename__ = "alert_transition"

    id: int | None = Field(default=None, primary_key=True)
    alert_id: str = Field(
        sa_column=Column(String(32), ForeignKey("alert.id"), nullable=False, index=True)
    )
    kind: str = Field(max_length=16)
    at: datetime = Field(sa_type=DateTime(timezone=True))
    value: float | None = None
    by: str | None = Field(default=None, max_length=64)


class AlertRuleSet(SQLModel, table=True):
    """A rule set as an admin saved it; the row with the highest id is live."""

    __tablename__ = "alert_rule_set"

    id: int | None = Field(default=None, primary_key=True)
    rules: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    saved_by: str = Field(max_length=64)
    saved_at: datetime = Field(sa_type=DateTime(timezone=True))


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
