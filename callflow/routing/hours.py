"""Providers' opening hours, as commissioners write them in the destinations file.

::

    hours:
      mon-fri: "08:00-22:00"
      sat: ["09:00-13:00", "14:00-18:00"]
      sun: closed

A day not listed is closed; a range may run past midnight (``"22:00-08:00"``
opens at 22:00 and closes at 08:00 the next morning, whatever that day's own
entry says); ``"00:00-24:00"`` is the whole day. A provider without ``hours``
is always open. Times are local to the destinations file's ``timezone``,
because rotas are (the clocks change; the rota does not).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")

Span = tuple[int, int]
"""Minutes from local midnight: [start, end); ``end`` may pass 1440 (overnight)."""


def _days(spec: str) -> list[int]:
    spec = spec.strip().lower()
    if "-" in spec:
        first, last = (part.strip() for part in spec.split("-", 1))
        if first not in DAYS or last not in DAYS:
            raise ValueError(f"unknown day range '{spec}' (use mon, tue, … sun)")
        start, end = DAYS.index(first), DAYS.index(last)
        return [(start + i) % 7 for i in range((end - start) % 7 + 1)]
    if spec not in DAYS:
        raise ValueError(f"unknown day '{spec}' (use mon, tue, … sun)")
    return [DAYS.index(spec)]


def _span(text: str) -> Span:
    match = _RANGE.match(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not a time range like 08:00-22:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"'{text}' has an impossible time")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"'{text}' opens and closes at the same time")
    return (start, end if end > start else end + 24 * 60)


class OpeningHours(BaseModel):
    """Weekly opening hours; ``week[d]`` holds day ``d``'s spans (Monday is 0)."""

    model_config = ConfigDict(frozen=True)

    week: tuple[tuple[Span, ...], ...] = ((),) * 7

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: object) -> object:
        if not isinstance(data, dict) or "week" in data:
            return data
        week: list[list[Span]] = [[] for _ in DAYS]
        for days, ranges in data.items():
            if ranges in ("closed", None, []):
                continue
            listed = [ranges] if isinstance(ranges, str) else ranges
            if not isinstance(listed, list) or not all(isinstance(r, str) for r in listed):
                raise ValueError(f"hours for '{days}' must be a range or a list of ranges")
            for day in _days(str(days)):
                week[day].extend(_span(r) for r in listed)
        return {"week": tuple(tuple(sorted(spans)) for spans in week)}

    def is_open(self, at: datetime, tz: ZoneInfo) -> bool:
        local = at.astimezone(tz)
        minute = local.hour * 60 + local.minute
        today = local.weekday()
        yesterday = (today - 1) % 7
        if any(start <= minute < end for start, end in self.week[today]):
            return True
        # A span that started yesterday and runs past midnight.
        return any(end > 1440 and minute < end - 1440 for _start, end in self.week[yesterday])

    def describe(self) -> dict[str, list[str]]:
        """The hours back in the file's words (for the API)."""
        return {
            DAYS[d]: [f"{_clock(s)}-{_clock(e - 1440 if e > 1440 else e)}" for s, e in spans]
            for d, spans in enumerate(self.week)
            if spans
        }


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
