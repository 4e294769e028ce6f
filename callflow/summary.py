"""Counts of ended calls, from the CallRecords (the durable truth, not the generator)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from callflow.sessions.record import Outcome
from callflow.storage import Database
from callflow.storage.models import CallRecord


def summarise(records: list[CallRecord]) -> dict[str, Any]:
    """``{"calls", "routed": {destination: n}, "fallback", "abandoned", "errors"}``.

    ``fallback`` counts calls connected to the fallback destination or handed to
    the dialplan's default route; ``errors`` counts calls we failed to place at all.
    """
    routed = Counter(r.destination or "?" for r in records if r.outcome == Outcome.ROUTED)
    outcomes = Counter(r.outcome for r in records)
    return {
        "calls": len(records),
        "routed": dict(sorted(routed.items())),
        "fallback": outcomes[Outcome.FALLBACK] + outcomes[Outcome.CONTINUED],
        "abandoned": outcomes[Outcome.ABANDONED],
        "hung_up": outcomes[Outcome.HUNG_UP],
        "errors": outcomes[Outcome.FAILED] + outcomes[Outcome.IN_PROGRESS],
    }


async def call_summary(db: Database, since: datetime | None = None) -> dict[str, Any]:
    def query(session: Session) -> list[CallRecord]:
        statement = select(CallRecord)
        if since is not None:
            statement = statement.where(CallRecord.arrived_at >= since)
        return list(session.exec(statement).all())

    return summarise(await db.run(query))
