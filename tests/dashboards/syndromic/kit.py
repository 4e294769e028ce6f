"""Shared test helpers for syndromic surveillance: a settable clock, recorded hooks, events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from callflow.events import CallEvent, CallEventType
from dashboards.syndromic import Alarm

NOW = datetime(2026, 3, 10, 10, 6, tzinfo=UTC)
"""A Tuesday morning; London is on GMT in March, so local days are UTC days."""


@dataclass
class Clock:
    """The monitor's clock; tests move it."""

    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Hooks:
    """What the monitor told the outside world: flags raised and alarms announced."""

    flags: list[tuple[str, float]] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)

    async def raise_flag(self, name: str, ttl_s: float) -> None:
        self.flags.append((name, ttl_s))

    async def on_alarm(self, alarm: Alarm) -> None:
        self.alarms.append(alarm)


def routing(
    call_id: str, at: datetime, indicators: str, area: str = "", pathway: str = "default111"
) -> CallEvent:
    """A ``call.routing`` event as call control publishes it."""
    return CallEvent(
        call_id,
        CallEventType.ROUTING,
        at,
        {"indicators": indicators, "area": area, "pathway": pathway, "fallback": False},
    )
