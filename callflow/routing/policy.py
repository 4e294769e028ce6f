"""Routing policy, pure: who counts as a repeat caller and how far ahead a call goes.

Priority is time, as commissioners reason about it: a class adds seconds of
*virtual waiting* ("a repeat caller counts as having waited 10 minutes more").
A call's rank is its arrival time minus that boost, so re-ranking is just a new
score, and starvation is impossible: boosts are bounded, so a call that has
waited longer than the largest boost is ahead of every newcomer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class PriorityClass(StrEnum):
    RED_FLAG = "red_flag"
    CRISIS_PLAN = "crisis_plan"
    REPEAT_CALLER = "repeat_caller"
    VULNERABLE = "vulnerable"
    STANDARD = "standard"


DEFAULT_BOOST_S: dict[PriorityClass, float] = {
    PriorityClass.RED_FLAG: 3600.0,
    PriorityClass.CRISIS_PLAN: 1800.0,
    PriorityClass.REPEAT_CALLER: 600.0,
    PriorityClass.VULNERABLE: 600.0,
    PriorityClass.STANDARD: 0.0,
}


def queue_score(arrival_epoch_s: float, boost_s: float) -> float:
    """Lower is served first: arrival time pulled earlier by the boost."""
    return arrival_epoch_s - boost_s


def boost_for(
    classes: set[PriorityClass],
    extra_s: float = 0.0,
    boosts: dict[PriorityClass, float] | None = None,
) -> float:
    """The largest boost among the call's classes, plus script adjustments.

    Classes do not add up (a repeat caller with a crisis plan is not served
    before a red flag); the script's own adjustment (``set`` priority) does.
    """
    table = boosts or DEFAULT_BOOST_S
    return max((table[c] for c in classes), default=0.0) + extra_s


@dataclass(frozen=True, slots=True)
class EncounterRule:
    """``at_least`` encounters (this call included) within ``window``.

    The national Repeat Caller Service rule is 3 or more in 96 hours; the older
    ">3" rule is ``at_least=4``.
    """

    name: str
    at_least: int
    window: timedelta

    def matches(self, encounters_in_window: int) -> bool:
        return encounters_in_window >= self.at_least


REPEAT_CALLER = EncounterRule("repeat_caller", 3, timedelta(hours=96))
FREQUENT_CALLER_MONTH = EncounterRule("frequent_month", 5, timedelta(days=30))
FREQUENT_CALLER_QUARTER = EncounterRule("frequent_quarter", 12, timedelta(days=90))


@dataclass(frozen=True, slots=True)
class RepeatStatus:
    """What the script and the handoff see about a caller's history."""

    identified: bool
    count: int = 0
    """Encounters in the repeat-caller window, this call included."""
    repeat: bool = False
    frequent: bool = False

    @property
    def classes(self) -> set[PriorityClass]:
        return {PriorityClass.REPEAT_CALLER} if self.repeat else set()


UNIDENTIFIED = RepeatStatus(identified=False)
