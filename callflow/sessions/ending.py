"""The end of every call, whatever happened: free what it held, leave its record.

What it held: its queue entry, the clinician offers that reached it too late,
the clinician it took and the bridge. What it leaves: the ``ENDED`` event and
one CallRecord, written with the handoff of a call that reached a destination.
A call whose promised call back went to another instance leaves nothing here:
the instance that makes the call back writes its record.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from callflow.ari import AriError
from callflow.events import CallEventType
from callflow.handoff.bundle import BundleError
from callflow.handoff.models import HandoffOutbox
from callflow.handoff.outbox import write_record_and_handoff
from callflow.sessions.handoff import handoff_facts
from callflow.sessions.record import Outcome, utcnow
from callflow.sessions.signals import QueueOffer

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)

RECORD_RETRIES = 3


class Ending:
    """Ends one session's call (see the module docstring)."""

    def __init__(self, session: CallSession) -> None:
        self.session = session

    async def clean_up(self) -> None:
        session = self.session
        session.finished = True
        if session.queued is not None:
            with contextlib.suppress(RedisError, OSError):
                await session.deps.queues.cancel(session.call_id, session.queued)
        # Offers that reached us too late, and the clinician we held, are freed.
        while not session.queue.empty():
            item = session.queue.get_nowait()
            if isinstance(item, QueueOffer):
                await session.release(item.provider)
        if session.provider is not None:
            await session.release(session.provider)
        if session.bridge is not None:
            try:
                await session.deps.ari.destroy_bridge(session.bridge)
            except AriError:
                log.info("call %s: bridge already gone", session.call_id)
        # Recordings nobody listened to (the caller hung up, or answered with a key).
        for name in sorted(session.recordings):
            await session.discard_recording(name)
        session.deps.router.forget_queue(session.queue)

    async def finish(self) -> None:
        session = self.session
        facts = session.facts
        if session.callbacks.handed_over:
            return  # the instance that makes the call back writes its record
        facts.ended_at = utcnow()
        if facts.outcome is Outcome.IN_PROGRESS:
            facts.outcome = Outcome.FAILED
        session.deps.metrics.calls.labels(outcome=facts.outcome.value).inc()
        await session.publish(
            CallEventType.ENDED,
            outcome=facts.outcome.value,
            destination=facts.destination,
            ended_by=facts.ended_by,
        )
        record = facts.to_record()
        # Building and validating the FHIR bundle takes milliseconds of CPU: off the loop.
        row = await asyncio.to_thread(self._handoff_row)
        for attempt in range(RECORD_RETRIES):
            try:
                if row is None:
                    await session.deps.db.run(lambda sql: sql.merge(record))
                else:
                    # One transaction: a crash can lose neither the record nor the handoff.
                    await session.deps.db.run(
                        lambda sql: write_record_and_handoff(sql, record, row)
                    )
                    session.deps.handoffs.written()
                return
            except Exception:  # SQL driver errors vary by back end; retried, then counted
                log.exception(
                    "call %s: CallRecord write failed (try %d)", session.call_id, attempt + 1
                )
                await asyncio.sleep(0.1 * 2**attempt)
        session.deps.metrics.records_failed.inc()

    def _handoff_row(self) -> HandoffOutbox | None:
        session = self.session
        try:
            facts = handoff_facts(
                session.facts,
                handoff_id=session.handoff_id,
                pathway=session.chosen,
                decision=session.decision,
                classes=session.classes,
                repeat=session.repeat,
                plans=session.plans,
            )
            return None if facts is None else session.deps.handoffs.row_for(facts)
        except BundleError:
            # A bug in the builder: the record is still written, the error counted.
            log.exception("call %s: handoff bundle refused", session.call_id)
            session.deps.metrics.session_errors.inc()
            return None
