"""The never-drop path: when the overlay cannot connect anyone, the dialplan can.

After a second failed destination, or an unexpected error, the caller is handed
to the dialplan's default route (five tries, backing off). On shutdown (the
session task is being cancelled) one handover is tried, shielded so that the
cancellation cannot cut it in half.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from callflow.ari import AriError, AriNotFound
from callflow.sessions.record import Outcome

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)


class LastResort:
    """Hands one session's caller to the dialplan's default route."""

    def __init__(self, session: CallSession) -> None:
        self.session = session

    async def to_dialplan(self, reason: str) -> None:
        """ARI could not connect anyone: hand the caller to the dialplan's default route."""
        session = self.session
        facts = session.facts
        await session.note_fallback(reason)
        await session.drop_leg()
        if not session.channel_id:
            # A call-back not yet made has no line to hand over.
            facts.outcome = Outcome.FAILED
            log.error("call %s: call-back could not be completed (%s)", session.call_id, reason)
            return
        target = session.deps.destinations.current.dialplan_fallback
        for attempt in range(5):
            try:
                await session.deps.ari.continue_in_dialplan(
                    session.channel_id,
                    context=target.context,
                    extension=target.extension,
                    priority=target.priority,
                )
            except AriNotFound:
                facts.outcome = Outcome.ABANDONED
                facts.ended_by = "caller"
                return
            except AriError as exc:
                log.warning(
                    "call %s: dialplan handover attempt %d failed (%s)",
                    session.call_id,
                    attempt + 1,
                    type(exc).__name__,
                )
                await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            facts.outcome = Outcome.CONTINUED
            facts.destination = f"dialplan:{target.extension}"
            facts.ended_by = "handover"
            return
        facts.outcome = Outcome.FAILED
        log.error("call %s: could not hand over to the dialplan", session.call_id)

    async def at_shutdown(self, reason: str) -> None:
        """One shielded handover of a caller still on the line; failure is only logged."""
        session = self.session
        if session.facts.outcome is not Outcome.IN_PROGRESS or not session.channel_id:
            return
        try:
            await asyncio.shield(self._handover_once(reason))
        except (asyncio.CancelledError, AriError):
            log.warning("call %s: handover on shutdown failed", session.call_id)

    async def _handover_once(self, reason: str) -> None:
        facts = self.session.facts
        facts.fallback_reason = facts.fallback_reason or reason
        target = self.session.deps.destinations.current.dialplan_fallback
        await self.session.deps.ari.continue_in_dialplan(
            self.session.channel_id, context=target.context, extension=target.extension
        )
        facts.outcome = Outcome.CONTINUED
        facts.destination = f"dialplan:{target.extension}"
