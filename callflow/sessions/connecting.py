"""Connecting a destination with the caller, and the connected call (phase 3).

The destination's endpoint is originated with a client-chosen id, registered
before the request so that no event can outrun our bookkeeping, and bridged
with the caller once it answers. A destination that cannot be connected raises
``RouteFailed`` (a reason code for the record) with its leg already cleared;
what to try next is the queue phase's choice. Once bridged, the call lasts
until either side hangs up, and the other side is then cleared.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from callflow.ari import AriBadRequest, AriError, AriNotFound, StasisStart
from callflow.events import CallEventType
from callflow.handoff.leg import leg_variables
from callflow.routing.destinations import Destination
from callflow.sessions.errors import CallerGone, RouteFailed
from callflow.sessions.record import Outcome, utcnow

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)


class Connector:
    """Originates, answers and bridges destinations for one session's caller."""

    def __init__(self, session: CallSession) -> None:
        self.session = session

    async def connect(self, key: str, destination: Destination | None = None) -> None:
        """Originate ``key``'s endpoint and bridge it with the caller, or raise RouteFailed."""
        session = self.session
        destination = destination or session.deps.destinations.current.get(key)
        assert destination is not None
        leg = await self._originate(destination)
        await self.wait_answer(leg)
        await self._bridge_with(leg)
        session.facts.destination = key
        session.facts.connected_at = utcnow()
        # Routed means the caller reached the pathway the script chose, even if a
        # degraded path (e.g. no queue) got them there; the reason stays on record.
        fell_back = key != "transfer" and session.chosen not in (
            session.deps.destinations.current.serves(key)
        )
        session.facts.outcome = Outcome.FALLBACK if fell_back else Outcome.ROUTED
        await session.publish(
            CallEventType.CONNECTED,
            destination=key,
            fallback=fell_back,
            pathway=session.chosen or session.deps.destinations.current.fallback,
            wait_s=session.waited_s(),
        )

    async def _originate(self, destination: Destination) -> str:
        session = self.session
        leg = session.new_id("leg")
        session.deps.router.register(leg, session.queue)
        session.leg = leg
        try:
            await session.caller_request(
                session.deps.ari.originate(
                    destination.endpoint,
                    channel_id=leg,
                    app=session.deps.app,
                    app_args=f"dialed,{session.call_id}",
                    caller_id=None if session.facts.caller_withheld else session.facts.caller,
                    timeout_s=int(session.deps.dial_timeout_s),
                    variables={
                        "URGENTLINE_CALL_ID": session.call_id,
                        **leg_variables(session.handoff_id),
                    },
                )
            )
        except AriError as exc:
            session.leg = None
            raise RouteFailed(f"originate-{exc.status or 'unavailable'}") from exc
        return leg

    async def wait_answer(self, leg: str) -> None:
        """Return when ``leg`` answers.

        Raises RouteFailed if it does not, CallerGone if the caller left; either
        way the leg is cleared first.
        """
        session = self.session
        deadline = asyncio.get_running_loop().time() + session.deps.dial_timeout_s + 5
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                await session.drop_leg()
                raise RouteFailed("dial-timeout")
            try:
                item = await asyncio.wait_for(session.queue.get(), remaining)
            except TimeoutError:
                continue
            try:
                session.check_caller_gone(item)
            except CallerGone:
                await session.drop_leg()
                raise
            if isinstance(item, StasisStart) and item.channel.id == leg:
                return
            if session.is_gone(item, leg):
                session.leg = None
                cause = getattr(item, "cause", None)
                raise RouteFailed(f"destination-cause-{cause}" if cause else "destination-gone")

    async def _bridge_with(self, leg: str) -> None:
        session = self.session
        ari = session.deps.ari
        bridge = session.new_id("br")
        session.deps.router.register(bridge, session.queue)
        try:
            await ari.stop_moh(session.channel_id)
        except AriNotFound as exc:
            await session.drop_leg()
            raise CallerGone from exc
        except AriError:
            log.info("call %s: stop hold music failed", session.call_id)
        try:
            await ari.create_bridge(bridge, "mixing")
            session.bridge = bridge
            await ari.add_to_bridge(bridge, [session.channel_id, leg])
        except (AriNotFound, AriBadRequest) as exc:
            # Either side may have gone between answer and bridge (addChannel answers
            # 400 "Channel not found" for a vanished channel): find out which.
            await session.drop_leg()
            await session.caller_request(ari.get_channel(session.channel_id))
            raise RouteFailed("destination-gone") from exc
        except AriError as exc:
            await session.drop_leg()
            raise RouteFailed(f"bridge-{exc.status or 'unavailable'}") from exc

    async def stay_connected(self) -> None:
        """Phase 3: wait for either side to hang up, then clear the other side."""
        session = self.session
        leg = session.leg
        while True:
            item = await session.queue.get()
            try:
                session.check_caller_gone(item)
            except CallerGone:
                session.facts.ended_by = "caller"
                await session.drop_leg()
                return
            if leg is not None and session.is_gone(item, leg):
                session.leg = None
                session.facts.ended_by = "destination"
                await self._hangup_caller()
                return

    async def _hangup_caller(self) -> None:
        session = self.session
        if not session.channel_id:
            return
        try:
            await session.deps.ari.hangup(session.channel_id)
        except AriError:
            log.info("call %s: caller already gone", session.call_id)
