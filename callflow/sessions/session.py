"""The CallSession: one call's loop between ARI and the routing script.

Theory of operation. The ARI reader puts every event of this call (caller
channel, its playbacks, the provider leg, the bridge) on ``queue`` in order; the
session is the only consumer. The arrival lookups (:mod:`~callflow.sessions.arrival`)
give the script its context; then the call runs in three phases:

1. *IVR* (:mod:`~callflow.sessions.ivr`): answer, then feed events to
   ``ivr_scripts.step`` and carry out the commands it returns, until the script
   ends with ``Route``, ``Transfer`` or ``Hangup``. Timers are deadlines on the
   queue read, so the clock stays in the shell.
2. *Routing* (:mod:`~callflow.sessions.queueing`, :mod:`~callflow.sessions.callbacks`,
   :mod:`~callflow.sessions.connecting`): wait in the shared queue for a free
   clinician, then originate the destination's endpoint with a client-chosen id
   (registered before the request, so no event can outrun our bookkeeping),
   wait for it to answer, and bridge it with the caller. Any failure tries the
   fallback destination, then the dialplan route
   (:mod:`~callflow.sessions.last_resort`): a call is never dropped by us.
3. *Connected* (:mod:`~callflow.sessions.connecting`): wait for either side to
   hang up, then clear the other side and the bridge.

Each phase is an object built with the session that keeps the state only it
needs; the session keeps what they share (the call's facts and decision, its
place in the queue, the provider leg) and the helpers they all use the same way.

The caller hanging up ends the session in any phase (``CallerGone``). Whatever
happens, ``run`` writes one CallRecord and publishes the matching CallEvents
(:mod:`~callflow.sessions.ending`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar, assert_never

from redis.exceptions import RedisError

from callflow.ari import (
    AriError,
    AriNotFound,
    CallQueue,
    Channel,
    ChannelDestroyed,
    ChannelHangupRequest,
    QueueItem,
    StasisEnd,
    StasisStart,
)
from callflow.events import Attribute, CallEvent, CallEventType
from callflow.handoff.outbox import new_handoff_id
from callflow.routing.destinations import Destination
from callflow.routing.policy import UNIDENTIFIED, PriorityClass, RepeatStatus
from callflow.sessions import synthetic
from callflow.sessions.arrival import Arrival
from callflow.sessions.callbacks import CALLBACK_OFFER_MEDIA, Callbacks
from callflow.sessions.connecting import Connector
from callflow.sessions.deps import SessionDeps
from callflow.sessions.ending import Ending
from callflow.sessions.errors import CallerGone, RouteFailed
from callflow.sessions.hearing import Heard, hear
from callflow.sessions.ivr import ScriptPhase
from callflow.sessions.last_resort import LastResort
from callflow.sessions.queueing import QueuePhase
from callflow.sessions.record import CallFacts, Outcome, utcnow
from careplans import LookupResult
from ivr_scripts import CallContext, Script, commands, start, step

__all__ = [
    "CALLBACK_OFFER_MEDIA",
    "CallSession",
    "CallerGone",
    "RouteFailed",
    "SessionDeps",
]

log = logging.getLogger(__name__)

T = TypeVar("T")


class CallSession:
    """Drives one call. Usage: ``await CallSession(...).run()`` inside an owned task."""

    def __init__(
        self,
        deps: SessionDeps,
        *,
        call_id: str,
        start_event: StasisStart,
        script: Script,
        queue: CallQueue,
        adopted: bool = False,
    ) -> None:
        self.deps = deps
        self.script = script
        self.queue = queue
        self.adopted = adopted
        channel = start_event.channel
        self.channel_id = channel.id
        self.facts = CallFacts(
            call_id=call_id,
            channel_id=channel.id,
            asterisk_id=start_event.asterisk_id,
            caller=channel.caller.number if channel.caller else None,
            script=script.name,
            script_version=script.version,
            presentation=_presentation(start_event.args),
        )
        self._answered = channel.state == "Up"
        self.started = asyncio.get_running_loop().time()
        self._seq = 0
        self.leg: str | None = None  # the provider leg being dialled or connected
        self.bridge: str | None = None
        self.queued: str | None = None  # pathway while waiting in the queue
        self.chosen: str | None = None  # the pathway the script chose, if it was valid
        self.provider: str | None = None  # provider whose clinician this call holds
        self.classes: set[PriorityClass] = set()
        self.context = CallContext(call_id=call_id)  # from the lookups, then the script's
        self.decision: commands.Route | commands.Transfer | None = None
        self.repeat: RepeatStatus = UNIDENTIFIED
        self.plans: LookupResult | None = None
        self.handoff_id = new_handoff_id()
        self.queued_since: float | None = None  # loop time the call entered the queue
        self.score = 0.0  # the call's place in the queue (virtual arrival time)
        self.finished = False
        self.recordings: set[str] = set()  # started here and not yet deleted from Asterisk
        # The phases, one module each: they keep their own state and share the above.
        self.arrival = Arrival(self)
        self.ivr = ScriptPhase(self)
        self.queueing = QueuePhase(self)
        self.callbacks = Callbacks(self)
        self.connecting = Connector(self)
        self.last_resort = LastResort(self)
        self.ending = Ending(self)

    @property
    def call_id(self) -> str:
        return self.facts.call_id

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> CallFacts:
        """Run the call to its end; never raises except ``CancelledError``."""
        await self.arrival.look_up()
        return await self._guarded(self._run())

    async def resume(self, provider: str) -> CallFacts:
        """Keep another instance's promise: call the released caller back, then connect them.

        Built by :func:`callflow.sessions.resume.resumed_session` from the state
        the owner stored when the caller accepted the call back.
        """
        pathway = self.chosen or self.deps.destinations.current.fallback
        # Plans for the handoff; the owner already announced them, so no second notice.
        self.plans = await self.deps.plans.for_call(self.facts.caller, None)
        return await self._guarded(self.queueing.serve(pathway, self.score, offered=provider))

    async def _guarded(self, phase: Coroutine[Any, Any, None]) -> CallFacts:
        """Run a phase of the call to its end; never raises except ``CancelledError``."""
        try:
            await phase
        except CallerGone:
            if self.facts.outcome is Outcome.IN_PROGRESS:
                self.facts.outcome = Outcome.ABANDONED
                await self.publish(
                    CallEventType.ABANDONED,
                    stage="ivr" if self.queued_since is None else "queue",
                    wait_s=self.waited_s(),
                    pathway=self.queued or self.chosen or "",
                )
            self.facts.ended_by = self.facts.ended_by or "caller"
        except asyncio.CancelledError:
            # Shutdown: a released caller's place goes to another instance; anyone
            # still on the line goes to the dialplan rather than being stranded.
            if not await self.callbacks.hand_over():
                await self.last_resort.at_shutdown("service-shutdown")
            raise
        except Exception:
            log.exception("call %s: unexpected error, sending to fallback", self.call_id)
            self.deps.metrics.session_errors.inc()
            await self.last_resort.to_dialplan("session-error")
        finally:
            await self.ending.clean_up()
            await self.ending.finish()
        return self.facts

    async def _run(self) -> None:
        if not self._answered:
            await self.caller_request(self.deps.ari.answer(self.channel_id))
            self._answered = True
        self.facts.answered_at = utcnow()
        await self.publish(CallEventType.ANSWERED)
        if self.adopted:
            await self.queueing.route(
                commands.Route(self.deps.destinations.current.fallback, "resync-adopted")
            )
            return
        terminal = await self._run_ivr()
        match terminal:
            case commands.Hangup():
                self.facts.outcome = Outcome.HUNG_UP
                self.facts.ended_by = "script"
                await self.caller_request(self.deps.ari.hangup(self.channel_id))
            case commands.Transfer():
                await self._transfer(terminal)
            case commands.Route():
                await self.queueing.route(terminal)
            case _:
                assert_never(terminal)

    async def _run_ivr(self) -> commands.Terminal:
        state, cmds = start(self.script, context=self.context)
        pending = list(cmds)
        while True:
            self.context = state.context  # routing reads what the script learnt
            self.facts.menu_path = list(state.menu_path)
            if not pending:
                event = await self.ivr.next_event()
                before = len(state.menu_path)
                state, cmds = step(self.script, state, event)
                pending = list(cmds)
                for choice in state.menu_path[before:]:
                    await self.publish(CallEventType.MENU_CHOICE, choice=choice)
                continue
            command = pending.pop(0)
            if isinstance(command, commands.Route | commands.Transfer | commands.Hangup):
                return command
            failure = await self.ivr.execute(command)
            if failure is not None:
                # The rest of the batch still runs, then whatever the failure leads to.
                state, cmds = step(self.script, state, failure)
                pending.extend(cmds)

    async def _transfer(self, transfer: commands.Transfer) -> None:
        """Connect the caller to an external number; any failure goes to the fallback."""
        self.decision = transfer
        self.facts.routed_at = utcnow()
        self.deps.metrics.observe_decision(asyncio.get_running_loop().time() - self.started)
        endpoint = self.deps.callback_endpoint.format(number=transfer.number)
        await self.publish(CallEventType.ROUTING, pathway="transfer", fallback=False)
        self.chosen = "transfer"
        try:
            await self.connecting.connect(
                "transfer", Destination(name="transfer", endpoint=endpoint)
            )
        except RouteFailed as failure:
            await self.note_fallback(failure.reason)
            await self.queueing.route(
                commands.Route(self.deps.destinations.current.fallback, failure.reason)
            )
            return
        await self.connecting.stay_connected()

    # ------------------------------------------------------------------ after a reconnect

    async def reconcile(self, live: Mapping[str, Channel]) -> None:
        """Queue the events lost while the socket was down, judged from what Asterisk holds."""
        app = self.deps.app
        if self.channel_id and self.channel_id not in live:
            # (A caller released for a call back has no channel: nothing was lost.)
            self.queue.put_nowait(synthetic.stasis_end(app, self.channel_id))
            return
        for playback_id in self.awaited_playbacks():
            try:
                await self.deps.ari.get_playback(playback_id)
            except AriNotFound:
                self.queue.put_nowait(
                    synthetic.playback_finished(app, playback_id, self.channel_id)
                )
            except AriError as exc:
                log.info("call %s: playback check failed (%s)", self.call_id, type(exc).__name__)
        leg = self.leg
        if leg is not None and leg not in live:
            self.queue.put_nowait(synthetic.stasis_end(app, leg))
        elif leg is not None and live[leg].in_stasis_app(app):
            # The leg may have answered while we were deaf; a waiting session bridges it.
            # (Up is not enough: Asterisk reports Up a moment before StasisStart, and a
            # channel not yet in Stasis cannot be bridged.)
            self.queue.put_nowait(synthetic.stasis_start(app, live[leg]))

    def awaited_playbacks(self) -> list[str]:
        """Playbacks some phase waits to hear finish: the script's, the queue's, the offer's."""
        ids = list(self.ivr.playbacks)
        for playback_id in (self.queueing.talking, self.callbacks.offer_playback):
            if playback_id is not None:
                ids.append(playback_id)
        return ids

    # ------------------------------------------------------------------ shared by the phases

    async def caller_request(self, request: Awaitable[T]) -> T:
        """Await an ARI request on the caller's channel; 404 means the caller left."""
        try:
            return await request
        except AriNotFound as exc:
            raise CallerGone from exc

    def check_caller_gone(self, item: QueueItem) -> None:
        if self.is_gone(item, self.channel_id):
            raise CallerGone

    @staticmethod
    def is_gone(item: QueueItem, channel_id: str) -> bool:
        return (
            isinstance(item, StasisEnd | ChannelDestroyed | ChannelHangupRequest)
            and item.channel.id == channel_id
        )

    def new_id(self, kind: str) -> str:
        self._seq += 1
        return f"{self.call_id}-{kind}{self._seq}"

    async def publish(self, kind: CallEventType, **attributes: Attribute) -> None:
        await self.deps.publisher.publish(CallEvent(self.call_id, kind, attributes=attributes))

    async def hold_music(self) -> None:
        try:
            await self.deps.ari.start_moh(self.channel_id)
        except AriNotFound as exc:
            raise CallerGone from exc
        except AriError as exc:
            log.info("call %s: no hold music (%s)", self.call_id, type(exc).__name__)

    def recording_started(self, name: str) -> None:
        """Note a recording of the caller, so that it is deleted from Asterisk in the end."""
        self.recordings.add(name)

    async def hear(self, recording: str, fields: tuple[str, ...]) -> Heard | str:
        """What the caller said in ``recording``: the fields, or a failure reason.

        The recording is deleted from Asterisk once fetched: its spool keeps every
        file until someone deletes it, and this one holds the caller's voice.
        """
        try:
            return await hear(
                self.deps.ari,
                self.deps.asr,
                recording,
                fields,
                timeout_s=self.deps.asr_timeout_s,
                call_id=self.call_id,
            )
        finally:
            await self.discard_recording(recording)

    async def discard_recording(self, name: str) -> None:
        """Cancel or delete a recording of the caller on Asterisk (best effort)."""
        self.recordings.discard(name)
        try:
            await self.deps.ari.discard_recording(name)
        except AriError as exc:
            log.warning("call %s: recording not deleted (%s)", self.call_id, type(exc).__name__)

    async def note_heard(self, heard: Heard) -> None:
        """Keep which fields were heard and how surely (never the values) and say so."""
        self.facts.captured.extend(
            {"field": name, "confidence": round(heard.confidence[name], 2)}
            for name, _value in heard.values
        )
        await self.publish(
            CallEventType.CAPTURE_COMPLETED,
            fields=",".join(name for name, _value in heard.values),
            missing=",".join(heard.missing),
        )

    async def note_fallback(self, reason: str) -> None:
        self.facts.fallback_reason = self.facts.fallback_reason or reason
        self.deps.metrics.fallbacks.labels(reason=reason).inc()
        await self.publish(CallEventType.FALLBACK, reason=reason)

    async def release(self, provider: str) -> None:
        """Free the clinician this call held (connection failed or call ended)."""
        self.provider = None
        try:
            await self.deps.queues.release(provider, self.call_id)
        except (RedisError, OSError) as exc:
            log.warning("call %s: clinician not released (%s)", self.call_id, type(exc).__name__)
        self.deps.poke_dispatcher()

    async def drop_leg(self) -> None:
        leg, self.leg = self.leg, None
        if leg is None:
            return
        try:
            await self.deps.ari.hangup(leg)
        except AriError:
            log.info("call %s: provider leg already gone", self.call_id)

    def waited_s(self) -> float:
        """Seconds since the call entered the queue (the answer clock), 0 before that."""
        if self.queued_since is None:
            return 0.0
        return round(asyncio.get_running_loop().time() - self.queued_since, 3)


def _presentation(args: Sequence[str]) -> str | None:
    """``CALLERID(pres)`` from ``Stasis(app,inbound,<pres>)``, if the dialplan passed it."""
    return args[1] if len(args) > 1 and args[0] == "inbound" and args[1] else None
