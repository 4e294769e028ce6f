"""``AlertService``: the engine's transitions made durable, shown and delivered.

The imperative shell around ``AlertEngine``. ``tick`` evaluates the rules;
when (and only when) something changed it writes each transition to SQL, then
publishes the alert to the dashboard ``Hub`` (for rules that name
``dashboard``) and hands it to the ``Notifier`` for the other recipients, which
returns at once. A tick with no transition touches neither SQL nor the network.

Restart-safe: ``start`` loads the open alerts (and cool-downs still running)
from SQL into the engine, so a restarted service does not raise them again;
an open alert whose rule is gone is cleared. One lock serialises ticks,
acknowledgements and rule changes, so the engine and SQL move together.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from callflow.storage import Database
from dashboards.alerts.channels import Notice, alert_json
from dashboards.alerts.engine import (
    AlertEngine,
    AlertKey,
    AlertState,
    FigureSource,
    Transition,
    TransitionKind,
)
from dashboards.alerts.errors import AlertNotRaised, NoSuchAlert, NotRaisedError
from dashboards.alerts.models import Alert, aware
from dashboards.alerts.notifier import DASHBOARD, Notifier
from dashboards.alerts.rules import Rule
from dashboards.alerts.store import (
    RuleSet,
    RuleStore,
    by_severity,
    cleared_since,
    get_alert,
    key_of,
    new_alert_id,
    open_alert,
    open_alerts,
    recent_alerts,
    view_of,
    write_change,
    write_raised,
)
from dashboards.hub import Hub
from dashboards.views import AlertView

log = logging.getLogger(__name__)

_ALERT_ID = re.compile(r"[0-9a-f]{32}")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AlertService:
    """Threshold alerts for the supervisors' dashboard.

    Args:
        db: a migrated database (revision 0008).
        engine: the state machine, holding the live rules.
        notifier: delivers to webhook, email and SMS recipients.
        hub: the dashboard's live-update fan-out (kind ``"alert"``).
        clock: the time of acknowledgements and rule changes (tests pass their own).

    Usage::

        service = AlertService(db, AlertEngine(rules), notifier, hub)
        await service.start()
        await service.tick(datetime.now(UTC), figures)   # after each event batch, and every 0.25 s
    """

    def __init__(
        self,
        db: Database,
        engine: AlertEngine,
        notifier: Notifier,
        hub: Hub,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._db = db
        self._engine = engine
        self._notifier = notifier
        self._hub = hub
        self._clock = clock
        self._lock = asyncio.Lock()
        self._ids: dict[AlertKey, str] = {}

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._engine.rules

    async def start(
        self, live_rules: Sequence[Rule] | None = None, notifier: Notifier | None = None
    ) -> list[AlertView]:
        """Load open alerts and running cool-downs from SQL into the engine.

        Args:
            live_rules: the rule set to use from now (an admin's saved set), if
                it differs from the engine's.
            notifier: the notifier to deliver with from now (one whose HTTP
                session could only be opened once the event loop runs).

        Returns:
            The alerts cleared because no rule covers them any more.
        """
        async with self._lock:
            now = self._clock()
            if live_rules is not None:
                self._engine.set_rules(live_rules, now)
            if notifier is not None:
                self._notifier = notifier
            longest = max((rule.cooldown_s for rule in self.rules), default=0.0)
            rows = await self._db.run(open_alerts)
            recent = await self._db.run(
                lambda s: cleared_since(s, now - timedelta(seconds=longest))
            )
            rules = {rule.name: rule for rule in self.rules}
            for row in recent:
                rule = rules.get(row.rule)
                if (
                    rule is None
                    or row.cleared_at is None
                    or not rule.covers(row.scope_kind, row.scope)
                ):
                    continue
                until = aware(row.cleared_at) + timedelta(seconds=rule.cooldown_s)
                if until > now:
                    self._engine.restore(
                        key_of(row), AlertState.COOLDOWN, since=aware(row.cleared_at), until=until
                    )
            orphans: list[Transition] = []
            for row in rows:
                key = key_of(row)
                self._ids[key] = row.id
                rule = rules.get(row.rule)
                if rule is None or not rule.covers(row.scope_kind, row.scope):
                    orphans.append(_cleared_without_rule(row, now))
                    continue
                self._engine.restore(
                    key, AlertState(row.state), since=aware(row.raised_at), value=row.value
                )
            return await self._apply(orphans)

    async def tick(self, now: datetime, source: FigureSource) -> list[AlertView]:
        """Evaluate every rule at ``now``; persist, show and deliver what changed.

        Returns:
            The alerts that changed (often none).
        """
        async with self._lock:
            return await self._apply(self._engine.evaluate(now, source))

    async def acknowledge(self, alert_id: str, user: str) -> AlertView:
        """A supervisor takes a raised alert on; it stays open until its figure clears.

        Raises:
            NoSuchAlert: no alert has this id.
            AlertNotRaised: the alert is already acknowledged, or cleared.
        """
        if not _ALERT_ID.fullmatch(alert_id):
            raise NoSuchAlert(alert_id)
        async with self._lock:
            row = await self._db.run(lambda s: get_alert(s, alert_id))
            if row is None:
                raise NoSuchAlert(alert_id)
            if row.state != "raised":
                raise AlertNotRaised(alert_id, row.state)
            try:
                transition = self._engine.acknowledge(key_of(row), user, self._clock())
            except NotRaisedError as exc:
                raise AlertNotRaised(alert_id, exc.state) from None
            changed = await self._apply([transition])
            if not changed:
                raise AlertNotRaised(alert_id, "changed")
            return changed[0]

    async def replace_rules(
        self, rules: Sequence[Rule], store: RuleStore, by: str
    ) -> tuple[RuleSet, list[AlertView]]:
        """Save ``rules`` as the live set and apply them, as one step.

        Open alerts no rule covers any more are cleared.

        Returns:
            The saved set, and the alerts cleared by the change.
        """
        async with self._lock:
            now = self._clock()
            saved = await store.save(rules, by, now)
            return saved, await self._apply(self._engine.set_rules(rules, now))

    async def active(self) -> list[AlertView]:
        """Open alerts (raised or acknowledged), critical first, newest first."""
        rows = await self._db.run(open_alerts)
        return by_severity([view_of(row) for row in rows])

    async def history(self, limit: int = 50) -> list[AlertView]:
        """The most recently raised alerts, whatever their state."""
        rows = await self._db.run(lambda s: recent_alerts(s, limit))
        return [view_of(row) for row in rows]

    async def _apply(self, transitions: Sequence[Transition]) -> list[AlertView]:
        changed: list[AlertView] = []
        for transition in transitions:
            written = await self._persist(transition)
            if written is None:
                continue
            view, transition_id = written
            changed.append(view)
            log.info(
                "alert %s %s: rule %s on %s %s",
                view.id,
                transition.kind.value,
                view.rule,
                view.scope_kind,
                view.scope,
            )
            if DASHBOARD in transition.recipients:
                self._hub.publish("alert", alert_json(view))
            self._notifier.notify(
                Notice(transition.kind, view, transition_id), transition.recipients
            )
        return changed

    async def _persist(self, t: Transition) -> tuple[AlertView, int] | None:
        if t.kind is TransitionKind.RAISED:
            alert_id = new_alert_id()
            try:
                written = await self._db.run(lambda s: write_raised(s, alert_id, t))
            except IntegrityError:
                await self._adopt(t)
                return None
            self._ids[t.key] = alert_id
            return written
        alert_id = self._ids.get(t.key, "")
        written_change = await self._db.run(lambda s: write_change(s, alert_id, t))
        if written_change is None:  # normal with several instances: another one stored it
            log.info("alert %s %s: already stored, not announced", alert_id or "?", t.kind.value)
        if t.kind is TransitionKind.CLEARED:
            self._ids.pop(t.key, None)
        return written_change

    async def _adopt(self, t: Transition) -> None:
        """Another instance raised this alert first: follow its row, notify no channel.

        This instance's own pages are told, as they would be of its own alerts.
        """
        row = await self._db.run(lambda s: open_alert(s, t.key))
        if row is None:
            return
        self._ids[t.key] = row.id
        self._engine.restore(
            t.key, AlertState(row.state), since=aware(row.raised_at), value=row.value
        )
        log.info("alert %s: already raised elsewhere, adopted", row.id)
        if DASHBOARD in t.recipients:
            self._hub.publish("alert", alert_json(view_of(row)))


def _cleared_without_rule(row: Alert, now: datetime) -> Transition:
    """The end of an open alert whose rule was removed while the service was down."""
    return Transition(
        kind=TransitionKind.CLEARED,
        key=key_of(row),
        at=now,
        value=None,
        threshold=row.threshold,
        metric=row.metric,
        severity=row.severity,
        title=row.title,
        recipients=(DASHBOARD,),
    )
