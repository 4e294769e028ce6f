"""SQL for the alerts: write transitions, read alerts back, keep the saved rule sets.

The write functions take a ``Session`` and run inside ``Database.run`` (one
transaction each). A raise inserts the alert row; ``ux_alert_open`` refuses a
second open alert for the same rule and scope (``IntegrityError``), which the
service treats as "already raised elsewhere". Other transitions only touch an
alert that is still open, and say so by returning ``None`` when it is not.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from callflow.storage import Database
from dashboards.alerts.engine import AlertKey, Transition, TransitionKind
from dashboards.alerts.errors import RulesError
from dashboards.alerts.models import Alert, AlertRuleSet, AlertTransition, aware
from dashboards.alerts.rules import Rule, dump_rules
from dashboards.views import AlertView

OPEN = ("raised", "acknowledged")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def new_alert_id() -> str:
    return uuid.uuid4().hex


def key_of(row: Alert) -> AlertKey:
    return AlertKey(row.rule, row.scope_kind, row.scope)


def view_of(row: Alert) -> AlertView:
    """The supervisor's view of a stored alert."""
    return AlertView(
        id=row.id,
        rule=row.rule,
        title=row.title,
        severity=row.severity,
        scope_kind=row.scope_kind,
        scope=row.scope,
        metric=row.metric,
        value=row.value,
        threshold=row.threshold,
        state=row.state,
        raised_at=aware(row.raised_at),
        updated_at=aware(row.updated_at),
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=aware(row.acknowledged_at) if row.acknowledged_at else None,
        cleared_at=aware(row.cleared_at) if row.cleared_at else None,
    )


def write_raised(session: Session, alert_id: str, t: Transition) -> tuple[AlertView, int]:
    """Insert a new open alert and its "raised" transition.

    Raises:
        sqlalchemy.exc.IntegrityError: this rule and scope already has an open alert.
    """
    row = Alert(
        id=alert_id,
        rule=t.key.rule,
        scope_kind=t.key.scope_kind,
        scope=t.key.scope,
        state="raised",
        metric=t.metric,
        value=t.value,
        threshold=t.threshold,
        severity=t.severity,
        title=t.title,
        raised_at=t.at,
        updated_at=t.at,
    )
    session.add(row)
    session.flush()
    return view_of(row), _record(session, alert_id, t)


def write_change(session: Session, alert_id: str, t: Transition) -> tuple[AlertView, int] | None:
    """Apply an updated / acknowledged / cleared transition to an open alert.

    Every instance evaluates the rules, so the same change can arrive twice;
    only the first is stored, and only what is stored is announced.

    Returns:
        The alert after the change and the transition's id, or ``None`` when the
        alert is not open (or, for an acknowledgement, no longer just raised; for
        an update, already within ``step`` of the stored value).
    """
    row = session.get(Alert, alert_id)
    if row is None or row.state not in OPEN:
        return None
    if (
        t.kind is TransitionKind.UPDATED
        and row.value is not None
        and t.value is not None
        and abs(t.value - row.value) < t.step
    ):
        return None  # another instance stored (and announced) this change already
    if t.kind is TransitionKind.ACKNOWLEDGED:
        if row.state != "raised":
            return None
        row.state = "acknowledged"
        row.acknowledged_by = t.by
        row.acknowledged_at = t.at
    elif t.kind is TransitionKind.CLEARED:
        row.state = "cleared"
        row.cleared_at = t.at
        if t.value is not None:
            row.value = t.value
    else:
        row.value = t.value
        row.threshold = t.threshold
    row.updated_at = t.at
    session.add(row)
    session.flush()
    return view_of(row), _record(session, alert_id, t)


def _record(session: Session, alert_id: str, t: Transition) -> int:
    entry = AlertTransition(alert_id=alert_id, kind=t.kind.value, at=t.at, value=t.value, by=t.by)
    session.add(entry)
    session.flush()
    assert entry.id is not None
    return entry.id


def get_alert(session: Session, alert_id: str) -> Alert | None:
    return session.get(Alert, alert_id)


def open_alert(session: Session, key: AlertKey) -> Alert | None:
    return session.exec(
        select(Alert).where(
            Alert.rule == key.rule,
            Alert.scope_kind == key.scope_kind,
            Alert.scope == key.scope,
            col(Alert.state).in_(OPEN),
        )
    ).first()


def open_alerts(session: Session) -> list[Alert]:
    return list(session.exec(select(Alert).where(col(Alert.state).in_(OPEN))).all())


def cleared_since(session: Session, since: datetime) -> list[Alert]:
    """Alerts cleared at or after ``since``, oldest clear first (for cool-downs)."""
    return list(
        session.exec(
            select(Alert)
            .where(Alert.state == "cleared", col(Alert.cleared_at) >= since)
            .order_by(col(Alert.cleared_at))
        ).all()
    )


def recent_alerts(session: Session, limit: int) -> list[Alert]:
    return list(
        session.exec(select(Alert).order_by(col(Alert.raised_at).desc()).limit(limit)).all()
    )


def transitions_of(session: Session, alert_id: str) -> list[AlertTransition]:
    return list(
        session.exec(
            select(AlertTransition)
            .where(AlertTransition.alert_id == alert_id)
            .order_by(col(AlertTransition.id))
        ).all()
    )


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The live rules and where they come from: ``saved`` by an admin, or the ``default``."""

    rules: tuple[Rule, ...]
    source: str
    saved_by: str | None = None
    saved_at: datetime | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "rules": dump_rules(self.rules),
            "source": self.source,
            "saved_by": self.saved_by,
            "saved_at": self.saved_at.isoformat() if self.saved_at else None,
        }


class RuleStore:
    """The rule sets admins saved, in SQL; the newest is live, else ``default``.

    Args:
        db: a migrated database.
        default: the rules until an admin saves a set (the shipped YAML).
    """

    def __init__(self, db: Database, default: Sequence[Rule]) -> None:
        self._db = db
        self._default = tuple(default)

    async def current(self) -> RuleSet:
        """The live rule set.

        Raises:
            RulesError: the saved set no longer validates (a rule's shape changed).
        """
        row = await self._db.run(
            lambda s: s.exec(select(AlertRuleSet).order_by(col(AlertRuleSet.id).desc())).first()
        )
        if row is None:
            return RuleSet(self._default, "default")
        try:
            rules = tuple(Rule.model_validate(item) for item in row.rules)
        except ValueError as exc:
            raise RulesError([f"alert_rule_set {row.id}: {exc}"]) from None
        return RuleSet(rules, "saved", row.saved_by, aware(row.saved_at))

    async def save(self, rules: Sequence[Rule], by: str, at: datetime) -> RuleSet:
        """Keep ``rules`` as the live set (older sets stay, as history)."""
        row = AlertRuleSet(rules=dump_rules(rules), saved_by=by, saved_at=at)
        await self._db.run(lambda s: s.add(row))
        return RuleSet(tuple(rules), "saved", by, at)


def by_severity(views: Sequence[AlertView]) -> list[AlertView]:
    """Critical first, then the most recently raised."""
    newest_first = sorted(views, key=lambda v: v.raised_at, reverse=True)
    return sorted(newest_first, key=lambda v: SEVERITY_ORDER.get(v.severity, 9))
