"""Conditions of ``branch`` nodes and messages, judged purely from the call's facts.

A condition on a fact that is not known is false: no time (``now``), no time,
day or bank-holiday match; no age, no age band; no call id, not in a pilot.
``Not`` inverts whatever its inner condition says, unknown included.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from ivr_scripts.context import CallContext
from ivr_scripts.model import (
    AgeBand,
    AllOf,
    Answered,
    AnyOf,
    BankHoliday,
    CarePlan,
    Condition,
    DateRange,
    DaysOfWeek,
    Flag,
    Language,
    Message,
    Not,
    Reason,
    RepeatCaller,
    Script,
    Split,
    Tagged,
    TimeOfDay,
    Withheld,
)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions may look at: the call's context, tags and answers so far."""

    context: CallContext
    tags: tuple[str, ...] = ()
    answers: tuple[tuple[str, str], ...] = ()


def local_now(script: Script, context: CallContext) -> datetime | None:
    """The call's arrival time in the script's time zone, if known."""
    now = context.aware_now()
    return None if now is None else now.astimezone(script.timezone)


def split_bucket(call_id: str, salt: str) -> float:
    """A stable number in ``[0, 100)`` for this call and pilot."""
    digest = hashlib.sha256(f"{salt}:{call_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 * 100


def evaluate(condition: Condition, script: Script, facts: Facts) -> bool:
    """Whether ``condition`` holds for this call."""
    ctx = facts.context
    match condition:
        case TimeOfDay(start=start, end=end):
            now = local_now(script, ctx)
            if now is None:
                return False
            current = now.time().replace(tzinfo=None)
            if start <= end:
                return start <= current < end
            return current >= start or current < end
        case DaysOfWeek(days=days):
            now = local_now(script, ctx)
            return now is not None and now.weekday() in days
        case BankHoliday(value=value):
            now = local_now(script, ctx)
            return now is not None and (now.date() in script.bank_holidays) == value
        case DateRange(start=first, end=last):
            now = local_now(script, ctx)
            return now is not None and _within(now.date(), first, last)
        case RepeatCaller(value=value):
            return ctx.repeat_caller == value
        case CarePlan(types=types, value=value):
            has = bool(ctx.care_plans & types) if types else bool(ctx.care_plans)
            return has == value
        case Withheld(value=value):
            return ctx.withheld == value
        case AgeBand(min=low, max=high):
            if ctx.age is None:
                return False
            return (low is None or ctx.age >= low) and (high is None or ctx.age <= high)
        case Language(codes=codes):
            return ctx.language is not None and ctx.language.lower() in codes
        case Reason(labels=labels):
            return bool(ctx.reasons & labels)
        case Flag(name=name):
            return name in ctx.flags
        case Split(percent=percent, salt=salt):
            return bool(ctx.call_id) and split_bucket(ctx.call_id, salt) < percent
        case Answered(question=question, codes=codes):
            return any(q == question and code in codes for q, code in facts.answers)
        case Tagged(tag=tag):
            return tag in facts.tags
        case AllOf(items=items):
            return all(evaluate(item, script, facts) for item in items)
        case AnyOf(items=items):
            return any(evaluate(item, script, facts) for item in items)
        case Not(item=item):
            return not evaluate(item, script, facts)


def _within(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)


def message_active(message: Message, script: Script, facts: Facts) -> bool:
    """Whether a front-end message plays now: inside its window and its condition holds."""
    if message.start is not None or message.end is not None:
        now = facts.context.aware_now()
        if now is None:
            return False
        if message.start is not None and now < message.start:
            return False
        if message.end is not None and now >= message.end:
            return False
    return message.when is None or evaluate(message.when, script, facts)


def describe(condition: Condition) -> str:
    """A short human reading of ``condition`` (for the simulator's output)."""
    match condition:
        case TimeOfDay(start=start, end=end):
            return f"time {start:%H:%M}-{end:%H:%M}"
        case DaysOfWeek(days=days):
            return "days " + ",".join(DAY_NAMES[d] for d in sorted(days))
        case BankHoliday(value=value):
            return "bank holiday" if value else "not a bank holiday"
        case DateRange(start=first, end=last):
            return f"dates {first or '…'}..{last or '…'}"
        case RepeatCaller(value=value):
            return "repeat caller" if value else "not a repeat caller"
        case CarePlan(types=types, value=value):
            what = "care plan" + (f" ({', '.join(sorted(types))})" if types else "")
            return what if value else f"no {what}"
        case Withheld(value=value):
            return "number withheld" if value else "number shown"
        case AgeBand(min=low, max=high):
            return f"age {'' if low is None else low}-{'' if high is None else high}"
        case Language(codes=codes):
            return "language " + ",".join(sorted(codes))
        case Reason(labels=labels):
            return "reason " + ",".join(sorted(labels))
        case Flag(name=name):
            return f"flag {name}"
        case Split(percent=percent, salt=salt):
            return f"{percent:g}% split ({salt})"
        case Answered(question=question, codes=codes):
            return f"answer {question} in {','.join(sorted(codes))}"
        case Tagged(tag=tag):
            return f"tag {tag}"
        case AllOf(items=items):
            return " and ".join(_grouped(item) for item in items)
        case AnyOf(items=items):
            return " or ".join(_grouped(item) for item in items)
        case Not(item=item):
            return f"not {_grouped(item)}"


def _grouped(condition: Condition) -> str:
    text = describe(condition)
    return f"({text})" if isinstance(condition, AllOf | AnyOf) else text
