"""The durable outbox of plan-available notifications (SQL side; delivery is the caller's).

Theory of operation: a notification is a row before it is a request. It is
written in the same transaction as the call's audit rows (``enqueue``), so a
restart between "plan found" and "webhook sent" loses nothing. A worker claims
due rows (``claim_due``) by pushing their ``next_attempt_at`` forward by a lease:
on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so several workers never claim the
same row; a worker that dies mid-delivery leaves rows that come due again when
the lease runs out. Each attempt ends in ``mark_delivered`` (the receiver
acknowledged with 2xx) or ``mark_failed`` (retry after a backoff, or ``dead``
once the notification is older than its maximum age, for an operator to see and
``replay``).

Delivery is at least once; the ``Idempotency-Key`` header lets receivers drop
repeats.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, select

from careplans.tables import PlanNotification


class Status(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A notification claimed for one delivery attempt."""

    id: str
    call_id: str
    plan_type: str
    view_url: str
    created_at: datetime
    attempts: int


def enqueue(
    session: Session,
    *,
    call_id: str,
    plans: Iterable[tuple[str, str, str]],
    now: datetime,
) -> list[str]:
    """Add one pending notification per ``(plan_id, plan_type, view_url)``.

    A (call, plan) pair already queued is not queued again. Returns the new ids.
    """
    wanted = list(plans)
    if not wanted:
        return []
    known = set(
        session.exec(
            select(PlanNotification.plan_id).where(
                col(PlanNotification.call_id) == call_id,
                col(PlanNotification.plan_id).in_([p for p, _, _ in wanted]),
            )
        )
    )
    ids = []
    for plan_id, plan_type, view_url in wanted:
        if plan_id in known:
            continue
        known.add(plan_id)
        row = PlanNotification(
            id=uuid.uuid4().hex,
            call_id=call_id,
            plan_id=plan_id,
            plan_type=plan_type,
            view_url=view_url,
            status=Status.PENDING.value,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        ids.append(row.id)
    session.flush()
    return ids


def claim_due(
    session: Session, *, now: datetime, lease: timedelta, limit: int = 20
) -> list[Claimed]:
    """Claim pending notifications that are due; they come due again after ``lease``."""
    query = (
        select(PlanNotification)
        .where(
            col(PlanNotification.status) == Status.PENDING.value,
            col(PlanNotification.next_attempt_at) <= now,
        )
        .order_by(col(PlanNotification.next_attempt_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for row in session.exec(query):
        row.next_attempt_at = now + lease
        row.attempts += 1
        session.add(row)
        claimed.append(
            Claimed(row.id, row.call_id, row.plan_type, row.view_url, row.created_at, row.attempts)
        )
    return claimed


def mark_delivered(session: Session, notification_id: str, *, now: datetime) -> None:
    session.execute(
        sa.update(PlanNotification)
        .where(col(PlanNotification.id) == notification_id)
        .values(status=Status.DELIVERED.value, delivered_at=now, last_error=None)
    )


def mark_failed(
    session: Session,
    notification_id: str,
    *,
    now: datetime,
    retry_at: datetime,
    error: str,
    max_age: timedelta,
) -> Status:
    """Record a failed attempt: retry at ``retry_at``, or ``dead`` past ``max_age``."""
    row = session.get(PlanNotification, notification_id)
    if row is None or row.status != Status.PENDING.value:
        return Status(row.status) if row is not None else Status.DEAD
    row.last_error = error[:255]
    if now - row.created_at >= max_age:
        row.status = Status.DEAD.value
    else:
        row.next_attempt_at = retry_at
    session.add(row)
    return Status(row.status)


def replay(session: Session, *, now: datetime, ids: Iterable[str] | None = None) -> int:
    """Put dead notifications back in the queue (all, or ``ids``); returns how many."""
    query = (
        sa.update(PlanNotification)
        .where(col(PlanNotification.status) == Status.DEAD.value)
        .values(status=Status.PENDING.value, next_attempt_at=now, created_at=now)
    )
    if ids is not None:
        query = query.where(col(PlanNotification.id).in_(list(ids)))
    result = session.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def counts(session: Session) -> dict[str, int]:
    """Notifications by status (for ``/readyz``-style reporting and tests)."""
    rows = session.exec(
        select(PlanNotification.status, sa.func.count()).group_by(col(PlanNotification.status))
    )
    return {status: int(n) for status, n in rows}
