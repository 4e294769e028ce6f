"""Call backs keep the caller's place: offer, accept, ring back, hand over.

After ``callback_offer_after_s`` in the queue an identified caller is offered a
call back. On "1" their line is released and only the queue entry holds their
place, untouched, with its score; when a clinician takes it, the caller is
rung back and becomes the call's channel again. The promise is stored in the
queue entry (see :mod:`callflow.sessions.resume`), so if this instance stops
first another one keeps it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError

from callflow.ari import AriError, AriNotFound, AriUnprocessable
from callflow.events import CallEventType
from callflow.routing.repeat import normalise_cli
from callflow.sessions.errors import CallerGone, RouteFailed
from callflow.sessions.resume import resume_state

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)

CALLBACK_OFFER_MEDIA = "sound:urgentline/queue-callback-offer"


class Callbacks:
    """One session's call back: whether it was offered, and the number to ring."""

    def __init__(self, session: CallSession) -> None:
        self.session = session
        self.offer_made = False  # a callback was offered to this caller
        self.offer_playback: str | None = None
        self.number: str | None = None  # E.164 to call back once the place comes up
        self.handed_over = False  # shut down with a call back promised: another instance keeps it

    def offer_time(self) -> float | None:
        """Loop time to offer a call back, or None if it is not (or no longer) due."""
        after = self.session.deps.callback_offer_after_s
        if after <= 0 or self.offer_made or self.number is not None:
            return None
        facts = self.session.facts
        if facts.caller_withheld or normalise_cli(facts.caller) is None:
            return None  # nobody to call back, or a number the caller chose to withhold
        return asyncio.get_running_loop().time() + after

    async def offer(self) -> None:
        session = self.session
        ari = session.deps.ari
        self.offer_made = True
        await session.publish(CallEventType.CALLBACK_OFFERED)
        playback_id = session.new_id("pb")
        session.deps.router.register(playback_id, session.queue)
        try:
            await ari.stop_moh(session.channel_id)
            await session.caller_request(
                ari.play(session.channel_id, [CALLBACK_OFFER_MEDIA], playback_id=playback_id)
            )
            self.offer_playback = playback_id
        except AriNotFound as exc:
            raise CallerGone from exc
        except AriError as exc:
            log.info("call %s: callback offer not played (%s)", session.call_id, type(exc).__name__)
            self.offer_made = False
            await session.hold_music()

    async def accept(self) -> None:
        """Release the caller's line; the queue entry (and its score) stays untouched."""
        session = self.session
        self.number = normalise_cli(session.facts.caller)
        try:
            await session.deps.queues.keep_resume(session.call_id, resume_state(session))
        except (RedisError, OSError) as exc:
            # This instance still calls back; only a crash before then would lose it.
            log.warning("call %s: call back not shared (%s)", session.call_id, type(exc).__name__)
        await session.publish(CallEventType.CALLBACK_ACCEPTED)
        released, session.channel_id = session.channel_id, ""
        try:
            await session.deps.ari.hangup(released)
        except AriError:
            log.info("call %s: caller already gone at callback", session.call_id)

    async def call_back(self) -> None:
        """The place came up: ring the caller back, who becomes the call's channel again.

        The leg is originated into the dialplan context ``callback_context``, which
        runs ``Stasis(<app>,callback,<call id>)``, not straight into the app:
        Asterisk hangs up a channel originated into an app the moment it leaves
        Stasis, so the last resort's ``continue`` would drop the caller instead of
        handing them to the default route (and with no app connected when they
        answer, the dialplan sends them there too). The app subscribes to the leg
        at once so that a busy or unanswered call back is heard about.
        """
        session = self.session
        deps = session.deps
        assert self.number is not None
        endpoint = deps.callback_endpoint.format(number=self.number)
        leg = session.new_id("cb")
        deps.router.register(leg, session.queue)
        session.leg = leg
        try:
            await deps.ari.originate(
                endpoint,
                channel_id=leg,
                context=deps.callback_context,
                extension="s",
                caller_id=deps.callback_caller_id,
                timeout_s=int(deps.dial_timeout_s),
                variables={"URGENTLINE_CALL_ID": session.call_id, "URGENTLINE_APP": deps.app},
            )
        except AriError as exc:
            session.leg = None
            raise RouteFailed(f"callback-originate-{exc.status or 'unavailable'}") from exc
        try:
            await deps.ari.subscribe(deps.app, [f"channel:{leg}"])
        except AriUnprocessable as exc:
            session.leg = None  # the call back failed before we could listen to it
            raise RouteFailed("callback-gone") from exc
        except AriError as exc:
            # Its StasisStart still comes; a failure is then noticed at the deadline.
            log.warning("call %s: call back not watched (%s)", session.call_id, type(exc).__name__)
        await session.connecting.wait_answer(leg)
        session.leg = None
        session.channel_id = leg
        await session.publish(CallEventType.CALLBACK_MADE)

    async def hand_over(self) -> bool:
        """True if the promised call back now belongs to whichever instance claims it."""
        session = self.session
        if self.number is None or session.channel_id or session.queued is None:
            return False
        try:
            handed = await asyncio.shield(session.deps.queues.hand_over(session.call_id))
        except (asyncio.CancelledError, RedisError, OSError):
            return False
        if handed:
            self.handed_over, session.queued = True, None
        return handed
