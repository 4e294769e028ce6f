"""Proposed front-end messages: created by alarms, decided by commissioners.

Lifecycle (stored in ``syndromic_proposal``)::

    proposed ──approve (or auto_apply)──> applied ──expires_at──> expired
       ├──reject──> rejected
       └──expires_at, nobody decided──> expired

An area gets at most one proposal per flag while one is open, and at most one
per local day: an outbreak that alarms on C2, C3 and the CUSUM, for diarrhoea
and for vomiting, asks the commissioner once, and a rejection is not asked
again the same day.
Decisions are conditional updates (``WHERE status = 'proposed'``), so two
commissioners clicking at once cannot both decide.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from dashboards.syndromic.alarms import Alarm
from dashboards.syndromic.models import OPEN_STATUSES, ProposalStatus, SyndromicProposal
from dashboards.syndromic.rules import MessageRule
from dashboards.syndromic.sql import aware, rowcount
from dashboards.views import ProposalView


def propose(
    session: Session, alarm: Alarm, rule: MessageRule, *, now: datetime, day_start: datetime
) -> SyndromicProposal | None:
    """Propose ``rule``'s message for ``alarm``'s area, unless one is open or was made today."""
    existing = session.exec(
        select(SyndromicProposal.id).where(
            SyndromicProposal.flag == rule.flag,
            SyndromicProposal.area == alarm.area,
            or_(
                col(SyndromicProposal.status).in_(OPEN_STATUSES),
                col(SyndromicProposal.created_at) >= day_start.astimezone(UTC),
            ),
        )
    ).first()
    if existing is not None:
        return None
    now = now.astimezone(UTC)
    proposal = SyndromicProposal(
        id=uuid.uuid4().hex,
        alarm_id=alarm.id,
        indicator=alarm.indicator,
        area=alarm.area,
        flag=rule.flag,
        message=rule.message,
        status=ProposalStatus.PROPOSED.value,
        created_at=now,
        expires_at=now + rule.hold,
        hold_s=rule.hold.total_seconds(),
    )
    session.add(proposal)
    session.flush()
    return proposal


def decide(
    session: Session,
    proposal_id: str,
    status: ProposalStatus,
    *,
    by: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> bool:
    """Move a still-proposed, still-fresh proposal to ``status``; ``False`` if it was not."""
    now = now.astimezone(UTC)
    values: dict[str, object] = {"status": status.value, "decided_by": by, "decided_at": now}
    if expires_at is not None:
        values["expires_at"] = expires_at.astimezone(UTC)
    result = session.execute(
        update(SyndromicProposal)
        .where(
            col(SyndromicProposal.id) == proposal_id,
            col(SyndromicProposal.status) == ProposalStatus.PROPOSED.value,
            col(SyndromicProposal.expires_at) > now,
        )
        .values(**values)
    )
    return rowcount(result) == 1


def expire_due(session: Session, now: datetime) -> int:
    """Mark open proposals whose time is up as expired; returns how many."""
    result = session.execute(
        update(SyndromicProposal)
        .where(
            col(SyndromicProposal.status).in_(OPEN_STATUSES),
            col(SyndromicProposal.expires_at) <= now.astimezone(UTC),
        )
        .values(status=ProposalStatus.EXPIRED.value)
    )
    return rowcount(result)


def status_at(proposal: SyndromicProposal, now: datetime) -> ProposalStatus:
    """The status as of ``now``: an open proposal past ``expires_at`` reads as expired."""
    status = ProposalStatus(proposal.status)
    if status.value in OPEN_STATUSES and aware(proposal.expires_at) <= now:
        return ProposalStatus.EXPIRED
    return status


def proposals_for_view(session: Session, now: datetime, days: int) -> list[SyndromicProposal]:
    """Open proposals and those created in the last ``days`` days, newest first."""
    since = now.astimezone(UTC) - timedelta(days=days)
    return list(
        session.exec(
            select(SyndromicProposal)
            .where(
                or_(
                    col(SyndromicProposal.status).in_(OPEN_STATUSES),
                    col(SyndromicProposal.created_at) >= since,
                )
            )
            .order_by(col(SyndromicProposal.created_at).desc(), col(SyndromicProposal.id))
        ).all()
    )


def proposal_view(proposal: SyndromicProposal, now: datetime) -> ProposalView:
    return ProposalView(
        id=proposal.id,
        indicator=proposal.indicator,
        area=proposal.area,
        flag=proposal.flag,
        message=proposal.message,
        status=status_at(proposal, now).value,
        created_at=aware(proposal.created_at),
        expires_at=aware(proposal.expires_at),
        decided_by=proposal.decided_by,
    )
