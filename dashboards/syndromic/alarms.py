"""Alarms: stored once per indicator, area, detector and day.

Detectors run again and again on the same day (every evaluation re-tests
today), so an alarm is keyed by what it says, not when it was computed: the
insert does nothing when that day's alarm exists, and only a new row is news
(a proposal, an ``on_alarm`` notification).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from dashboards.syndromic.evaluation import Finding
from dashboards.syndromic.models import ALARMS, SyndromicAlarm
from dashboards.syndromic.sql import aware, insert_for
from dashboards.views import AlarmView


@dataclass(frozen=True, slots=True)
class Alarm:
    """A detector's alarm on one indicator in one area for one (local) day."""

    id: str
    indicator: str
    area: str
    detector: str
    day: date
    observed: float
    expected: float | None
    threshold: float
    at: datetime
    """When it was first raised."""

    def view(self) -> AlarmView:
        return AlarmView(
            id=self.id,
            indicator=self.indicator,
            area=self.area,
            detector=self.detector,
            observed=self.observed,
            expected=self.expected,
            threshold=self.threshold,
            at=self.at,
        )


def record_alarm(session: Session, finding: Finding, now: datetime) -> Alarm | None:
    """Store ``finding`` as an alarm; ``None`` when that day's alarm already exists."""
    alarm = Alarm(
        id=uuid.uuid4().hex,
        indicator=finding.indicator,
        area=finding.area,
        detector=finding.detector,
        day=finding.day,
        observed=finding.observed,
        expected=finding.expected,
        threshold=finding.threshold,
        at=now.astimezone(UTC),
    )
    result = session.execute(
        insert_for(session, ALARMS)
        .values(
            id=alarm.id,
            indicator=alarm.indicator,
            area=alarm.area,
            detector=alarm.detector,
            day=alarm.day,
            observed=alarm.observed,
            expected=alarm.expected,
            threshold=alarm.threshold,
            at=alarm.at,
        )
        .on_conflict_do_nothing(index_elements=["indicator", "area", "detector", "day"])
        .returning(ALARMS.c.id)
    ).first()
    return alarm if result is not None else None


def alarms_since(session: Session, day: date) -> list[Alarm]:
    """Alarms for ``day`` and later, newest first."""
    rows = session.exec(
        select(SyndromicAlarm)
        .where(col(SyndromicAlarm.day) >= day)
        .order_by(col(SyndromicAlarm.at).desc(), col(SyndromicAlarm.id))
    ).all()
    return [
        Alarm(
            id=row.id,
            indicator=row.indicator,
            area=row.area,
            detector=row.detector,
            day=row.day,
            observed=row.observed,
            expected=row.expected,
            threshold=row.threshold,
            at=aware(row.at),
        )
        for row in rows
    ]
