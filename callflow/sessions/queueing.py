"""Phase 2 of a call: from the script's ``Route`` to a connected clinician.

The call joins its pathway's shared queue with a score (arrival time minus its
priority credit) and waits there until a dispatcher gives it a provider's free
clinician; then that provider is connected. While it waits, the call may
overflow to the fallback pathway, be offered a call back
(:mod:`callflow.sessions.callbacks`) and hear the queue companion
(:mod:`callflow.sessions.waiting`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from callflow.ari import ChannelDtmfReceived, PlaybackFinished
from callflow.events import CallEventType
from callflow.routing.policy import PriorityClass, boost_for, queue_score
from callflow.sessions.errors import RouteFailed
from callflow.sessions.indicators import call_indicators, postcode_district
from callflow.sessions.record import Outcome, utcnow
from callflow.sessions.signals import QueueOffer
from callflow.sessions.waiting import QueueCompanion
from ivr_scripts import commands
from nlp.reasons import RED_FLAG

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)

CALLBACK_TRIES = 3


class QueuePhase:
    """Queues one session's call and connects it to the first free clinician."""

    def __init__(self, session: CallSession) -> None:
        self.session = session
        self._companion: QueueCompanion | None = None

    @property
    def talking(self) -> str | None:
        """The playback the queue companion is waiting on, if any (for a resync)."""
        return self._companion.playback if self._companion is not None else None

    async def route(self, decision: commands.Route) -> None:
        """Queue the call on its pathway and connect it to the first free clinician.

        A destination that fails to connect frees its clinician and the call goes
        back in the queue, on the fallback pathway, with its original score (it
        keeps its place). A second failure hands the call to the dialplan.
        """
        session = self.session
        destinations = session.deps.destinations.current
        session.facts.routed_at = utcnow()
        session.deps.metrics.observe_decision(asyncio.get_running_loop().time() - session.started)
        pathway, reason = decision.destination, decision.fallback_reason
        if pathway not in destinations.pathways:
            pathway, reason = destinations.fallback, reason or "unknown-destination"
        elif not destinations.open_providers_for(pathway, utcnow()):
            pathway, reason = destinations.fallback, reason or "pathway-closed"
        session.chosen = pathway if reason is None else None
        session.decision = decision
        context = session.context
        if RED_FLAG in context.reasons:
            session.classes.add(PriorityClass.RED_FLAG)
        boost = boost_for(session.classes, extra_s=float(decision.priority_s))
        score = queue_score(session.facts.arrived_at.timestamp(), boost)
        session.queued_since = asyncio.get_running_loop().time()
        await session.publish(
            CallEventType.ROUTING,
            pathway=pathway,
            fallback=reason is not None,
            priority_classes=",".join(sorted(session.classes)) or "standard",
            boost_s=boost,
            indicators=",".join(call_indicators(context.reasons, decision.pathway)),
            area=postcode_district(decision.caller_data),
        )
        if reason is not None:
            await session.note_fallback(reason)
        session.score = score
        await self.serve(pathway, score)

    async def serve(self, pathway: str, score: float, offered: str | None = None) -> None:
        """Wait for a clinician (unless ``offered`` one already) and connect the caller."""
        session = self.session
        destinations = session.deps.destinations.current
        callback_tries = 0
        attempt = 0
        while attempt < 2:
            try:
                if offered is not None:
                    provider, offered = offered, None
                    session.provider = provider
                else:
                    provider = await self._wait(pathway, score)
            except (RedisError, OSError) as exc:
                # No shared queue: dial the pathway's first provider directly.
                log.warning("call %s: queue unavailable (%s)", session.call_id, type(exc).__name__)
                await session.note_fallback("queue-unavailable")
                session.queued = None
                provider = (
                    destinations.open_providers_for(pathway, utcnow())
                    or destinations.providers_for(pathway)
                )[0]
            if session.callbacks.number is not None and not session.channel_id:
                try:
                    await session.callbacks.call_back()
                except RouteFailed as failure:
                    # Nobody answered the call back: keep the place, try again later.
                    await session.release(provider)
                    callback_tries += 1
                    if callback_tries >= CALLBACK_TRIES:
                        # Promised and not reached: the case still goes to the provider
                        # whose clinician was free, for them to try (never lose a call).
                        session.facts.outcome = Outcome.ABANDONED
                        session.facts.fallback_reason = f"callback-{failure.reason}"
                        session.facts.ended_by = "caller"
                        session.facts.destination = provider
                        session.facts.unreached = (
                            f"{callback_tries} call backs not answered ({failure.reason})"
                        )
                        return
                    continue
            try:
                await session.connecting.connect(provider)
            except RouteFailed as failure:
                await session.release(provider)
                if attempt == 1:
                    await session.last_resort.to_dialplan(failure.reason)
                    return
                attempt += 1
                await session.note_fallback(failure.reason)
                pathway = destinations.fallback
                continue
            await session.connecting.stay_connected()
            return

    async def _wait(self, pathway: str, score: float) -> str:
        """Wait in the shared queue until a provider's clinician takes the call.

        Past the maximum wait the call overflows to the fallback pathway, keeping
        its score, so it lands ahead of everyone who arrived after it there. After
        ``callback_offer_after_s`` an identified caller is offered a call back: on
        "1" their line is released and the queue entry stays exactly where it was.
        """
        session = self.session
        deps = session.deps
        callbacks = session.callbacks
        if callbacks.number is None:
            await session.hold_music()
        await deps.queues.enqueue(session.call_id, pathway, score, owner=deps.instance)
        session.queued = pathway
        deps.poke_dispatcher()
        loop = asyncio.get_running_loop()
        overflow_at: float | None = loop.time() + deps.queue_max_wait_s
        offer_at = callbacks.offer_time()
        estimate_at: float | None = None
        if deps.queue_overflow_expected_s > 0:
            # Soon after joining (a known long queue is left at once), then periodically.
            estimate_at = loop.time() + 1.0
        companion = self._companion = QueueCompanion(session, deps.waiting)
        while True:
            due = [
                t for t in (overflow_at, offer_at, estimate_at, companion.due_at) if t is not None
            ]
            timeout = max(0.0, min(due) - loop.time()) if due else None
            try:
                item = await asyncio.wait_for(session.queue.get(), timeout)
            except TimeoutError:
                now = loop.time()
                if offer_at is not None and now >= offer_at:
                    offer_at = None
                    await callbacks.offer()
                if overflow_at is not None and now >= overflow_at:
                    overflow_at = None
                    pathway = await self._overflow(pathway, score)
                if estimate_at is not None and now >= estimate_at:
                    estimate_at = now + deps.expected_wait_check_s
                    estimate = await deps.queues.expected_wait_s(session.call_id, pathway)
                    wait = estimate[1] if estimate else None
                    if wait is not None and wait > deps.queue_overflow_expected_s:
                        pathway = await self._overflow(pathway, score, "expected-wait-overflow")
                offered: QueueOffer | None = None
                if companion.due_at is not None and now >= companion.due_at:
                    if callbacks.offer_playback is not None or not session.channel_id:
                        companion.postpone(5.0)  # the callback offer has the caller's ear
                    else:
                        offered = await companion.run()
                if offered is None:
                    continue
                item = offered
            if isinstance(item, QueueOffer):
                session.queued = None
                session.provider = item.provider
                return item.provider
            session.check_caller_gone(item)
            if isinstance(item, PlaybackFinished) and item.playback.id == callbacks.offer_playback:
                callbacks.offer_playback = None
                await session.hold_music()
            elif (
                isinstance(item, ChannelDtmfReceived)
                and item.channel.id == session.channel_id
                and item.digit == "1"
                and callbacks.offer_made
            ):
                await callbacks.accept()

    async def _overflow(self, pathway: str, score: float, reason: str = "queue-overflow") -> str:
        session = self.session
        deps = session.deps
        fallback = deps.destinations.current.fallback
        if pathway != fallback and await deps.queues.cancel(session.call_id, pathway):
            await session.note_fallback(reason)
            await deps.queues.enqueue(session.call_id, fallback, score, owner=deps.instance)
            session.queued = fallback
            deps.poke_dispatcher()
            return fallback
        return pathway
