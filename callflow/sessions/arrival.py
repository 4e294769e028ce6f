"""What is known about a caller when the call arrives, before the script starts.

Three lookups run in parallel: the repeat-caller count, the caller's care plans
and the supervisors' live flags. Each has a deadline and a lookup that misses
it, or fails, is skipped rather than waited on: the caller is never held for
context. What they find becomes the script's ``CallContext`` and the call's
priority classes, and is announced with the ``ARRIVED`` event.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from callflow.events import CallEventType
from callflow.routing.policy import UNIDENTIFIED, PriorityClass, RepeatStatus
from careplans import LookupResult, PlanType
from ivr_scripts import CallContext

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)


def _plan_classes(plans: LookupResult | None) -> set[PriorityClass]:
    """A crisis plan is its own class; any other plan marks the caller vulnerable."""
    if plans is None or not plans.found:
        return set()
    if plans.has(PlanType.MENTAL_HEALTH_CRISIS):
        return {PriorityClass.CRISIS_PLAN}
    return {PriorityClass.VULNERABLE}


class Arrival:
    """Looks the caller up and gives one session its context (see the module docstring)."""

    def __init__(self, session: CallSession) -> None:
        self.session = session

    async def look_up(self) -> None:
        session = self.session
        facts = session.facts
        status, plans, flags = await asyncio.gather(
            self._repeat_status(), self._plan_lookup(), self._live_flags()
        )
        session.repeat = status
        session.plans = plans
        session.classes |= status.classes | _plan_classes(plans)
        session.context = CallContext(
            call_id=session.call_id,
            now=facts.arrived_at,
            withheld=facts.caller_withheld,
            repeat_caller=status.repeat,
            care_plans=frozenset(str(t) for t in plans.plan_types) if plans else frozenset(),
            flags=flags,
        )
        await session.publish(
            CallEventType.ARRIVED,
            repeat=status.repeat,
            repeat_count=status.count,
            frequent=status.frequent,
            care_plan=bool(plans and plans.found),
            withheld=facts.caller_withheld,
            script=session.script.name,
            script_version=session.script.version,
            adopted=session.adopted,
        )

    async def _repeat_status(self) -> RepeatStatus:
        """Count this encounter; a lookup that misses its deadline is skipped, not waited on."""
        session = self.session
        try:
            async with asyncio.timeout(session.deps.lookup_deadline_s):
                return await session.deps.repeat.record(
                    session.call_id, session.facts.arrived_at, session.facts.caller
                )
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning(
                "call %s: repeat-caller lookup skipped (%s)", session.call_id, type(exc).__name__
            )
            return UNIDENTIFIED

    async def _plan_lookup(self) -> LookupResult | None:
        """Care plans for this caller; bounded by the lookup's own deadline, never raises."""
        session = self.session
        if session.adopted:
            return None
        result = await session.deps.plans.for_call(session.facts.caller, None)
        if result.found:
            try:
                await session.deps.plans.announce(session.call_id, result)
            except Exception:  # audit/notification storage trouble must not hold the caller
                log.exception("call %s: plan announcement failed", session.call_id)
        return result

    async def _live_flags(self) -> frozenset[str]:
        session = self.session
        try:
            async with asyncio.timeout(session.deps.lookup_deadline_s):
                return await session.deps.flags.current()
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("call %s: live flags skipped (%s)", session.call_id, type(exc).__name__)
            return frozenset()
