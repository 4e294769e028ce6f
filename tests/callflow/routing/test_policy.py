"""Priority as virtual waiting time, and the encounter rules (pure)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from callflow.routing.policy import (
    DEFAULT_BOOST_S,
    REPEAT_CALLER,
    EncounterRule,
    PriorityClass,
    boost_for,
    queue_score,
)


def test_a_repeat_caller_counts_as_having_waited_ten_minutes_more() -> None:
    standard = queue_score(1000.0, boost_for(set()))
    repeat = queue_score(1000.0 + 599, boost_for({PriorityClass.REPEAT_CALLER}))
    assert repeat < standard  # arrived 599 s later, still served first


def test_classes_take_the_largest_boost_not_the_sum() -> None:
    both = boost_for({PriorityClass.REPEAT_CALLER, PriorityClass.CRISIS_PLAN})
    assert both == DEFAULT_BOOST_S[PriorityClass.CRISIS_PLAN]
    assert boost_for({PriorityClass.STANDARD}, extra_s=30) == 30


@given(
    st.floats(0, 1e6),
    st.sets(st.sampled_from(list(PriorityClass))),
    st.floats(0, 1e6),
)
def test_age_always_counts_so_no_call_starves(
    arrival: float, classes: set[PriorityClass], later_by: float
) -> None:
    """A standard call that has waited longer than the largest boost beats any newcomer."""
    biggest = max(DEFAULT_BOOST_S.values())
    old = queue_score(arrival, 0.0)
    newcomer = queue_score(arrival + biggest + 1 + later_by, boost_for(classes))
    assert old < newcomer


def test_national_rule_is_three_in_96_hours_and_the_old_rule_is_expressible() -> None:
    assert REPEAT_CALLER.window == timedelta(hours=96)
    assert not REPEAT_CALLER.matches(2) and REPEAT_CALLER.matches(3)
    older = EncounterRule("more_than_three", 4, timedelta(hours=96))
    assert not older.matches(3) and older.matches(4)
