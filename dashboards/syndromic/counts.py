"""Counts per indicator and area, per UTC hour and per local day, from ``call.routing``.

A routed call is counted once per indicator it carries, in its postcode
district (``area``) or, when the caller gave no postcode, under its pathway id
(the provider's id is the fallback area), and again under ``ALL`` (every area
together). The call's id goes into
``syndromic_call`` in the same transaction as the increments, with
``ON CONFLICT DO NOTHING``: when the stream delivers an event again (it is
at-least-once), the insert finds the id and nothing is counted twice. Calls
without indicators are kept too: they mark when collection started, so a day
with no calls of a kind is a true zero, not missing history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Table, func
from sqlmodel import Session, col, select

from callflow.events import CallEvent, CallEventType
from callflow.storage import Database
from dashboards.syndromic.cells import Cell, Counts
from dashboards.syndromic.models import (
    CALLS,
    DAILY,
    HOURLY,
    SyndromicCall,
    SyndromicDaily,
    SyndromicHourly,
)
from dashboards.syndromic.sql import aware, insert_for
from dashboards.views import ALL_AREAS

UNKNOWN_AREA = "unknown"
_LABEL_MAX = 64


@dataclass(frozen=True, slots=True)
class RoutedCall:
    """What surveillance keeps of a ``call.routing`` event: codes only."""

    call_id: str
    at: datetime
    area: str
    indicators: tuple[str, ...]


def routed_call(event: CallEvent) -> RoutedCall | None:
    """The call's indicators and area, or ``None`` for any other event type."""
    if event.type is not CallEventType.ROUTING:
        return None
    attributes = event.attributes
    raw = str(attributes.get("indicators") or "")
    indicators = sorted({p.strip().lower()[:_LABEL_MAX] for p in raw.split(",") if p.strip()})
    district = str(attributes.get("area") or "").strip().upper()
    pathway = str(attributes.get("pathway") or "").strip()
    at = event.at if event.at.tzinfo is not None else event.at.replace(tzinfo=UTC)
    return RoutedCall(
        call_id=event.call_id,
        at=at.astimezone(UTC),
        area=(district or pathway or UNKNOWN_AREA)[:_LABEL_MAX],
        indicators=tuple(indicators),
    )


def hour_start(moment: datetime) -> datetime:
    """The UTC hour ``moment`` falls in."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """When local ``day`` starts, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


class CountStore:
    """Records routed calls and reads count series back as NumPy arrays.

    Usage::

        store = CountStore(db, zone=ZoneInfo("Europe/London"))
        await store.record(call)
        daily = await store.history("vomiting", "SE15", 365, end=date.today())
    """

    def __init__(self, db: Database, *, zone: ZoneInfo) -> None:
        self._db = db
        self._zone = zone

    async def record(self, call: RoutedCall) -> bool:
        """Count ``call`` once; ``False`` when its id was already counted."""
        return await self._db.run(lambda session: self._record(session, call))

    def _record(self, session: Session, call: RoutedCall) -> bool:
        inserted = session.execute(
            insert_for(session, CALLS)
            .values(
                call_id=call.call_id,
                at=call.at,
                area=call.area,
                indicators=",".join(call.indicators),
            )
            .on_conflict_do_nothing(index_elements=["call_id"])
            .returning(CALLS.c.call_id)
        ).first()
        if inserted is None:
            return False
        day = call.at.astimezone(self._zone).date()
        for indicator in call.indicators:
            for area in areas_of(call.area):
                keys = {"indicator": indicator, "area": area}
                self._increment(session, HOURLY, keys | {"hour": hour_start(call.at)})
                self._increment(session, DAILY, keys | {"day": day})
        return True

    @staticmethod
    def _increment(session: Session, table: Table, keys: dict[str, object]) -> None:
        session.execute(
            insert_for(session, table)
            .values(**keys, calls=1)
            .on_conflict_do_update(index_elements=list(keys), set_={"calls": table.c.calls + 1})
        )

    async def collection_start(self) -> datetime | None:
        """When the first routed call was recorded (history starts there).

        Once old per-call rows are pruned, the first counted day stands in for
        them: days before it with no call of any indicator are then "before
        collection", not zeros, which only shortens a detector's baseline.
        """

        def read(session: Session) -> tuple[datetime | None, date | None]:
            first_call = session.exec(select(func.min(SyndromicCall.at))).one()
            first_day = session.exec(select(func.min(SyndromicDaily.day))).one()
            return first_call, first_day

        first_call, first_day = await self._db.run(read)
        start = aware(first_call) if first_call is not None else None
        if first_day is not None and (
            start is None or start.astimezone(self._zone).date() > first_day
        ):
            start = local_midnight(first_day, self._zone)  # that day's calls were pruned
        return start

    async def prune_calls(self, before: datetime) -> int:
        """Forget the per-call rows of calls routed before ``before``; how many.

        The hourly and daily counts are kept. Only call ids that can no longer
        arrive again may go: a pruned id seen again would be counted twice.
        """

        def prune(session: Session) -> int:
            result = session.execute(CALLS.delete().where(CALLS.c.at < before))
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

        return await self._db.run(prune)

    async def daily(self, start: date, end: date) -> dict[Cell, Counts]:
        """Every cell with a call in ``start…end`` (local days, inclusive): counts per day."""
        size = (end - start).days + 1

        def read(session: Session) -> list[tuple[str, str, date, int]]:
            rows = session.exec(
                select(
                    SyndromicDaily.indicator,
                    SyndromicDaily.area,
                    col(SyndromicDaily.day),
                    SyndromicDaily.calls,
                ).where(col(SyndromicDaily.day) >= start, col(SyndromicDaily.day) <= end)
            ).all()
            return [(indicator, area, day, calls) for indicator, area, day, calls in rows]

        rows = await self._db.run(read)
        return _fill(((Cell(i, a), (d - start).days, n) for i, a, d, n in rows), size)

    async def hourly(self, start: datetime, end: datetime) -> dict[Cell, Counts]:
        """Every cell with a call in UTC hours ``[start, end)``: counts per hour."""
        start, end = hour_start(start), hour_start(end)
        size = int((end - start) / timedelta(hours=1))

        def read(session: Session) -> list[tuple[str, str, datetime, int]]:
            rows = session.exec(
                select(
                    SyndromicHourly.indicator,
                    SyndromicHourly.area,
                    SyndromicHourly.hour,
                    SyndromicHourly.calls,
                ).where(col(SyndromicHourly.hour) >= start, col(SyndromicHourly.hour) < end)
            ).all()
            return [tuple(row) for row in rows]  # type: ignore[misc]

        rows = await self._db.run(read)
        hour = timedelta(hours=1)
        return _fill(((Cell(i, a), int((aware(h) - start) / hour), n) for i, a, h, n in rows), size)

    async def history(self, indicator: str, area: str, days: int, *, end: date) -> Counts:
        """Daily counts of one cell for the ``days`` local days ending with ``end``.

        Days with no calls are zeros, including any before collection started
        (see :meth:`collection_start`).
        """
        start = end - timedelta(days=days - 1)

        def read(session: Session) -> list[tuple[date, int]]:
            rows = session.exec(
                select(col(SyndromicDaily.day), SyndromicDaily.calls).where(
                    SyndromicDaily.indicator == indicator,
                    SyndromicDaily.area == area,
                    col(SyndromicDaily.day) >= start,
                    col(SyndromicDaily.day) <= end,
                )
            ).all()
            return [(day, calls) for day, calls in rows]

        series = np.zeros(days, dtype=np.int64)
        for day, calls in await self._db.run(read):
            series[(day - start).days] = calls
        return series

    async def last_hour(self, now: datetime) -> dict[Cell, int]:
        """Calls per cell in the 60 minutes up to ``now`` (exact, not by clock hour)."""
        now = now.astimezone(UTC)
        since = now - timedelta(hours=1)

        def read(session: Session) -> list[tuple[str, str]]:
            rows = session.exec(
                select(SyndromicCall.area, SyndromicCall.indicators).where(
                    col(SyndromicCall.at) > since,
                    col(SyndromicCall.at) <= now,
                    SyndromicCall.indicators != "",
                )
            ).all()
            return [(area, indicators) for area, indicators in rows]

        counts: dict[Cell, int] = defaultdict(int)
        for area, indicators in await self._db.run(read):
            for indicator in indicators.split(","):
                for cell_area in areas_of(area):
                    counts[Cell(indicator, cell_area)] += 1
        return dict(counts)


def areas_of(area: str) -> tuple[str, ...]:
    """The areas a call in ``area`` is counted in: its own, and all areas."""
    return (area, ALL_AREAS) if area != ALL_AREAS else (area,)


def _fill(rows: Iterable[tuple[Cell, int, int]], size: int) -> dict[Cell, Counts]:
    series: dict[Cell, Counts] = {}
    for cell, index, calls in rows:
        if cell not in series:
            series[cell] = np.zeros(size, dtype=np.int64)
        series[cell][index] = calls
    return series
