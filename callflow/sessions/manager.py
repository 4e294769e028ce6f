"""Live sessions: creation on StasisStart, resync after reconnects, drain on shutdown.

The manager owns every session task (nothing is fire-and-forget). It is also
the ``on_new_call`` hook of the ARI event router and the ``on_resync`` hook of
the event socket, so it is where calls whose events were lost get repaired:
every session reconciles its channels and playbacks, a channel in our app that no
session knows (events lost, or a restarted service) is adopted and sent to the
fallback destination.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from callflow.ari import AriError, CallQueue, Resync, StasisStart
from callflow.routing.queues import Claim
from callflow.sessions import synthetic
from callflow.sessions.deps import SessionDeps
from callflow.sessions.resume import resumed_session
from callflow.sessions.session import CallSession
from callflow.sessions.signals import QueueOffer
from ivr_scripts import Script

log = logging.getLogger(__name__)


class SessionManager:
    def __init__(self, deps: SessionDeps, script: Callable[[], Script]) -> None:
        self.deps = deps
        self._script = script
        self._sessions: dict[str, CallSession] = {}  # caller channel id -> session
        self._by_call: dict[str, CallSession] = {}  # call id -> session
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self.calls_started = 0

    @property
    def active(self) -> int:
        return len(self._sessions)

    def on_new_call(self, channel_id: str, event: StasisStart) -> CallQueue | None:
        """Router hook: a StasisStart for a channel no call owns yet."""
        if event.args and event.args[0] == "dialed":
            # A provider leg whose call has already ended: clear it, never bridge it.
            self._spawn(self._hangup_orphan(channel_id))
            return None
        if self._closing:
            return None
        return self._start(event, adopted=False)

    def _start(self, event: StasisStart, *, adopted: bool) -> CallQueue:
        queue: CallQueue = asyncio.Queue()
        session = CallSession(
            self.deps,
            call_id=uuid.uuid4().hex,
            start_event=event,
            script=self._script(),
            queue=queue,
            adopted=adopted,
        )
        self._track(session.channel_id, session, session.run())
        return queue

    def _track(self, key: str, session: CallSession, runs: Coroutine[Any, Any, Any]) -> None:
        self._sessions[key] = session
        self._by_call[session.call_id] = session
        self.calls_started += 1
        self._spawn(self._run(key, session, runs))

    async def _run(self, key: str, session: CallSession, runs: Coroutine[Any, Any, Any]) -> None:
        # ``key`` is the channel the call started on: a call back changes the session's.
        try:
            await runs
        finally:
            self._sessions.pop(key, None)
            self._by_call.pop(session.call_id, None)

    def offer(self, claim: Claim) -> bool:
        """Dispatcher hook: hand a claimed clinician to the call; False if it has ended.

        A claim carrying a handed-over call back (its owner stopped or died) is
        taken on here: a new session rings the caller back and connects them.
        """
        session = self._by_call.get(claim.call_id)
        if session is None and claim.resume is not None and not self._closing:
            queue: CallQueue = asyncio.Queue()
            resumed = resumed_session(self.deps, claim, self._script(), queue)
            log.info("call %s: keeping a call back handed over by another instance", claim.call_id)
            self._track(f"resumed:{claim.call_id}", resumed, resumed.resume(claim.provider))
            return True
        if session is None or session.finished:
            return False
        session.queue.put_nowait(QueueOffer(claim.provider))
        return True

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hangup_orphan(self, channel_id: str) -> None:
        try:
            await self.deps.ari.hangup(channel_id)
        except AriError:
            log.info("orphan leg %s already gone", channel_id)

    async def on_resync(self, resync: Resync) -> None:
        """Socket hook after every (re)connect: reconcile sessions with Asterisk's view.

        ``resync.channels`` holds every channel our app is subscribed to, which is
        more than the channels in Stasis: legs we originated are subscribed while
        they ring and until they are destroyed (a call back handed to the dialplan
        included). Only a channel in Stasis in our app that no session holds (as
        its caller, its call back or its provider leg) is adopted.
        """
        app = self.deps.app
        live = {channel.id: channel for channel in resync.channels}
        sessions = list(self._sessions.values())
        for session in sessions:
            self._spawn(session.reconcile(live))
        known = {s.channel_id for s in sessions} | {s.leg for s in sessions}
        for channel_id, channel in live.items():
            if channel_id in known:
                continue
            if not channel.in_stasis_app(app):
                # Still ringing (it will enter Stasis when answered, and StasisStart
                # deals with it then), or already in the dialplan: not ours to route.
                continue
            if channel.dialplan.app_data.split(",")[1:2] == ["dialed"]:
                self._spawn(self._hangup_orphan(channel_id))
                continue
            log.warning("adopting channel %s found in our app after resync", channel_id)
            queue = self._start(synthetic.stasis_start(app, channel), adopted=True)
            self.deps.router.register(channel_id, queue)

    async def drain(self, timeout_s: float = 10.0) -> None:
        """Stop taking calls; let live ones finish, then hand the rest to the dialplan."""
        self._closing = True
        if self._tasks:
            _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout_s)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)
