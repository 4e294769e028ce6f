"""Care-plan operations shared by the HTTP API, the CLI and the call session.

``PlanService`` is the one object they all call (wazo's ``services.py``):

- ``lookup.for_call(caller, nhs_number)``: the on-call lookup (cache, deadline);
- ``announce(call_id, result)``: after a call found plans, audit the match and
  queue plan-available notifications, in one transaction;
- ``import_content(...)``: parse, store, then invalidate the lookup cache;
- ``patient_plans(...)`` / ``read_plan(...)``: reads for people, each audited.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError
from sqlmodel import Session

from callflow.plans.lookup import PlanLookup
from callflow.plans.notify import PlanNotifier
from callflow.storage import Database
from careplans import outbox, queries
from careplans.audit import Purpose
from careplans.importing import parse_import
from careplans.lookup import LookupResult
from careplans.model import ImportReport
from careplans.registry import Progress, Registry, open_conflicts

log = logging.getLogger(__name__)

CALL_ACTOR = "system:callflow"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PlanService:
    """Care plans for one service instance.

    Args:
        db: the database (migrated to 0004 or later).
        lookup: the on-call lookup (its cache is invalidated after imports).
        view_base_url: public base URL of the API, for "where to view it" links.
        notifier: the plan-available webhook worker, or ``None`` when no
            webhook is configured (matches are still audited).
        clock: "now" in UTC.
    """

    def __init__(
        self,
        db: Database,
        lookup: PlanLookup,
        *,
        view_base_url: str = "http://127.0.0.1:8080",
        notifier: PlanNotifier | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.db = db
        self.lookup = lookup
        self.notifier = notifier
        self._base = view_base_url.rstrip("/")
        self._now = clock
        self.registry = Registry(db.engine, clock=clock)

    def view_url(self, plan_id: str) -> str:
        """Where an authorised reader opens the whole plan."""
        return f"{self._base}/api/careplans/{plan_id}"

    async def for_call(self, caller: str | None, nhs_number: str | None) -> LookupResult:
        """Shorthand for ``lookup.for_call`` (never raises; bounded by its deadline)."""
        return await self.lookup.for_call(caller, nhs_number)

    async def announce(
        self, call_id: str, result: LookupResult, *, actor: str = CALL_ACTOR
    ) -> list[str]:
        """Record that a call found plans: audit rows and notifications, one transaction.

        Call it once the session has used a ``FOUND`` result (other outcomes
        disclosed no plan and are ignored). Announcing the same call twice
        queues nothing new.

        Returns:
            The ids of the notifications queued (empty without a webhook).
        """
        if not result.found:
            return []
        now = self._now()
        plan_ids = [p.plan_id for p in result.plans]
        wanted = [(p.plan_id, p.plan_type.value, self.view_url(p.plan_id)) for p in result.plans]
        notify = self.notifier is not None

        def write(session: Session) -> list[str]:
            queries.record_call_match(
                session, plan_ids=plan_ids, call_id=call_id, actor=actor, at=now
            )
            if not notify:
                return []
            return outbox.enqueue(session, call_id=call_id, plans=wanted, now=now)

        queued = await self.db.run(write)
        if queued and self.notifier is not None:
            self.notifier.wake()
        log.info(
            "call %s: %d care plan(s) announced, %d notification(s) queued",
            call_id, len(plan_ids), len(queued),
        )  # fmt: skip
        return queued

    async def import_content(
        self,
        content: bytes | str,
        *,
        layout: str | None = None,
        source: str | None = None,
        on_progress: Progress | None = None,
    ) -> ImportReport:
        """Parse and store one file, then invalidate the lookup cache.

        Raises:
            UnreadableFileError: the file as a whole cannot be read (nothing stored).
            ValueError: unknown ``layout``.
        """
        batch = await asyncio.to_thread(parse_import, content, layout=layout, source=source)
        report = await asyncio.to_thread(self.registry.store, batch, on_progress)
        try:
            await self.lookup.invalidate()
        except RedisError as exc:
            log.error(
                "care-plan cache not invalidated after import (%s): cached answers "
                "may be stale for up to their TTL",
                type(exc).__name__,
            )
        return report

    async def patient_plans(
        self, nhs_number: str, *, actor: str, purpose: Purpose, call_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every shareable plan of a patient (normalised NHS number); each read audited."""
        now = self._now()
        return await self.db.run(
            lambda s: queries.patient_plans(
                s, nhs_number, actor=actor, purpose=purpose, at=now, call_id=call_id
            )
        )

    async def read_plan(
        self, plan_id: str, *, actor: str, purpose: Purpose, call_id: str | None = None
    ) -> dict[str, Any] | None:
        """One whole plan (``None`` if absent or not shareable); the read is audited."""
        now = self._now()
        return await self.db.run(
            lambda s: queries.read_plan(
                s, plan_id, actor=actor, purpose=purpose, at=now, call_id=call_id
            )
        )

    async def open_conflicts(self) -> list[dict[str, Any]]:
        """Conflicts between sources waiting for review (ids and field names only)."""

        def query(session: Session) -> list[dict[str, Any]]:
            return [
                {
                    "id": c.id,
                    "plan_type": c.plan_type,
                    "plans": [c.plan_a, c.plan_b],
                    "winner_plan_id": c.winner_plan_id,
                    "fields": c.fields,
                    "detected_at": c.detected_at.isoformat(),
                }
                for c in open_conflicts(session)
            ]

        return await self.db.run(query)
