"""The dashboards' parts running together: one object the composition root starts.

It reads the CallEvent stream once (a consumer group of this instance) and
feeds the live metrics and the syndromic counts; it evaluates the alert rules
after every batch and on a short tick (a long wait raises its alert with no
event arriving); it pushes the board to open pages once a second; it runs the
syndromic detectors periodically, tells the public-health recipients about an
alarm and lets a commissioner approve the proposed front-end message, which
raises a live flag the routing scripts read. It also is the pages'
``DashboardSource``.

Several instances may run it on one database and Redis: each change is stored,
and so announced, once (see ``AlertService`` and ``write_change``); metrics,
counts and alarms are idempotent, so a second instance only repeats work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType

from aiohttp import web
from prometheus_client import CollectorRegistry

from callflow import tasks
from callflow.events import CallEventType
from callflow.storage import Database, RedisStore
from dashboards.alerts import (
    METRICS,
    SHIPPED_RULES,
    AlertEngine,
    AlertService,
    AlertSettings,
    Notice,
    Rule,
    RuleStore,
    TransitionKind,
    load_rules,
    setup_alerts,
)
from dashboards.alerts.notifier import Notifier, open_notifier
from dashboards.hub import Hub
from dashboards.metrics import LiveMetrics, MetricsCollector, MetricsService, RollupStore
from dashboards.metrics.http import setup_metrics
from dashboards.stream import Batch, EventConsumer
from dashboards.syndromic import Alarm, SyndromicMonitor, setup_syndromic
from dashboards.syndromic import load_rules as load_message_rules
from dashboards.views import (
    AlertView,
    Board,
    Figures,
    ProposalView,
    Rag,
    ScopeRow,
    SyndromicView,
)
from dashboards.web import History, publish_view, setup_dashboard
from dashboards.web.formatting import area as area_label

log = logging.getLogger(__name__)

RaiseFlag = Callable[[str, float], Awaitable[None]]
PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    instance: str
    providers: Sequence[str] = ()
    pathways: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    """Service names of the provider keys, for the board."""
    alert_tick_s: float = 0.25
    board_every_s: float = 1.0
    syndromic_every_s: float = 30.0
    public_health_recipients: Sequence[str] = ()
    """Where syndromic alarms go (``email:…``, ``webhook:…``, ``sms:…``), besides the pages."""
    history_hours: int = 24


class Dashboards:
    """Metrics, alerts, syndromic surveillance and the pages, over one stream consumer.

    Usage (the composition root)::

        async with Dashboards(db, redis, settings, raise_flag=flags.raise_flag) as dash:
            dash.mount(app, registry)
    """

    def __init__(
        self,
        db: Database,
        redis: RedisStore,
        settings: DashboardSettings,
        *,
        raise_flag: RaiseFlag,
        alert_settings: AlertSettings | None = None,
        rules: Sequence[Rule] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.redis = redis
        self.settings = settings
        self.clock = clock
        self.hub = Hub()
        self._alert_settings = alert_settings or AlertSettings()
        self._default_rules = tuple(rules) if rules is not None else None
        self.metrics = MetricsService(
            LiveMetrics(
                providers=settings.providers, pathways=settings.pathways, labels=settings.labels
            ),
            RollupStore(db),
            redis,
            clock=clock,
        )
        self.monitor = SyndromicMonitor(
            db,
            rules=load_message_rules(),
            clock=clock,
            raise_flag=raise_flag,
            on_alarm=self._on_alarm,
        )
        alert_settings = self._alert_settings
        default = self._default_rules or load_rules(
            alert_settings.alert_rules_path or SHIPPED_RULES
        )
        self.rule_store = RuleStore(db, default)
        # Built here so the routes can be mounted before the app starts; the
        # notifier (an HTTP session, so it needs the running loop) comes on start.
        self.alert_service = AlertService(
            db, AlertEngine(default), Notifier([]), self.hub, clock=clock
        )
        self._notifier: Notifier | None = None
        self.consumer = EventConsumer(
            redis,
            group=f"dashboards-{settings.instance}",
            consumer=settings.instance,
            handlers=[self.metrics.handle, self._count_reasons, self._after_batch],
        )
        self._stack = AsyncExitStack()
        self._tasks: list[asyncio.Task[None]] = []
        self._evaluate_now = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Dashboards:
        self._notifier = await self._stack.enter_async_context(open_notifier(self._alert_settings))
        await self.metrics.start()
        self._stack.push_async_callback(self.metrics.aclose)
        current = await self.rule_store.current()
        await self.alert_service.start(current.rules, self._notifier)
        self.consumer.start()
        self._stack.push_async_callback(self.consumer.stop)
        self._tasks = [
            asyncio.create_task(self._alert_loop(), name="dashboards-alerts"),
            asyncio.create_task(self._board_loop(), name="dashboards-board"),
            asyncio.create_task(self._syndromic_loop(), name="dashboards-syndromic"),
        ]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._tasks:
            await tasks.stop(task)
        self._tasks = []
        await self._stack.aclose()

    def mount(self, app: web.Application, registry: CollectorRegistry | None = None) -> None:
        """Routes on ``app`` (after ``setup_auth``) and figures on a Prometheus registry."""
        setup_metrics(app, self.metrics, rag=self.rag)
        setup_alerts(app, self.alert_service, self.rule_store)
        setup_syndromic(app, self.monitor)
        setup_dashboard(app, self, self.hub)
        if registry is not None:
            MetricsCollector(self.metrics.live, registry, clock=self.clock)

    # ------------------------------------------------------------------ the stream

    async def _count_reasons(self, batch: Batch) -> None:
        for _entry, event in batch:
            if event.type is CallEventType.ROUTING:
                await self.monitor.handle(event)
                self._evaluate_now.set()

    async def _after_batch(self, batch: Batch) -> None:
        """A batch changed the figures: judge the rules now, not at the next tick."""
        await self._tick_alerts()

    async def _tick_alerts(self) -> None:
        await self.alert_service.tick(self.clock(), self.metrics.live)

    async def _alert_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.alert_tick_s)
            try:
                await self._tick_alerts()
            except Exception:  # a worker's loop: log and go on at the next tick
                log.exception("alert evaluation failed")

    async def _board_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.board_every_s)
            if self.hub.subscribers:
                publish_view(self.hub, self.metrics.board(self.rag, now=self.clock()))

    async def _syndromic_loop(self) -> None:
        """Detectors every ``syndromic_every_s``, or (at most once a second) after new counts.

        Once an hour (and at start) it also forgets per-call rows the stream can
        no longer deliver again: only the counts are kept for history.
        """
        prune_at = 0.0
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._evaluate_now.wait(), self.settings.syndromic_every_s)
            self._evaluate_now.clear()
            if loop.time() >= prune_at:
                prune_at = loop.time() + PRUNE_EVERY_S
                await self._prune_calls()
            try:
                alarms = await self.monitor.evaluate(self.clock())
            except Exception:
                log.exception("syndromic evaluation failed")
                alarms = []
            if alarms and self.hub.subscribers:
                publish_view(self.hub, await self.monitor.view(self.clock()))
            await asyncio.sleep(1.0)

    async def _prune_calls(self) -> None:
        try:
            oldest = await self.consumer.oldest_entry_at()
            await self.monitor.prune(self.clock(), oldest)
        except Exception:  # a worker's loop: the rows wait for the next hour
            log.exception("syndromic pruning failed")

    async def _on_alarm(self, alarm: Alarm) -> None:
        """A syndromic alarm goes to the public-health recipients like an alert."""
        if self._notifier is None or not self.settings.public_health_recipients:
            return
        view = AlertView(
            id=alarm.id[:64],
            rule=f"syndromic-{alarm.detector}",
            title=(
                f"Syndromic alarm: {alarm.indicator.replace('_', ' ')} calls "
                f"in {area_label(alarm.area)}"
            ),
            severity="warning",
            scope_kind="area",
            scope=alarm.area,
            metric=f"{alarm.indicator}_calls",
            value=alarm.observed,
            threshold=alarm.threshold,
            state="raised",
            raised_at=alarm.at,
            updated_at=alarm.at,
        )
        self._notifier.notify(
            Notice(TransitionKind.RAISED, view, 0), self.settings.public_health_recipients
        )

    # ------------------------------------------------------------------ RAG

    def rag(self, kind: str, key: str, figures: Figures) -> Rag:
        """Red when a critical rule's threshold is crossed, amber for any other, else green."""
        if figures.a01_received == 0 and figures.waiting_now == 0:
            return Rag.NONE
        worst = Rag.GREEN
        for rule in self.alert_service.rules:
            if not rule.covers(kind, key):
                continue
            value = METRICS[rule.metric].judge(figures, rule.min_calls)
            if value is None or not rule.breaches(value):
                continue
            if rule.severity == "critical":
                return Rag.RED
            worst = Rag.AMBER
        return worst

    # ------------------------------------------------------------------ DashboardSource

    async def board(self, now: datetime) -> Board:
        return self.metrics.board(self.rag, now=now)

    async def provider(self, key: str, now: datetime) -> ScopeRow | None:
        board = self.metrics.board(self.rag, now=now)
        return next((row for row in board.providers if row.key == key), None)

    async def provider_history(self, key: str, now: datetime) -> History:
        since = now - timedelta(hours=self.settings.history_hours)
        points = await self.metrics.history("provider", key, since, now)
        return [(point.bucket_start, point.figures) for point in points]

    async def alerts(self) -> Sequence[AlertView]:
        return await self.alert_service.active()

    async def acknowledge(self, alert_id: str, user: str) -> AlertView:
        return await self.alert_service.acknowledge(alert_id, user)

    async def syndromic(self, now: datetime) -> SyndromicView:
        return await self.monitor.view(now)

    async def decide(self, proposal_id: str, approve: bool, user: str) -> ProposalView:
        if approve:
            return await self.monitor.approve(proposal_id, by=user)
        return await self.monitor.reject(proposal_id, by=user)
