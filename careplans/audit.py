"""The plan-access audit: every read of a plan leaves a row (DESIGN principle 7).

Reads and their audit rows are written in the same transaction by the callers
(``careplans.queries``), so no plan leaves the registry without its row.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from careplans.tables import PlanAccess


class Purpose(StrEnum):
    """Why a plan was read (a fixed vocabulary: free text could carry patient data)."""

    CALL = "call"
    """A call matched the plan (caller number or NHS number)."""
    DIRECT_CARE = "direct-care"
    """A provider looked the patient up to care for them."""
    REVIEW = "review"
    """Reconciling sources after a flagged conflict."""


class Action(StrEnum):
    MATCH = "match"
    """The call lookup surfaced the plan's summary."""
    LIST = "list"
    """A listing showed the plan."""
    READ = "read"
    """The whole plan was read."""


def record_access(
    session: Session,
    *,
    plan_ids: Iterable[str],
    actor: str,
    action: Action,
    purpose: Purpose,
    at: datetime,
    call_id: str | None = None,
) -> int:
    """Add one audit row per plan to ``session``; returns how many."""
    count = 0
    for plan_id in plan_ids:
        session.add(
            PlanAccess(
                at=at,
                actor=actor[:96],
                action=action.value,
                purpose=purpose.value,
                plan_id=plan_id,
                call_id=call_id,
            )
        )
        count += 1
    return count
