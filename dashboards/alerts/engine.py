"""The alert state machine: pure, synchronous, and cheap to call often.

Theory of operation
-------------------
Each (rule, scope) pair is an alert that moves through these states::

               breach                 breach held min_duration_s
        ok ───────────> pending ──────────────────────────────────> raised ──ack──> acknowledged
         ^                 │  no breach, or not judged               │  │ value moves      │
         │                 └──────────> ok                           │  └─ by ``step``:    │
         │                                                           │     "updated"       │
         │   cooldown_s passed                  value past clear_at  v                     │
         └──────────────────── cooldown <─────────────── "cleared" <───────────────────────┘

With ``min_duration_s == 0`` a breach raises at once; with ``cooldown_s == 0``
a cleared alert is back to ok at once. ``evaluate`` returns the transitions
("raised", "updated", "cleared"); ``acknowledge`` returns "acknowledged".

A value the rule may not judge (no calls, or fewer than ``min_calls``) changes
nothing for a raised alert (no data is not good news) but ends a pending one:
a raise needs a breach *seen* continuously for ``min_duration_s``.

The engine reads no clock and does no I/O: the shell passes ``now`` and a
``FigureSource``. It keeps an entry only for alerts that are not ok, and asks
the source for each (kind, key, window) once per call, so calling it after
every event batch and on a 0.25 s tick costs a few dict look-ups per rule and
scope (``dashboards.alerts.bench``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple, Protocol

from dashboards.alerts.errors import NotRaisedError
from dashboards.alerts.rules import COMPARE, METRICS, Rule
from dashboards.views import Figures


class FigureSource(Protocol):
    """Where the engine reads figures: the metrics part implements it.

    ``scopes("system")`` returns the one key of the whole-system scope (for
    example ``("system",)``); ``scopes("provider")`` the provider ids, and so on.
    """

    def figures(self, kind: str, key: str, window_s: int, now: datetime) -> Figures: ...

    def scopes(self, kind: str) -> Sequence[str]: ...


class AlertState(StrEnum):
    OK = "ok"
    PENDING = "pending"
    RAISED = "raised"
    ACKNOWLEDGED = "acknowledged"
    COOLDOWN = "cooldown"


OPEN_STATES = frozenset({AlertState.RAISED, AlertState.ACKNOWLEDGED})


class TransitionKind(StrEnum):
    RAISED = "raised"
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


class AlertKey(NamedTuple):
    """Which alert: one rule on one scope (a tuple, so look-ups hash in C)."""

    rule: str
    scope_kind: str
    scope: str


@dataclass(frozen=True, slots=True)
class Transition:
    """Something a supervisor (or a channel) should hear about.

    It carries what the rule said at the time (title, severity, recipients), so
    a transition for a rule that was just removed can still be delivered.
    """

    kind: TransitionKind
    key: AlertKey
    at: datetime
    value: float | None
    threshold: float
    metric: str
    severity: str
    title: str
    recipients: tuple[str, ...]
    by: str | None = None
    step: float = 0.0
    """The least change an update must show over the stored value (the rule's
    ``step``): another instance evaluating the same rule may have stored it."""


@dataclass(slots=True)
class _Track:
    state: AlertState
    since: datetime
    """pending: first breach seen; raised/acknowledged: raised at; cooldown: cleared at."""
    value: float | None = None
    """The value last notified (raised/updated), for the "material move" test."""
    until: datetime | None = None
    """cooldown: when it ends."""


class AlertEngine:
    """Threshold alerts over a ``FigureSource`` (see the module docstring).

    Usage::

        engine = AlertEngine(load_rules())
        for transition in engine.evaluate(datetime.now(UTC), figures):
            ...  # persist, notify
    """

    __slots__ = ("_tracks", "rules")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        self._tracks: dict[AlertKey, _Track] = {}

    def state_of(self, key: AlertKey) -> AlertState:
        track = self._tracks.get(key)
        return AlertState.OK if track is None else track.state

    def evaluate(self, now: datetime, source: FigureSource) -> list[Transition]:
        """Judge every rule on every scope it covers, at ``now``.

        Args:
            now: the shell's clock (timezone-aware UTC).
            source: the figures.

        Returns:
            The transitions this call caused, in rule order (often none).
        """
        transitions: list[Transition] = []
        tracks = self._tracks
        scopes: dict[str, Sequence[str]] = {}
        figures: dict[tuple[str, str, int], Figures] = {}
        for rule in self.rules:
            metric = METRICS[rule.metric]
            breaches = COMPARE[rule.comparison]
            if rule.key is not None:
                keys: Sequence[str] = (rule.key,)
            else:
                if rule.scope not in scopes:
                    scopes[rule.scope] = source.scopes(rule.scope)
                keys = scopes[rule.scope]
            for scope in keys:
                lookup = (rule.scope, scope, rule.window_s)
                seen = figures.get(lookup)
                if seen is None:
                    seen = figures[lookup] = source.figures(rule.scope, scope, rule.window_s, now)
                value = metric.judge(seen, rule.min_calls)
                key = AlertKey(rule.name, rule.scope, scope)
                track = tracks.get(key)
                if track is None and (value is None or not breaches(value, rule.threshold)):
                    continue  # the common case: ok, and still ok
                change = self._step(rule, key, track, value, now)
                if change is not None:
                    transitions.append(change)
        return transitions

    def acknowledge(self, key: AlertKey, by: str, now: datetime) -> Transition:
        """A supervisor has seen a raised alert; it stays open until its value clears.

        Raises:
            NotRaisedError: the alert is not in the raised state.
        """
        track = self._tracks.get(key)
        rule = self._rule(key.rule)
        if track is None or track.state is not AlertState.RAISED or rule is None:
            raise NotRaisedError(AlertState.OK if track is None else track.state)
        track.state = AlertState.ACKNOWLEDGED
        return _transition(TransitionKind.ACKNOWLEDGED, rule, key, now, track.value, by=by)

    def restore(
        self,
        key: AlertKey,
        state: AlertState,
        *,
        since: datetime,
        value: float | None = None,
        until: datetime | None = None,
    ) -> None:
        """Put back an alert's state after a restart, so it is not raised again.

        Args:
            key: the alert.
            state: raised, acknowledged, or cooldown (with ``until``).
            since: when it was raised (or cleared, for cooldown).
            value: the value last notified.
            until: for cooldown, when the cool-down ends.
        """
        if state is AlertState.COOLDOWN and until is None:
            raise ValueError("a cooldown needs its end (until)")
        self._tracks[key] = _Track(state, since, value, until)

    def set_rules(self, rules: Iterable[Rule], now: datetime) -> list[Transition]:
        """Replace the rules; open alerts no rule covers any more are cleared.

        An alert keeps its state when a rule of the same name still covers its
        scope with the same metric and comparison (a new threshold applies from
        the next ``evaluate``); otherwise it is a different alert and the old
        one ends here, with a "cleared" transition if it was open.

        Returns:
            The "cleared" transitions of the open alerts that ended.
        """
        old = {rule.name: rule for rule in self.rules}
        self.rules = tuple(rules)
        new = {rule.name: rule for rule in self.rules}
        transitions: list[Transition] = []
        for key, track in list(self._tracks.items()):
            rule = new.get(key.rule)
            if rule is not None and rule.covers(key.scope_kind, key.scope):
                before = old.get(key.rule)
                if before is None or (
                    before.metric == rule.metric and before.comparison == rule.comparison
                ):
                    continue
            del self._tracks[key]
            if track.state in OPEN_STATES and key.rule in old:
                transitions.append(
                    _transition(TransitionKind.CLEARED, old[key.rule], key, now, None)
                )
        return transitions

    def _rule(self, name: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.name == name), None)

    def _step(
        self, rule: Rule, key: AlertKey, track: _Track | None, value: float | None, now: datetime
    ) -> Transition | None:
        if track is not None and track.state is AlertState.COOLDOWN:
            if track.until is not None and now < track.until:
                return None
            del self._tracks[key]
            track = None
        if track is None:
            if value is None or not rule.breaches(value):
                return None
            if rule.min_duration_s > 0:
                self._tracks[key] = _Track(AlertState.PENDING, now)
                return None
            return self._raise(rule, key, value, now)
        if track.state is AlertState.PENDING:
            if value is None or not rule.breaches(value):
                del self._tracks[key]
                return None
            if now - track.since >= timedelta(seconds=rule.min_duration_s):
                return self._raise(rule, key, value, now)
            return None
        if value is None:
            return None
        if rule.clears(value):
            if rule.cooldown_s > 0:
                until = now + timedelta(seconds=rule.cooldown_s)
                self._tracks[key] = _Track(AlertState.COOLDOWN, now, value, until)
            else:
                del self._tracks[key]
            return _transition(TransitionKind.CLEARED, rule, key, now, value)
        if track.value is None or abs(value - track.value) >= rule.step:
            track.value = value
            return _transition(TransitionKind.UPDATED, rule, key, now, value)
        return None

    def _raise(self, rule: Rule, key: AlertKey, value: float, now: datetime) -> Transition:
        self._tracks[key] = _Track(AlertState.RAISED, now, value)
        return _transition(TransitionKind.RAISED, rule, key, now, value)


def _transition(
    kind: TransitionKind,
    rule: Rule,
    key: AlertKey,
    now: datetime,
    value: float | None,
    *,
    by: str | None = None,
) -> Transition:
    return Transition(
        kind=kind,
        key=key,
        at=now,
        value=value,
        threshold=rule.threshold,
        metric=rule.metric,
        severity=rule.severity,
        title=rule.title,
        recipients=rule.recipients,
        by=by,
        step=rule.step,
    )
