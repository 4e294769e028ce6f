"""The CallSession: one call's loop between ARI and the routing script.

Theory of operation. The ARI reader puts every event of this call (caller
channel, its playbacks, the provider leg, the bridge) on ``queue`` in order; the
session is the only consumer. It runs in three phases:

1. *IVR*: answer, then feed events to ``ivr_scripts.step`` and carry out the
   commands it returns, until the script ends with ``Route`` or ``Hangup``.
   Timers are deadlines on the queue read, so the clock stays here.
2. *Routing*: originate the destination's endpoint with a client-chosen id
   (registered before the request, so no event can outrun our bookkeeping),
   wait for it to answer, and bridge it with the caller. Any failure tries the
   fallback destination, then the dialplan route: a call is never dropped by us.
3. *Connected*: wait for either side to hang up, then clear the other side and
   the bridge.

The caller hanging up ends the session in any phase (``CallerGone``). Whatever
happens, ``run`` writes one CallRecord and publishes the matching CallEvents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, assert_never

from redis.exceptions import RedisError

from callflow.ari import (
    AriBadRequest,
    AriClient,
    AriError,
    AriNotFound,
    CallQueue,
    Channel,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    EventRouter,
    PlaybackFinished,
    QueueItem,
    RecordingFailed,
    RecordingFinished,
    StasisEnd,
    StasisStart,
)
from callflow.events import CallEvent, CallEventType
from callflow.flags import LiveFlags
from callflow.handoff.bundle import BundleError
from callflow.handoff.leg import leg_variables
from callflow.handoff.models import HandoffOutbox
from callflow.handoff.outbox import new_handoff_id, write_record_and_handoff
from callflow.handoff.services import HandoffService
from callflow.metrics import ServiceMetrics
from callflow.notifier import CallEventPublisher
from callflow.plans.services import PlanService
from callflow.routing.book import DestinationBook
from callflow.routing.destinations import Destination
from callflow.routing.policy import (
    UNIDENTIFIED,
    PriorityClass,
    RepeatStatus,
    boost_for,
    queue_score,
)
from callflow.routing.queues import QueueStore
from callflow.routing.repeat import RepeatCallers, normalise_cli
from callflow.sessions import synthetic
from callflow.sessions.handoff import handoff_facts
from callflow.sessions.hearing import Heard, hear
from callflow.sessions.indicators import call_indicators, postcode_district
from callflow.sessions.record import CallFacts, Outcome, utcnow
from callflow.sessions.resume import resume_state
from callflow.sessions.signals import QueueOffer
from callflow.sessions.waiting import QueueCompanion, WaitingSettings
from callflow.storage import Database
from careplans import LookupResult, PlanType
from ivr_scripts import CallContext, Script, State, commands, events, start, step
from nlp.asr import SpeechEngine
from nlp.reasons import RED_FLAG

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.08
CALLBACK_TRIES = 3
CALLBACK_OFFER_MEDIA = "sound:urgentline/queue-callback-offer"
RECORD_RETRIES = 3


@dataclass(frozen=True, slots=True)
class SessionDeps:
    """Everything a session talks to, injected by the manager."""

    ari: AriClient
    router: EventRouter
    app: str
    destinations: DestinationBook
    publisher: CallEventPublisher
    db: Database
    metrics: ServiceMetrics
    queues: QueueStore
    poke_dispatcher: Callable[[], None]
    plans: PlanService
    handoffs: HandoffService
    flags: LiveFlags
    asr: SpeechEngine
    repeat: RepeatCallers
    instance: str
    asr_timeout_s: float = 5.0
    dial_timeout_s: float = 30.0
    queue_max_wait_s: float = 600.0
    queue_overflow_expected_s: float = 0.0
    """Overflow to the fallback pathway when the expected wait is longer (0: never)."""
    expected_wait_check_s: float = 15.0
    callback_offer_after_s: float = 0.0
    callback_endpoint: str = "PJSIP/{number}@national111"
    lookup_deadline_s: float = 0.15
    waiting: WaitingSettings = field(default_factory=WaitingSettings)


Terminal = commands.Route | commands.Transfer | commands.Hangup


def _plan_classes(plans: LookupResult | None) -> set[PriorityClass]:
    """A crisis plan is its own class; any other plan marks the caller vulnerable."""
    if plans is None or not plans.found:
        return set()
    if plans.has(PlanType.MENTAL_HEALTH_CRISIS):
        return {PriorityClass.CRISIS_PLAN}
    return {PriorityClass.VULNERABLE}


class CallerGone(Exception):
    """The caller's channel has left; nothing more can be done for this call."""


class RouteFailed(Exception):
    """A destination could not be connected; ``reason`` is a code for the record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


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
        )
        self._answered = channel.state == "Up"
        self._started = asyncio.get_running_loop().time()
        self._timers: dict[str, float] = {}
        self._playbacks: dict[str, str] = {}  # ARI playback id -> interpreter ref
        self._refs: dict[str, str] = {}  # interpreter ref -> ARI playback id
        self._resources: list[str] = []
        self._seq = 0
        self._last_dtmf: tuple[str, datetime] | None = None
        self._leg: str | None = None
        self._bridge: str | None = None
        self._queued: str | None = None  # pathway while waiting in the queue
        self._chosen: str | None = None  # the pathway the script chose, if it was valid
        self._provider: str | None = None  # provider whose clinician this call holds
        self._classes: set[PriorityClass] = set()
        self._captures: dict[str, tuple[str, tuple[str, ...]]] = {}  # recording -> capture
        self._context = CallContext(call_id=call_id)
        self._state: State | None = None
        self._decision: commands.Route | commands.Transfer | None = None
        self._repeat: RepeatStatus = UNIDENTIFIED
        self._plans: LookupResult | None = None
        self.handoff_id = new_handoff_id()
        self._offer_made = False  # a callback was offered to this caller
        self._offer_playback: str | None = None
        self._callback: str | None = None  # E.164 to call back once the place comes up
        self._queued_since: float | None = None  # loop time the call entered the queue
        self._score = 0.0  # the call's place in the queue (virtual arrival time)
        self._handed_over = False  # shut down with a call back promised: another instance keeps it
        self.finished = False

    @property
    def call_id(self) -> str:
        return self.facts.call_id

    @property
    def current_leg(self) -> str | None:
        """The provider leg being dialled or connected, if any."""
        return self._leg

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> CallFacts:
        """Run the call to its end; never raises except ``CancelledError``."""
        status, plans, flags = await asyncio.gather(
            self._repeat_status(), self._plan_lookup(), self._live_flags()
        )
        self._repeat = status
        self._plans = plans
        self._classes |= status.classes | _plan_classes(plans)
        self._context = CallContext(
            call_id=self.call_id,
            now=self.facts.arrived_at,
            withheld=self.facts.caller_withheld,
            repeat_caller=status.repeat,
            care_plans=frozenset(str(t) for t in plans.plan_types) if plans else frozenset(),
            flags=flags,
        )
        await self._publish(
            CallEventType.ARRIVED,
            repeat=status.repeat,
            repeat_count=status.count,
            frequent=status.frequent,
            care_plan=bool(plans and plans.found),
            withheld=self.facts.caller_withheld,
            script=self.script.name,
            script_version=self.script.version,
            adopted=self.adopted,
        )
        return await self._guarded(self._run())

    async def resume(self, provider: str) -> CallFacts:
        """Keep another instance's promise: call the released caller back, then connect them.

        Built by :func:`callflow.sessions.resume.resumed_session` from the state
        the owner stored when the caller accepted the call back.
        """
        pathway = self._chosen or self.deps.destinations.current.fallback
        # Plans for the handoff; the owner already announced them, so no second notice.
        self._plans = await self.deps.plans.for_call(self.facts.caller, None)
        return await self._guarded(self._serve(pathway, self._score, offered=provider))

    async def _guarded(self, phase: Coroutine[Any, Any, None]) -> CallFacts:
        """Run a phase of the call to its end; never raises except ``CancelledError``."""
        try:
            await phase
        except CallerGone:
            if self.facts.outcome is Outcome.IN_PROGRESS:
                self.facts.outcome = Outcome.ABANDONED
                await self._publish(
                    CallEventType.ABANDONED,
                    stage="ivr" if self._queued_since is None else "queue",
                    wait_s=self._waited_s(),
                    pathway=self._queued or self._chosen or "",
                )
            self.facts.ended_by = self.facts.ended_by or "caller"
        except asyncio.CancelledError:
            # Shutdown: a released caller's place goes to another instance; anyone
            # still on the line goes to the dialplan rather than being stranded.
            if not await self._hand_over_callback():
                await self._shielded_handover("service-shutdown")
            raise
        except Exception:
            log.exception("call %s: unexpected error, sending to fallback", self.call_id)
            self.deps.metrics.session_errors.inc()
            await self._last_resort("session-error")
        finally:
            await self._cleanup()
            await self._finish()
        return self.facts

    async def _repeat_status(self) -> RepeatStatus:
        """Count this encounter; a lookup that misses its deadline is skipped, not waited on."""
        try:
            async with asyncio.timeout(self.deps.lookup_deadline_s):
                return await self.deps.repeat.record(
                    self.call_id, self.facts.arrived_at, self.facts.caller
                )
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning(
                "call %s: repeat-caller lookup skipped (%s)", self.call_id, type(exc).__name__
            )
            return UNIDENTIFIED

    async def _plan_lookup(self) -> LookupResult | None:
        """Care plans for this caller; bounded by the lookup's own deadline, never raises."""
        if self.adopted:
            return None
        result = await self.deps.plans.for_call(self.facts.caller, None)
        if result.found:
            try:
                await self.deps.plans.announce(self.call_id, result)
            except Exception:  # audit/notification storage trouble must not hold the caller
                log.exception("call %s: plan announcement failed", self.call_id)
        return result

    async def _live_flags(self) -> frozenset[str]:
        try:
            async with asyncio.timeout(self.deps.lookup_deadline_s):
                return await self.deps.flags.current()
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("call %s: live flags skipped (%s)", self.call_id, type(exc).__name__)
            return frozenset()

    async def _run(self) -> None:
        if not self._answered:
            await self._ari(self.deps.ari.answer(self.channel_id))
            self._answered = True
        self.facts.answered_at = utcnow()
        await self._publish(CallEventType.ANSWERED)
        if self.adopted:
            await self._route(
                commands.Route(self.deps.destinations.current.fallback, "resync-adopted")
            )
            return
        terminal = await self._run_ivr()
        match terminal:
            case commands.Hangup():
                self.facts.outcome = Outcome.HUNG_UP
                self.facts.ended_by = "script"
                await self._ari(self.deps.ari.hangup(self.channel_id))
            case commands.Transfer():
                await self._transfer(terminal)
            case commands.Route():
                await self._route(terminal)
            case _:
                assert_never(terminal)

    async def _transfer(self, transfer: commands.Transfer) -> None:
        """Connect the caller to an external number; any failure goes to the fallback."""
        self._decision = transfer
        self.facts.routed_at = utcnow()
        self.deps.metrics.observe_decision(asyncio.get_running_loop().time() - self._started)
        endpoint = self.deps.callback_endpoint.format(number=transfer.number)
        await self._publish(CallEventType.ROUTING, pathway="transfer", fallback=False)
        self._chosen = "transfer"
        try:
            await self._connect("transfer", Destination(name="transfer", endpoint=endpoint))
        except RouteFailed as failure:
            await self._note_fallback(failure.reason)
            await self._route(
                commands.Route(self.deps.destinations.current.fallback, failure.reason)
            )
            return
        await self._wait_connected_call()

    # ------------------------------------------------------------------ phase 1: IVR

    async def _run_ivr(self) -> Terminal:
        state, cmds = start(self.script, context=self._context)
        pending = list(cmds)
        while True:
            self._state = state
            self.facts.menu_path = list(state.menu_path)
            if not pending:
                event = await self._next_ivr_event()
                before = len(state.menu_path)
                state, cmds = step(self.script, state, event)
                pending = list(cmds)
                for choice in state.menu_path[before:]:
                    await self._publish(CallEventType.MENU_CHOICE, choice=choice)
                continue
            command = pending.pop(0)
            if isinstance(command, commands.Route | commands.Transfer | commands.Hangup):
                return command
            failure = await self._execute(command)
            if failure is not None:
                # The rest of the batch still runs, then whatever the failure leads to.
                state, cmds = step(self.script, state, failure)
                pending.extend(cmds)

    async def _execute(self, command: commands.Command) -> events.CommandFailed | None:
        """Carry out one non-terminal command; a failure comes back as an event."""
        match command:
            case commands.Play(ref=ref, media=media):
                playback_id = self._new_id("pb")
                self._playbacks[playback_id] = ref
                self._refs[ref] = playback_id
                self.deps.router.register(playback_id, self.queue)
                try:
                    await self._ari(
                        self.deps.ari.play(self.channel_id, list(media), playback_id=playback_id)
                    )
                except AriError as exc:
                    log.warning("call %s: play failed (%s)", self.call_id, type(exc).__name__)
                    return events.CommandFailed(ref, "play-failed")
            case commands.StopPlayback(ref=ref):
                stopping = self._refs.pop(ref, None)
                if stopping is not None:
                    self._playbacks.pop(stopping, None)
                    try:
                        await self.deps.ari.stop_playback(stopping)
                    except AriError as exc:
                        log.info("call %s: stop playback: %s", self.call_id, type(exc).__name__)
            case commands.StartTimer(name=name, seconds=seconds):
                self._timers[name] = asyncio.get_running_loop().time() + seconds
            case commands.CancelTimer(name=name):
                self._timers.pop(name, None)
            case commands.Capture(ref=ref, fields=fields, max_seconds=max_seconds):
                name = self._new_id("rec")
                self.deps.router.register(name, self.queue)
                self._captures[name] = (ref, fields)
                try:
                    await self._ari(
                        self.deps.ari.record(
                            self.channel_id,
                            name=name,
                            format="wav",
                            max_duration_s=max(1, math.ceil(max_seconds)),
                            max_silence_s=2,
                            if_exists="overwrite",
                        )
                    )
                except AriError as exc:
                    self._captures.pop(name, None)
                    log.warning("call %s: record failed (%s)", self.call_id, type(exc).__name__)
                    return events.CommandFailed(ref, "capture-failed")
            case commands.StopCapture(ref=ref):
                for name, (capture_ref, _fields) in list(self._captures.items()):
                    if capture_ref == ref:
                        del self._captures[name]
            case commands.SendSms(ref=ref, template=template):
                await self._publish(CallEventType.SMS_REQUESTED, template=template)
                return events.CommandFailed(ref, "sms-gateway-not-configured")
            case commands.Notify(ref=ref, target=target):
                await self._publish(CallEventType.NOTIFY_REQUESTED, target=target)
                return events.CommandFailed(ref, "notify-target-not-configured")
            case commands.Route() | commands.Transfer() | commands.Hangup():
                raise AssertionError("terminal commands are handled by the IVR loop")
            case _:
                assert_never(command)
        return None

    async def _next_ivr_event(self) -> events.Event:
        while True:
            timeout: float | None = None
            if self._timers:
                name, deadline = min(self._timers.items(), key=lambda item: item[1])
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    del self._timers[name]
                    return events.TimerFired(name)
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout)
            except TimeoutError:
                continue
            if isinstance(item, RecordingFinished | RecordingFailed):
                capture = self._captures.pop(item.recording.name, None)
                if capture is not None:
                    if isinstance(item, RecordingFailed):
                        return events.CommandFailed(capture[0], "recording-failed")
                    return await self._recognise(item.recording.name, *capture)
                continue
            translated = self._translate(item)
            if translated is not None:
                return translated

    async def _recognise(
        self, name: str, ref: str, fields: tuple[str, ...]
    ) -> events.CaptureCompleted | events.CommandFailed:
        heard = await self._hear(name, fields)
        if isinstance(heard, str):
            return events.CommandFailed(ref, heard)
        await self._note_heard(heard)
        return events.CaptureCompleted(ref, heard.values)

    async def _hear(self, recording: str, fields: tuple[str, ...]) -> Heard | str:
        """What the caller said in ``recording``: the fields, or a failure reason."""
        return await hear(
            self.deps.ari,
            self.deps.asr,
            recording,
            fields,
            timeout_s=self.deps.asr_timeout_s,
            call_id=self.call_id,
        )

    async def _note_heard(self, heard: Heard) -> None:
        """Keep which fields were heard and how surely (never the values) and say so."""
        self.facts.captured.extend(
            {"field": name, "confidence": round(heard.confidence[name], 2)}
            for name, _value in heard.values
        )
        await self._publish(
            CallEventType.CAPTURE_COMPLETED,
            fields=",".join(name for name, _value in heard.values),
            missing=",".join(heard.missing),
        )

    def _translate(self, item: QueueItem) -> events.Event | None:
        """ARI event -> interpreter event; raises CallerGone when the caller left."""
        self._check_caller_gone(item)
        if isinstance(item, PlaybackFinished):
            ref = self._playbacks.pop(item.playback.id, None)
            if ref is not None:
                self._refs.pop(ref, None)
                return events.PlaybackFinished(ref)
        elif isinstance(item, ChannelDtmfReceived) and item.channel.id == self.channel_id:
            last = self._last_dtmf
            self._last_dtmf = (item.digit, item.timestamp)
            # One press reported twice (RFC 4733 end packets, re-INVITEs) is one digit.
            if last and last[0] == item.digit and _seconds(last[1], item.timestamp) < DEBOUNCE_S:
                return None
            return events.DtmfReceived(item.digit)
        return None

    def _check_caller_gone(self, item: QueueItem) -> None:
        if self._is_gone(item, self.channel_id):
            raise CallerGone

    # ------------------------------------------------------------------ phase 2: routing

    async def _route(self, decision: commands.Route) -> None:
        """Queue the call on its pathway and connect it to the first free clinician.

        A destination that fails to connect frees its clinician and the call goes
        back in the queue, on the fallback pathway, with its original score (it
        keeps its place). A second failure hands the call to the dialplan.
        """
        destinations = self.deps.destinations.current
        self.facts.routed_at = utcnow()
        self.deps.metrics.observe_decision(asyncio.get_running_loop().time() - self._started)
        pathway, reason = decision.destination, decision.fallback_reason
        if pathway not in destinations.pathways:
            pathway, reason = destinations.fallback, reason or "unknown-destination"
        elif not destinations.open_providers_for(pathway, utcnow()):
            pathway, reason = destinations.fallback, reason or "pathway-closed"
        self._chosen = pathway if reason is None else None
        self._decision = decision
        context = self._state.context if self._state is not None else self._context
        if RED_FLAG in context.reasons:
            self._classes.add(PriorityClass.RED_FLAG)
        boost = boost_for(self._classes, extra_s=float(decision.priority_s))
        score = queue_score(self.facts.arrived_at.timestamp(), boost)
        self._queued_since = asyncio.get_running_loop().time()
        await self._publish(
            CallEventType.ROUTING,
            pathway=pathway,
            fallback=reason is not None,
            priority_classes=",".join(sorted(self._classes)) or "standard",
            boost_s=boost,
            indicators=",".join(call_indicators(context.reasons, decision.pathway)),
            area=postcode_district(decision.caller_data),
        )
        if reason is not None:
            await self._note_fallback(reason)
        self._score = score
        await self._serve(pathway, score)

    async def _serve(self, pathway: str, score: float, offered: str | None = None) -> None:
        """Wait for a clinician (unless ``offered`` one already) and connect the caller."""
        destinations = self.deps.destinations.current
        callback_tries = 0
        attempt = 0
        while attempt < 2:
            try:
                if offered is not None:
                    provider, offered = offered, None
                    self._provider = provider
                else:
                    provider = await self._wait_in_queue(pathway, score)
            except (RedisError, OSError) as exc:
                # No shared queue: dial the pathway's first provider directly.
                log.warning("call %s: queue unavailable (%s)", self.call_id, type(exc).__name__)
                await self._note_fallback("queue-unavailable")
                self._queued = None
                provider = (
                    destinations.open_providers_for(pathway, utcnow())
                    or destinations.providers_for(pathway)
                )[0]
            if self._callback is not None and not self.channel_id:
                try:
                    await self._call_back()
                except RouteFailed as failure:
                    # Nobody answered the call back: keep the place, try again later.
                    await self._release(provider)
                    callback_tries += 1
                    if callback_tries >= CALLBACK_TRIES:
                        self.facts.outcome = Outcome.ABANDONED
                        self.facts.fallback_reason = f"callback-{failure.reason}"
                        self.facts.ended_by = "caller"
                        return
                    continue
            try:
                await self._connect(provider)
            except RouteFailed as failure:
                await self._release(provider)
                if attempt == 1:
                    await self._last_resort(failure.reason)
                    return
                attempt += 1
                await self._note_fallback(failure.reason)
                pathway = destinations.fallback
                continue
            await self._wait_connected_call()
            return

    async def _wait_in_queue(self, pathway: str, score: float) -> str:
        """Wait in the shared queue until a provider's clinician takes the call.

        Past the maximum wait the call overflows to the fallback pathway, keeping
        its score, so it lands ahead of everyone who arrived after it there. After
        ``callback_offer_after_s`` an identified caller is offered a call back: on
        "1" their line is released and the queue entry stays exactly where it was.
        """
        deps = self.deps
        if self._callback is None:
            await self._hold_music()
        await deps.queues.enqueue(self.call_id, pathway, score, owner=deps.instance)
        self._queued = pathway
        deps.poke_dispatcher()
        loop = asyncio.get_running_loop()
        overflow_at: float | None = loop.time() + deps.queue_max_wait_s
        offer_at = self._callback_offer_time()
        estimate_at: float | None = None
        if deps.queue_overflow_expected_s > 0:
            # Soon after joining (a known long queue is left at once), then periodically.
            estimate_at = loop.time() + 1.0
        companion = QueueCompanion(self, deps.waiting)
        while True:
            due = [
                t for t in (overflow_at, offer_at, estimate_at, companion.due_at) if t is not None
            ]
            timeout = max(0.0, min(due) - loop.time()) if due else None
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout)
            except TimeoutError:
                now = loop.time()
                if offer_at is not None and now >= offer_at:
                    offer_at = None
                    await self._offer_callback()
                if overflow_at is not None and now >= overflow_at:
                    overflow_at = None
                    pathway = await self._overflow(pathway, score)
                if estimate_at is not None and now >= estimate_at:
                    estimate_at = now + deps.expected_wait_check_s
                    estimate = await deps.queues.expected_wait_s(self.call_id, pathway)
                    wait = estimate[1] if estimate else None
                    if wait is not None and wait > deps.queue_overflow_expected_s:
                        pathway = await self._overflow(pathway, score, "expected-wait-overflow")
                offered: QueueOffer | None = None
                if companion.due_at is not None and now >= companion.due_at:
                    if self._offer_playback is not None or not self.channel_id:
                        companion.postpone(5.0)  # the callback offer has the caller's ear
                    else:
                        offered = await companion.run()
                if offered is None:
                    continue
                item = offered
            if isinstance(item, QueueOffer):
                self._queued = None
                self._provider = item.provider
                return item.provider
            self._check_caller_gone(item)
            if isinstance(item, PlaybackFinished) and item.playback.id == self._offer_playback:
                self._offer_playback = None
                await self._hold_music()
            elif (
                isinstance(item, ChannelDtmfReceived)
                and item.channel.id == self.channel_id
                and item.digit == "1"
                and self._offer_made
            ):
                await self._accept_callback()

    async def _overflow(self, pathway: str, score: float, reason: str = "queue-overflow") -> str:
        deps = self.deps
        fallback = deps.destinations.current.fallback
        if pathway != fallback and await deps.queues.cancel(self.call_id, pathway):
            await self._note_fallback(reason)
            await deps.queues.enqueue(self.call_id, fallback, score, owner=deps.instance)
            self._queued = fallback
            deps.poke_dispatcher()
            return fallback
        return pathway

    # ------------------------------------------------------------------ callbacks keep their place

    def _callback_offer_time(self) -> float | None:
        after = self.deps.callback_offer_after_s
        if after <= 0 or self._offer_made or self._callback is not None:
            return None
        if normalise_cli(self.facts.caller) is None:
            return None  # nobody to call back
        return asyncio.get_running_loop().time() + after

    async def _offer_callback(self) -> None:
        self._offer_made = True
        await self._publish(CallEventType.CALLBACK_OFFERED)
        playback_id = self._new_id("pb")
        self.deps.router.register(playback_id, self.queue)
        try:
            await self.deps.ari.stop_moh(self.channel_id)
            await self._ari(
                self.deps.ari.play(self.channel_id, [CALLBACK_OFFER_MEDIA], playback_id=playback_id)
            )
            self._offer_playback = playback_id
        except AriNotFound as exc:
            raise CallerGone from exc
        except AriError as exc:
            log.info("call %s: callback offer not played (%s)", self.call_id, type(exc).__name__)
            self._offer_made = False
            await self._hold_music()

    async def _accept_callback(self) -> None:
        """Release the caller's line; the queue entry (and its score) stays untouched."""
        self._callback = normalise_cli(self.facts.caller)
        try:
            await self.deps.queues.keep_resume(self.call_id, resume_state(self))
        except (RedisError, OSError) as exc:
            # This instance still calls back; only a crash before then would lose it.
            log.warning("call %s: call back not shared (%s)", self.call_id, type(exc).__name__)
        await self._publish(CallEventType.CALLBACK_ACCEPTED)
        released, self.channel_id = self.channel_id, ""
        try:
            await self.deps.ari.hangup(released)
        except AriError:
            log.info("call %s: caller already gone at callback", self.call_id)

    async def _call_back(self) -> None:
        """The place came up: ring the caller back, who becomes the call's channel again."""
        assert self._callback is not None
        endpoint = self.deps.callback_endpoint.format(number=self._callback)
        leg = self._new_id("cb")
        self.deps.router.register(leg, self.queue)
        self._leg = leg
        try:
            await self.deps.ari.originate(
                endpoint,
                channel_id=leg,
                app=self.deps.app,
                app_args=f"callback,{self.call_id}",
                timeout_s=int(self.deps.dial_timeout_s),
                variables={"URGENTLINE_CALL_ID": self.call_id},
            )
        except AriError as exc:
            self._leg = None
            raise RouteFailed(f"callback-originate-{exc.status or 'unavailable'}") from exc
        await self._wait_answer(leg)
        self._leg = None
        self.channel_id = leg
        await self._publish(CallEventType.CALLBACK_MADE)

    async def _hold_music(self) -> None:
        try:
            await self.deps.ari.start_moh(self.channel_id)
        except AriNotFound as exc:
            raise CallerGone from exc
        except AriError as exc:
            log.info("call %s: no hold music (%s)", self.call_id, type(exc).__name__)

    async def _release(self, provider: str) -> None:
        """Free the clinician this call held (connection failed or call ended)."""
        self._provider = None
        try:
            await self.deps.queues.release(provider, self.call_id)
        except (RedisError, OSError) as exc:
            log.warning("call %s: clinician not released (%s)", self.call_id, type(exc).__name__)
        self.deps.poke_dispatcher()

    async def _note_fallback(self, reason: str) -> None:
        self.facts.fallback_reason = self.facts.fallback_reason or reason
        self.deps.metrics.fallbacks.labels(reason=reason).inc()
        await self._publish(CallEventType.FALLBACK, reason=reason)

    async def _connect(self, key: str, destination: Destination | None = None) -> None:
        """Originate ``key``'s endpoint and bridge it with the caller, or raise RouteFailed."""
        destination = destination or self.deps.destinations.current.get(key)
        assert destination is not None
        leg = await self._originate(destination)
        await self._wait_answer(leg)
        await self._bridge_with(leg)
        self.facts.destination = key
        self.facts.connected_at = utcnow()
        # Routed means the caller reached the pathway the script chose, even if a
        # degraded path (e.g. no queue) got them there; the reason stays on record.
        fell_back = key != "transfer" and self._chosen not in self.deps.destinations.current.serves(
            key
        )
        self.facts.outcome = Outcome.FALLBACK if fell_back else Outcome.ROUTED
        await self._publish(
            CallEventType.CONNECTED,
            destination=key,
            fallback=fell_back,
            pathway=self._chosen or self.deps.destinations.current.fallback,
            wait_s=self._waited_s(),
        )

    async def _originate(self, destination: Destination) -> str:
        leg = self._new_id("leg")
        self.deps.router.register(leg, self.queue)
        self._leg = leg
        try:
            await self._ari(
                self.deps.ari.originate(
                    destination.endpoint,
                    channel_id=leg,
                    app=self.deps.app,
                    app_args=f"dialed,{self.call_id}",
                    caller_id=None if self.facts.caller_withheld else self.facts.caller,
                    timeout_s=int(self.deps.dial_timeout_s),
                    variables={
                        "URGENTLINE_CALL_ID": self.call_id,
                        **leg_variables(self.handoff_id),
                    },
                )
            )
        except AriError as exc:
            self._leg = None
            raise RouteFailed(f"originate-{exc.status or 'unavailable'}") from exc
        return leg

    async def _wait_answer(self, leg: str) -> None:
        deadline = asyncio.get_running_loop().time() + self.deps.dial_timeout_s + 5
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                await self._drop_leg()
                raise RouteFailed("dial-timeout")
            try:
                item = await asyncio.wait_for(self.queue.get(), remaining)
            except TimeoutError:
                continue
            try:
                self._check_caller_gone(item)
            except CallerGone:
                await self._drop_leg()
                raise
            if isinstance(item, StasisStart) and item.channel.id == leg:
                return
            if self._is_gone(item, leg):
                self._leg = None
                cause = getattr(item, "cause", None)
                raise RouteFailed(f"destination-cause-{cause}" if cause else "destination-gone")

    async def _bridge_with(self, leg: str) -> None:
        bridge = self._new_id("br")
        self.deps.router.register(bridge, self.queue)
        try:
            await self.deps.ari.stop_moh(self.channel_id)
        except AriNotFound as exc:
            await self._drop_leg()
            raise CallerGone from exc
        except AriError:
            log.info("call %s: stop hold music failed", self.call_id)
        try:
            await self.deps.ari.create_bridge(bridge, "mixing")
            self._bridge = bridge
            await self.deps.ari.add_to_bridge(bridge, [self.channel_id, leg])
        except (AriNotFound, AriBadRequest) as exc:
            # Either side may have gone between answer and bridge (addChannel answers
            # 400 "Channel not found" for a vanished channel): find out which.
            await self._drop_leg()
            await self._ari(self.deps.ari.get_channel(self.channel_id))
            raise RouteFailed("destination-gone") from exc
        except AriError as exc:
            await self._drop_leg()
            raise RouteFailed(f"bridge-{exc.status or 'unavailable'}") from exc

    # ------------------------------------------------------------------ phase 3: connected

    async def _wait_connected_call(self) -> None:
        leg = self._leg
        while True:
            item = await self.queue.get()
            try:
                self._check_caller_gone(item)
            except CallerGone:
                self.facts.ended_by = "caller"
                await self._drop_leg()
                return
            if leg is not None and self._is_gone(item, leg):
                self._leg = None
                self.facts.ended_by = "destination"
                await self._hangup_caller()
                return

    @staticmethod
    def _is_gone(item: QueueItem, channel_id: str) -> bool:
        return (
            isinstance(item, StasisEnd | ChannelDestroyed | ChannelHangupRequest)
            and item.channel.id == channel_id
        )

    # ------------------------------------------------------------------ the never-drop path

    async def _last_resort(self, reason: str) -> None:
        """ARI could not connect anyone: hand the caller to the dialplan's default route."""
        await self._note_fallback(reason)
        await self._drop_leg()
        if not self.channel_id:
            # A call-back not yet made has no line to hand over.
            self.facts.outcome = Outcome.FAILED
            log.error("call %s: call-back could not be completed (%s)", self.call_id, reason)
            return
        target = self.deps.destinations.current.dialplan_fallback
        for attempt in range(5):
            try:
                await self.deps.ari.continue_in_dialplan(
                    self.channel_id,
                    context=target.context,
                    extension=target.extension,
                    priority=target.priority,
                )
            except AriNotFound:
                self.facts.outcome = Outcome.ABANDONED
                self.facts.ended_by = "caller"
                return
            except AriError as exc:
                log.warning(
                    "call %s: dialplan handover attempt %d failed (%s)",
                    self.call_id,
                    attempt + 1,
                    type(exc).__name__,
                )
                await asyncio.sleep(min(0.2 * 2**attempt, 2.0))
                continue
            self.facts.outcome = Outcome.CONTINUED
            self.facts.destination = f"dialplan:{target.extension}"
            self.facts.ended_by = "handover"
            return
        self.facts.outcome = Outcome.FAILED
        log.error("call %s: could not hand over to the dialplan", self.call_id)

    async def _hand_over_callback(self) -> bool:
        """True if the promised call back now belongs to whichever instance claims it."""
        if self._callback is None or self.channel_id or self._queued is None:
            return False
        try:
            handed = await asyncio.shield(self.deps.queues.hand_over(self.call_id))
        except (asyncio.CancelledError, RedisError, OSError):
            return False
        if handed:
            self._handed_over, self._queued = True, None
        return handed

    async def _shielded_handover(self, reason: str) -> None:
        if self.facts.outcome is not Outcome.IN_PROGRESS or not self.channel_id:
            return
        try:
            await asyncio.shield(self._handover_once(reason))
        except (asyncio.CancelledError, AriError):
            log.warning("call %s: handover on shutdown failed", self.call_id)

    async def _handover_once(self, reason: str) -> None:
        self.facts.fallback_reason = self.facts.fallback_reason or reason
        target = self.deps.destinations.current.dialplan_fallback
        await self.deps.ari.continue_in_dialplan(
            self.channel_id, context=target.context, extension=target.extension
        )
        self.facts.outcome = Outcome.CONTINUED
        self.facts.destination = f"dialplan:{target.extension}"

    # ------------------------------------------------------------------ after a reconnect

    async def reconcile(self, live: Mapping[str, Channel]) -> None:
        """Queue the events lost while the socket was down, judged from what Asterisk holds."""
        app = self.deps.app
        if self.channel_id not in live:
            self.queue.put_nowait(synthetic.stasis_end(app, self.channel_id))
            return
        for playback_id in list(self._playbacks):
            try:
                await self.deps.ari.get_playback(playback_id)
            except AriNotFound:
                self.queue.put_nowait(
                    synthetic.playback_finished(app, playback_id, self.channel_id)
                )
            except AriError as exc:
                log.info("call %s: playback check failed (%s)", self.call_id, type(exc).__name__)
        leg = self._leg
        if leg is not None and leg not in live:
            self.queue.put_nowait(synthetic.stasis_end(app, leg))
        elif leg is not None and live[leg].state == "Up":
            # The leg may have answered while we were deaf; a waiting session bridges it.
            self.queue.put_nowait(synthetic.stasis_start(app, live[leg]))

    # ------------------------------------------------------------------ helpers

    async def _ari(self, request: Any) -> Any:
        """Await an ARI request on the caller's channel; 404 means the caller left."""
        try:
            return await request
        except AriNotFound as exc:
            raise CallerGone from exc

    async def _drop_leg(self) -> None:
        leg, self._leg = self._leg, None
        if leg is None:
            return
        try:
            await self.deps.ari.hangup(leg)
        except AriError:
            log.info("call %s: provider leg already gone", self.call_id)

    async def _hangup_caller(self) -> None:
        if not self.channel_id:
            return
        try:
            await self.deps.ari.hangup(self.channel_id)
        except AriError:
            log.info("call %s: caller already gone", self.call_id)

    async def _cleanup(self) -> None:
        self.finished = True
        if self._queued is not None:
            with contextlib.suppress(RedisError, OSError):
                await self.deps.queues.cancel(self.call_id, self._queued)
        # Offers that reached us too late, and the clinician we held, are freed.
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if isinstance(item, QueueOffer):
                await self._release(item.provider)
        if self._provider is not None:
            await self._release(self._provider)
        if self._bridge is not None:
            try:
                await self.deps.ari.destroy_bridge(self._bridge)
            except AriError:
                log.info("call %s: bridge already gone", self.call_id)
        self.deps.router.forget_queue(self.queue)

    def _waited_s(self) -> float:
        """Seconds since the call entered the queue (the answer clock), 0 before that."""
        if self._queued_since is None:
            return 0.0
        return round(asyncio.get_running_loop().time() - self._queued_since, 3)

    def _new_id(self, kind: str) -> str:
        self._seq += 1
        return f"{self.call_id}-{kind}{self._seq}"

    async def _publish(self, kind: CallEventType, **attributes: Any) -> None:
        await self.deps.publisher.publish(CallEvent(self.call_id, kind, attributes=attributes))

    def _handoff_row(self) -> HandoffOutbox | None:
        try:
            facts = handoff_facts(
                self.facts,
                handoff_id=self.handoff_id,
                pathway=self._chosen,
                decision=self._decision,
                classes=self._classes,
                repeat=self._repeat,
                plans=self._plans,
            )
            return None if facts is None else self.deps.handoffs.row_for(facts)
        except BundleError:
            # A bug in the builder: the record is still written, the error counted.
            log.exception("call %s: handoff bundle refused", self.call_id)
            self.deps.metrics.session_errors.inc()
            return None

    async def _finish(self) -> None:
        if self._handed_over:
            return  # the instance that makes the call back writes its record
        self.facts.ended_at = utcnow()
        if self.facts.outcome is Outcome.IN_PROGRESS:
            self.facts.outcome = Outcome.FAILED
        self.deps.metrics.calls.labels(outcome=self.facts.outcome.value).inc()
        await self._publish(
            CallEventType.ENDED,
            outcome=self.facts.outcome.value,
            destination=self.facts.destination,
            ended_by=self.facts.ended_by,
        )
        record = self.facts.to_record()
        # Building and validating the FHIR bundle takes milliseconds of CPU: off the loop.
        row = await asyncio.to_thread(self._handoff_row)
        for attempt in range(RECORD_RETRIES):
            try:
                if row is None:
                    await self.deps.db.run(lambda session: session.merge(record))
                else:
                    # One transaction: a crash can lose neither the record nor the handoff.
                    await self.deps.db.run(
                        lambda session: write_record_and_handoff(session, record, row)
                    )
                    self.deps.handoffs.written()
                return
            except Exception:  # SQL driver errors vary by back end; retried, then counted
                log.exception(
                    "call %s: CallRecord write failed (try %d)", self.call_id, attempt + 1
                )
                await asyncio.sleep(0.1 * 2**attempt)
        self.deps.metrics.records_failed.inc()


def _seconds(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds()
