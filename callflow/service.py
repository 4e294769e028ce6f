"""The call-control service: storage, ARI, sessions, wired and supervised.

``Service`` is an async context manager that owns every long-lived resource
and task of one instance. The aiohttp application (``callflow.app``) starts it
in a cleanup context; the demo and the benchmark use it directly.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from types import TracebackType
from typing import Any

from callflow import tasks
from callflow.ari import AriClient, AriEventStream, CallQueue, EventRouter, Resync, StasisStart
from callflow.flags import LiveFlags
from callflow.handoff.services import HandoffService
from callflow.handoff.settings import HandoffSettings
from callflow.metrics import ServiceMetrics
from callflow.notifier import CallEventPublisher
from callflow.plans.wiring import build_plans
from callflow.routing.book import DestinationBook
from callflow.routing.destinations import Destinations, load_destinations
from callflow.routing.dispatcher import Dispatcher
from callflow.routing.queues import Claim, QueueStore
from callflow.routing.repeat import RepeatCallers
from callflow.scripts_live import LiveScripts
from callflow.sessions import SessionManager
from callflow.sessions.session import SessionDeps
from callflow.sessions.waiting import WaitingSettings
from callflow.settings import Settings
from callflow.storage import Database, RedisStore
from callflow.summary import call_summary
from ivr_scripts import Script, load_script, shipped_script
from nlp.asr import create_engine
from nlp.reasons import classify_choice

log = logging.getLogger(__name__)


class Service:
    """One urgentline instance.

    Usage::

        async with Service(Settings()) as service:
            await service.events.wait_connected(5)
            ...
    """

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        redis: RedisStore | None = None,
        script: Script | None = None,
        destinations: Destinations | None = None,
        handoff_settings: HandoffSettings | None = None,
    ) -> None:
        self.settings = settings
        self.db = db or Database(settings.database_url)
        self.redis = redis or RedisStore(settings.redis_url, settings.redis_prefix)
        self.fixed_script = script
        self.script = script or (
            load_script(settings.script_path) if settings.script_path else shipped_script()
        )
        self.live_scripts: LiveScripts | None = None
        self.plans = build_plans(self.db, self.redis, settings)
        self.handoffs = HandoffService(self.db, handoff_settings or HandoffSettings())
        self.flags = LiveFlags(self.redis)
        self.book = DestinationBook(
            destinations or load_destinations(settings.destinations_path or None), self.db
        )
        """The destinations in force: the file until an admin saves a set (SQL)."""
        self.metrics = ServiceMetrics()
        self.publisher = CallEventPublisher(self.redis)
        self.ari = AriClient(
            settings.ari_url,
            settings.ari_user,
            settings.ari_password.get_secret_value(),
            timeout_s=settings.ari_timeout_s,
        )
        self.sessions: SessionManager | None = None
        self.router: EventRouter | None = None
        self.events: AriEventStream | None = None
        self._reader: asyncio.Task[None] | None = None
        self._dispatching: asyncio.Task[None] | None = None
        self.queues = QueueStore(self.redis)
        self.dispatcher: Dispatcher | None = None
        self._owns_db = db is None
        self._owns_redis = redis is None
        self.instance = self.settings.instance or self.settings.ari_app
        """This instance's name in the shared queue (and its dashboards' consumer)."""

    async def __aenter__(self) -> Service:
        if self.settings.migrate_on_start:
            await asyncio.to_thread(self.db.migrate)
        # Load the reasons pipeline now, off the loop: the first call would
        # otherwise build it on the loop and hold every call up for a moment.
        await asyncio.to_thread(classify_choice, "")
        await self.handoffs.__aenter__()
        if self.fixed_script is None:
            # The published version wins over the file; publishes switch new calls.
            self.live_scripts = LiveScripts(
                self.db, self.redis, self.script.name, fallback=self.script
            )
            await self.live_scripts.start()
        instance = self.instance
        await self.book.start()
        self.dispatcher = Dispatcher(self.queues, self.book, instance, self._offer)
        deps = SessionDeps(
            ari=self.ari,
            router=EventRouter(self._on_new_call),
            app=self.settings.ari_app,
            destinations=self.book,
            publisher=self.publisher,
            db=self.db,
            metrics=self.metrics,
            queues=self.queues,
            poke_dispatcher=self.dispatcher.poke,
            repeat=RepeatCallers(self.redis, self.settings.secret_key.get_secret_value().encode()),
            instance=instance,
            dial_timeout_s=self.settings.dial_timeout_s,
            queue_max_wait_s=self.settings.queue_max_wait_s,
            queue_overflow_expected_s=self.settings.queue_overflow_expected_s,
            callback_offer_after_s=self.settings.callback_offer_after_s,
            callback_endpoint=self.settings.callback_endpoint,
            callback_caller_id=self.settings.callback_caller_id,
            lookup_deadline_s=self.settings.lookup_deadline_ms / 1000,
            plans=self.plans,
            handoffs=self.handoffs,
            flags=self.flags,
            asr=create_engine(self.settings.asr_engine, url=self.settings.asr_url),
            asr_timeout_s=self.settings.asr_timeout_s,
            waiting=WaitingSettings(
                announce_first_s=self.settings.queue_announce_first_s,
                announce_every_s=self.settings.queue_announce_every_s,
                capture_after_s=self.settings.queue_capture_after_s,
                capture_fields=tuple(
                    f.strip() for f in self.settings.queue_capture_fields.split(",") if f.strip()
                ),
                readback_below=self.settings.readback_below,
            ),
        )
        self.router = deps.router
        self.sessions = SessionManager(deps, self.current_script)
        self.events = AriEventStream(
            self.ari, self.settings.ari_app, deps.router, on_resync=self._on_resync
        )
        events = self.events
        self.metrics.ari_connected.set_function(lambda: 1.0 if events.connected else 0.0)
        self.metrics.ari_reconnects.set_function(lambda: float(events.reconnects))
        self.metrics.active_calls.set_function(lambda: float(self.active_calls))
        loop = asyncio.get_running_loop()
        self._reader = loop.create_task(self.events.run())
        self._dispatching = loop.create_task(self.dispatcher.run())
        return self

    def current_script(self) -> Script:
        """The script a call starting now gets (calls in progress keep theirs)."""
        return self.live_scripts.current() if self.live_scripts is not None else self.script

    def _offer(self, claim: Claim) -> bool:
        return self.sessions is not None and self.sessions.offer(claim)

    def _on_new_call(self, channel_id: str, event: StasisStart) -> CallQueue | None:
        assert self.sessions is not None
        return self.sessions.on_new_call(channel_id, event)

    async def _on_resync(self, resync: Resync) -> None:
        assert self.sessions is not None
        await self.sessions.on_resync(resync)

    @property
    def active_calls(self) -> int:
        return self.sessions.active if self.sessions is not None else 0

    async def summary(self, since: datetime | None = None) -> dict[str, Any]:
        return await call_summary(self.db, since)

    @property
    def destinations(self) -> Destinations:
        """The destinations in force now."""
        return self.book.current

    @property
    def ready(self) -> bool:
        return self.events is not None and self.events.connected

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.sessions is not None:
            await self.sessions.drain(self.settings.drain_timeout_s)
        for task in (self._dispatching, self._reader):
            await tasks.stop(task)
        if self.live_scripts is not None:
            await self.live_scripts.aclose()
        await self.book.aclose()
        await self.handoffs.__aexit__(None, None, None)
        await self.ari.aclose()
        if self._owns_redis:
            await self.redis.aclose()
        if self._owns_db:
            self.db.dispose()
