"""Impact replay: run the same calls through two versions and count what changes.

A recorded call is replayed from what the CallRecord keeps: when it arrived
(so time, day and bank-holiday branches see the real time), whether the number
was withheld, whether the caller was a repeat caller at the time (computed
from the records themselves), and the caller's choices in order (``main:1``,
``main:timeout``...), fed to whatever the version asks. Calls can also be
synthetic (seeded, so a report can be reproduced).

Both versions run through the same ``simulate`` driver and the same
interpreter as live calls; the report counts calls whose action (destination,
transfer number or hang-up) differs, by transition and by pathway, with a few
example call ids. Caller numbers never appear in a report.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ivr_scripts.context import CallContext
from ivr_scripts.model import Script
from ivr_scripts.simulate import ENTERED, INVALID, Caller, simulate

REPEAT_WINDOW = timedelta(hours=96)
REPEAT_PREVIOUS = 2
"""A caller with 2 earlier calls in 96 hours is on their 3rd: a repeat caller (national RCS)."""


@dataclass(frozen=True, slots=True)
class ReplayCall:
    """One call to replay (recorded or synthetic); no caller number is kept."""

    call_id: str
    arrived_at: datetime
    inputs: tuple[str, ...] = ()
    withheld: bool = False
    repeat_caller: bool = False
    recorded: str | None = None
    """The destination the live call actually reached, when recorded."""

    def context(self, flags: frozenset[str] = frozenset()) -> CallContext:
        return CallContext(
            call_id=self.call_id,
            now=self.arrived_at,
            withheld=self.withheld,
            repeat_caller=self.repeat_caller,
            flags=flags,
        )


def inputs_from_menu_path(menu_path: Iterable[str]) -> tuple[str, ...]:
    """The caller's answers in order, from a CallRecord's ``menu_path``."""
    inputs: list[str] = []
    for entry in menu_path:
        _, _, choice = str(entry).rpartition(":")
        if choice == "timeout":
            inputs.append("")
        elif choice == "entered":
            inputs.append(ENTERED)
        elif choice in ("invalid", "unrecognised"):
            inputs.append(INVALID)
        else:
            inputs.append(choice)
    return tuple(inputs)


def repeat_callers(calls: Sequence[tuple[str | None, datetime]]) -> list[bool]:
    """For each ``(caller, arrived_at)``, whether it was a repeat call at the time.

    Withheld callers (``None``) are never repeat callers by number.
    """
    by_caller: dict[str, list[datetime]] = {}
    order = sorted(range(len(calls)), key=lambda i: calls[i][1])
    flags = [False] * len(calls)
    for i in order:
        caller, at = calls[i]
        if not caller:
            continue
        earlier = [t for t in by_caller.get(caller, []) if at - t <= REPEAT_WINDOW]
        flags[i] = len(earlier) >= REPEAT_PREVIOUS
        by_caller[caller] = [*earlier, at]
    return flags


def synthetic_calls(
    count: int, *, start: datetime, span: timedelta, seed: int = 111
) -> list[ReplayCall]:
    """``count`` plausible 111 calls spread over ``[start, start + span)``, reproducibly.

    The mix: 8% withheld numbers, 4% repeat callers; first choices 12% key 1,
    8% key 2, 10% key 3, 10% a wrong key, 60% silence (most callers wait for
    an adviser), with a second and third answer drawn the same way for
    retries and follow-up questions.
    """
    rng = random.Random(seed)
    choices = ["1", "2", "3", "9", ""]
    weights = [12, 8, 10, 10, 60]
    calls = []
    seconds = max(int(span.total_seconds()), 1)
    for n in range(count):
        inputs = tuple(rng.choices(choices, weights)[0] for _ in range(3))
        calls.append(
            ReplayCall(
                call_id=f"synthetic-{seed}-{n:06d}",
                arrived_at=start + timedelta(seconds=rng.randrange(seconds)),
                inputs=inputs,
                withheld=rng.random() < 0.08,
                repeat_caller=rng.random() < 0.04,
            )
        )
    return sorted(calls, key=lambda c: c.arrived_at)


@dataclass(frozen=True, slots=True)
class Change:
    call_id: str
    arrived_at: datetime
    inputs: tuple[str, ...]
    before: str
    after: str
    pathway: str


@dataclass(slots=True)
class Impact:
    """What a new version does to the same calls, compared with the old one."""

    total: int = 0
    changes: list[Change] = field(default_factory=list)
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    pathways: Counter[tuple[str, str]] = field(default_factory=Counter)
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    recorded: int = 0
    faithful: int = 0
    """Of the recorded calls, how many the old version sends where they really went."""

    @property
    def changed(self) -> int:
        return len(self.changes)

    def examples(self, before: str, after: str, limit: int = 3) -> list[Change]:
        return [c for c in self.changes if (c.before, c.after) == (before, after)][:limit]

    def to_json(self, examples: int = 3) -> dict[str, Any]:
        return {
            "calls": self.total,
            "changed": self.changed,
            "transitions": [
                {
                    "before": before,
                    "after": after,
                    "calls": count,
                    "examples": [
                        {
                            "call_id": c.call_id,
                            "arrived_at": c.arrived_at.isoformat(),
                            "inputs": list(c.inputs),
                            "pathway": c.pathway,
                        }
                        for c in self.examples(before, after, examples)
                    ],
                }
                for (before, after), count in self.transitions.most_common()
            ],
            "by_pathway": [
                {"pathway": pathway, "after": after, "calls": count}
                for (pathway, after), count in self.pathways.most_common()
            ],
            "before": dict(self.before.most_common()),
            "after": dict(self.after.most_common()),
            "recorded": self.recorded,
            "old_version_matches_record": self.faithful,
        }


def compare(
    old: Script,
    new: Script,
    calls: Iterable[ReplayCall],
    *,
    flags: frozenset[str] = frozenset(),
) -> Impact:
    """Replay ``calls`` through ``old`` and ``new`` and count the differences."""
    impact = Impact()
    for call in calls:
        context = call.context(flags)
        caller = Caller(call.inputs)
        before = simulate(old, context, caller)
        after = simulate(new, context, caller)
        impact.total += 1
        impact.before[before.action] += 1
        impact.after[after.action] += 1
        if call.recorded is not None:
            impact.recorded += 1
            impact.faithful += before.action == f"route:{call.recorded}"
        if before.action != after.action:
            impact.changes.append(
                Change(
                    call.call_id,
                    call.arrived_at,
                    call.inputs,
                    before.action,
                    after.action,
                    after.pathway,
                )
            )
            impact.transitions[(before.action, after.action)] += 1
            impact.pathways[(after.pathway, after.action)] += 1
    return impact
