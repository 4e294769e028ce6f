"""The alert state machine, driven with lists of figures: no I/O, no event loop."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.alerts import (
    AlertEngine,
    AlertKey,
    AlertState,
    NotRaisedError,
    Rule,
    TransitionKind,
)
from dashboards.alerts.bench import bench_evaluate
from dashboards.alerts.rules import COMPARE
from dashboards.views import Figures

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
RAISED, UPDATED, ACKED, CLEARED = (
    TransitionKind.RAISED,
    TransitionKind.UPDATED,
    TransitionKind.ACKNOWLEDGED,
    TransitionKind.CLEARED,
)


def rule(**fields: Any) -> Rule:
    values: dict[str, Any] = {
        "name": "wait",
        "title": "Long wait",
        "metric": "longest_wait_s",
        "scope": "provider",
        "comparison": ">",
        "threshold": 600,
    }
    values.update(fields)
    return Rule.model_validate(values)


@dataclass
class Source:
    """Figures per (kind, key); counts how often each (kind, key, window) is asked for."""

    scope_keys: dict[str, Sequence[str]] = field(
        default_factory=lambda: {"system": ("system",), "provider": ("dental", "crisis")}
    )
    values: dict[tuple[str, str], Figures] = field(default_factory=dict)
    asked: Counter[tuple[str, str, int]] = field(default_factory=Counter)

    def figures(self, kind: str, key: str, window_s: int, now: datetime) -> Figures:
        self.asked[kind, key, window_s] += 1
        return self.values.get((kind, key), Figures())

    def scopes(self, kind: str) -> Sequence[str]:
        return self.scope_keys.get(kind, ())

    def wait(self, key: str, seconds: float) -> Source:
        self.values["provider", key] = Figures(longest_wait_s=seconds)
        return self


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def kinds(engine: AlertEngine, seconds: float, source: Source) -> list[tuple[str, str]]:
    return [(t.kind.value, t.key.scope) for t in engine.evaluate(at(seconds), source)]


def test_a_breach_raises_at_once_without_min_duration_and_only_once() -> None:
    engine = AlertEngine([rule()])
    source = Source().wait("dental", 700)
    (raised,) = engine.evaluate(at(0), source)
    assert raised.kind is RAISED and raised.key == AlertKey("wait", "provider", "dental")
    assert (raised.value, raised.threshold, raised.severity) == (700, 600, "warning")
    assert engine.evaluate(at(1), source) == []
    assert engine.state_of(raised.key) is AlertState.RAISED


def test_min_duration_needs_a_continuous_breach() -> None:
    engine = AlertEngine([rule(min_duration_s=60)])
    source = Source().wait("dental", 700)
    assert kinds(engine, 0, source) == []
    assert kinds(engine, 59, source) == []
    source.wait("dental", 500)  # a dip below the line starts the wait again
    assert kinds(engine, 60, source) == []
    source.wait("dental", 700)
    assert kinds(engine, 61, source) == []
    assert kinds(engine, 120, source) == []
    assert kinds(engine, 121, source) == [("raised", "dental")]


def test_an_unjudged_figure_ends_a_pending_breach_but_not_a_raised_one() -> None:
    engine = AlertEngine(
        [rule(metric="abandon_rate", threshold=0.03, min_calls=20, min_duration_s=30)]
    )
    source = Source()
    busy = Figures(a01_received=40, b02_abandoned=4)
    source.values["provider", "dental"] = busy
    assert kinds(engine, 0, source) == []
    source.values["provider", "dental"] = Figures(a01_received=5, b02_abandoned=4)  # 80 %, 5 calls
    assert kinds(engine, 20, source) == []
    source.values["provider", "dental"] = busy
    assert kinds(engine, 40, source) == []  # pending again from 40 s
    assert kinds(engine, 70, source) == [("raised", "dental")]
    source.values["provider", "dental"] = Figures(a01_received=3)  # too few calls: no news
    assert kinds(engine, 80, source) == []
    assert engine.state_of(AlertKey("wait", "provider", "dental")) is AlertState.RAISED


def test_updates_only_on_a_material_move() -> None:
    engine = AlertEngine([rule(update_step=60)])
    source = Source().wait("dental", 700)
    engine.evaluate(at(0), source)
    source.wait("dental", 750)
    assert kinds(engine, 1, source) == []
    source.wait("dental", 760)
    (updated,) = engine.evaluate(at(2), source)
    assert updated.kind is UPDATED and updated.value == 760
    source.wait("dental", 810)  # 50 s past the last notice, not past 700
    assert kinds(engine, 3, source) == []


def test_hysteresis_holds_the_alert_until_clear_at() -> None:
    engine = AlertEngine([rule(clear_at=300, update_step=1000)])
    source = Source().wait("dental", 700)
    engine.evaluate(at(0), source)
    source.wait("dental", 400)  # under the threshold, above clear_at
    assert kinds(engine, 1, source) == []
    source.wait("dental", 300)
    (cleared,) = engine.evaluate(at(2), source)
    assert cleared.kind is CLEARED and cleared.value == 300


def test_cooldown_blocks_a_raise_until_it_ends() -> None:
    engine = AlertEngine([rule(cooldown_s=120)])
    source = Source().wait("dental", 700)
    engine.evaluate(at(0), source)
    source.wait("dental", 0)
    assert kinds(engine, 10, source) == [("cleared", "dental")]
    key = AlertKey("wait", "provider", "dental")
    assert engine.state_of(key) is AlertState.COOLDOWN
    source.wait("dental", 900)
    assert kinds(engine, 129, source) == []
    assert kinds(engine, 130, source) == [("raised", "dental")]


def test_a_rule_with_a_key_watches_only_that_scope() -> None:
    engine = AlertEngine([rule(key="crisis")])
    source = Source().wait("dental", 900).wait("crisis", 900)
    assert kinds(engine, 0, source) == [("raised", "crisis")]
    assert ("provider", "dental", 900) not in source.asked


def test_figures_are_fetched_once_per_scope_and_window() -> None:
    rules = [
        rule(name="a"),
        rule(name="b", metric="waiting_now", threshold=10),
        rule(name="c", metric="p95_answer_s", threshold=120, window_s=3600),
        rule(name="d", scope="system", metric="fallbacks", threshold=5),
    ]
    source = Source()
    AlertEngine(rules).evaluate(at(0), source)
    assert source.asked == {
        ("provider", "dental", 900): 1,
        ("provider", "crisis", 900): 1,
        ("provider", "dental", 3600): 1,
        ("provider", "crisis", 3600): 1,
        ("system", "system", 900): 1,
    }


def test_acknowledge_keeps_the_alert_open_until_it_clears() -> None:
    engine = AlertEngine([rule()])
    source = Source().wait("dental", 700)
    key = AlertKey("wait", "provider", "dental")
    with pytest.raises(NotRaisedError):
        engine.acknowledge(key, "sup", at(0))
    engine.evaluate(at(0), source)
    acked = engine.acknowledge(key, "sup", at(5))
    assert (acked.kind, acked.by, acked.value) == (ACKED, "sup", 700)
    assert engine.state_of(key) is AlertState.ACKNOWLEDGED
    with pytest.raises(NotRaisedError) as twice:
        engine.acknowledge(key, "other", at(6))
    assert twice.value.state == "acknowledged"
    source.wait("dental", 900)
    assert kinds(engine, 7, source) == [("updated", "dental")]
    assert engine.state_of(key) is AlertState.ACKNOWLEDGED
    source.wait("dental", 10)
    assert kinds(engine, 8, source) == [("cleared", "dental")]


def test_restored_alerts_are_not_raised_again() -> None:
    engine = AlertEngine([rule(cooldown_s=60)])
    dental, crisis = AlertKey("wait", "provider", "dental"), AlertKey("wait", "provider", "crisis")
    engine.restore(dental, AlertState.ACKNOWLEDGED, since=at(-300), value=700)
    engine.restore(crisis, AlertState.COOLDOWN, since=at(-30), until=at(30))
    source = Source().wait("dental", 700).wait("crisis", 700)
    assert kinds(engine, 0, source) == []
    assert kinds(engine, 30, source) == [("raised", "crisis")]
    with pytest.raises(ValueError, match="until"):
        engine.restore(crisis, AlertState.COOLDOWN, since=at(0))


def test_new_rules_keep_matching_alerts_and_clear_the_rest() -> None:
    engine = AlertEngine([rule(), rule(name="queue", metric="waiting_now", threshold=5)])
    source = Source()
    for key in ("dental", "crisis"):
        source.values["provider", key] = Figures(waiting_now=9, longest_wait_s=700)
    assert len(engine.evaluate(at(0), source)) == 4
    changed = engine.set_rules([rule(threshold=650), rule(name="queue", key="crisis",
                                metric="fallbacks", threshold=5)], at(1))  # fmt: skip
    assert sorted((t.kind.value, t.key.rule, t.key.scope) for t in changed) == [
        ("cleared", "queue", "crisis"),  # same name, other metric: a different alert
        ("cleared", "queue", "dental"),  # no longer covered (the rule has a key now)
    ]
    assert engine.evaluate(at(2), source) == []  # the wait alerts are still raised
    assert [t.key.rule for t in engine.set_rules([], at(3))] == ["wait", "wait"]


def test_the_micro_benchmark_runs() -> None:
    assert bench_evaluate(rounds=50) > 0


# -- properties ----------------------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Rule, list[tuple[float, float | None]]]:
    comparison = draw(st.sampled_from(sorted(COMPARE)))
    threshold = draw(st.integers(5, 15))
    gap = draw(st.integers(0, 4))
    clear_at = threshold - gap if comparison in (">", ">=") else threshold + gap
    the_rule = rule(
        metric="mean_answer_s",
        min_calls=1,
        comparison=comparison,
        threshold=threshold,
        clear_at=clear_at,
        min_duration_s=draw(st.sampled_from([0, 5, 20])),
        cooldown_s=draw(st.sampled_from([0, 10, 45])),
    )
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from([0.0, 0.25, 1.0, 5.0, 12.0]),
                st.none() | st.integers(0, 20).map(float),
            ),
            min_size=1,
            max_size=60,
        )
    )
    return the_rule, steps


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_alerts_obey_min_duration_hysteresis_and_cooldown(
    scenario: tuple[Rule, list[tuple[float, float | None]]],
) -> None:
    the_rule, steps = scenario
    engine = AlertEngine([the_rule])
    source = Source(scope_keys={"provider": ("dental",)})
    breach = COMPARE[the_rule.comparison]
    clock = 0.0
    is_open = False
    eligible_from = float("-inf")  # when the last cool-down ends
    streak_start: float | None = None  # first time of the current run of judged breaches
    for dt, value in steps:
        clock += dt
        figures = Figures(a03_answered=0 if value is None else 5, b06_mean_answer_s=value)
        source.values["provider", "dental"] = figures
        changes = engine.evaluate(at(clock), source)
        assert len(changes) <= 1
        kind = changes[0].kind if changes else None
        breaching = value is not None and breach(value, the_rule.threshold)
        if is_open:
            # hysteresis: cleared exactly when the judged value is past clear_at
            past_clear = value is not None and not breach(value, the_rule.clear_level)
            assert (kind is CLEARED) == past_clear
            assert kind is not RAISED  # never raised twice without a clear
            if kind is CLEARED:
                is_open = False
                eligible_from = clock + the_rule.cooldown_s
                streak_start = None
            continue
        assert kind in (None, RAISED)
        # breaches seen in a cool-down do not count towards min_duration
        if breaching and clock >= eligible_from:
            streak_start = clock if streak_start is None else streak_start
        else:
            streak_start = None
        held = streak_start is not None and clock - streak_start >= the_rule.min_duration_s
        assert (kind is RAISED) == held
        if kind is RAISED:
            assert clock >= eligible_from  # cooldown respected
            is_open = True
