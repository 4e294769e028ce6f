"""Which detectors alarm on which cell: pure functions of count arrays.

The monitor reads a :class:`Snapshot` of the counts, hands it here (in a
worker thread: a few thousand cells is real CPU work) and stores what comes
back. Three horizons:

* **daily** (EARS C2, C3 and the NSSP EWMA) on local-day counts, testing
  yesterday and today. Today is partial, which is sound: counts only grow, so
  a partial day above its threshold stays above it.
* **intra-day** (Poisson CUSUM) on UTC-hour counts since yesterday's local
  midnight, against the mean count of the same local hour over the baseline
  days, floored (``cusum_floor``) so a cell with little or no history still
  needs a real burst to alarm.
* **weekly** (Farrington Flexible) on the 7-day totals ending yesterday, once
  a cell has a year and ``w + 1`` weeks of history.

History starts at the first full local day after collection began: days
before it are unknown, not zero, so a new deployment stays quiet until the
detectors have the baseline they need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from dashboards.syndromic.cells import Cell, Counts
from dashboards.syndromic.detectors import (
    Detection,
    ears_c2,
    ears_c3,
    ewma_nssp,
    farrington_flexible,
    poisson_cusum,
)
from dashboards.syndromic.settings import SyndromicSettings

EARS_C2 = "ears_c2"
EARS_C3 = "ears_c3"
EWMA = "ewma"
CUSUM = "cusum"
FARRINGTON = "farrington"
WEEKS_PER_YEAR = 52


@dataclass(frozen=True, slots=True)
class Finding:
    """A detector alarmed on a cell for a day (the monitor turns it into an Alarm)."""

    indicator: str
    area: str
    detector: str
    day: date
    observed: float
    expected: float | None
    threshold: float


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The counts one evaluation looks at.

    ``daily[cell][i]`` is the count on ``daily_start + i`` (the last is today);
    ``hourly[cell][i]`` is the count in the UTC hour ``hours[i]``;
    ``baseline[cell]`` holds the mean count per local hour of day (24 values)
    over ``baseline_days`` full days (0 when there is no history yet).
    """

    today: date
    first_day: date
    daily_start: date
    daily: dict[Cell, Counts] = field(default_factory=dict)
    hours: tuple[datetime, ...] = ()
    hourly: dict[Cell, Counts] = field(default_factory=dict)
    baseline_days: int = 0
    baseline: dict[Cell, NDArray[np.float64]] = field(default_factory=dict)

    def series(self, cell: Cell) -> tuple[date, Counts]:
        """The cell's daily counts from the first full day of history to today."""
        counts = self.daily.get(cell, np.zeros(0, dtype=np.int64))
        skip = max(0, (self.first_day - self.daily_start).days)
        return self.daily_start + timedelta(days=skip), counts[skip:]


def find_daily(snapshot: Snapshot, settings: SyndromicSettings) -> list[Finding]:
    """EARS C2, C3 and EWMA alarms on yesterday and today, for every cell."""
    findings: list[Finding] = []
    for cell in sorted(snapshot.daily):
        start, counts = snapshot.series(cell)
        detections = {
            EARS_C2: ears_c2(counts, alpha=settings.c2_alpha, min_sigma=settings.min_sigma),
            EARS_C3: ears_c3(counts, alpha=settings.c3_alpha, min_sigma=settings.min_sigma),
        }
        if settings.ewma:
            detections[EWMA] = ewma_nssp(counts).detection
        for name, detection in detections.items():
            for index in range(max(0, counts.size - 2), counts.size):
                if detection.alarm[index] and counts[index] >= settings.min_alarm_count:
                    day = start + timedelta(days=index)
                    findings.append(_finding(cell, name, day, detection, index, counts))
    return findings


def find_intraday(snapshot: Snapshot, settings: SyndromicSettings) -> list[Finding]:
    """Poisson CUSUM alarms on the monitored hours; the first alarm per cell and day."""
    zone = settings.zone
    findings: list[Finding] = []
    local_hours = np.array([hour.astimezone(zone).hour for hour in snapshot.hours], dtype=np.int64)
    days = [hour.astimezone(zone).date() for hour in snapshot.hours]
    for cell in sorted(snapshot.hourly):
        counts = snapshot.hourly[cell]
        profile = snapshot.baseline.get(cell, np.zeros(24))
        mu0 = np.maximum(profile[local_hours], settings.cusum_floor)
        sd = np.sqrt(mu0)
        detection = poisson_cusum(
            counts, mu0=mu0, shift=settings.cusum_shift_sd * sd, h=settings.cusum_h_sd * sd
        )
        alarmed: set[date] = set()
        for index in np.flatnonzero(detection.alarm).tolist():
            if days[index] not in alarmed:
                alarmed.add(days[index])
                findings.append(_finding(cell, CUSUM, days[index], detection, index, counts))
    return findings


def hour_of_day_profile(
    counts: Counts, hours: tuple[datetime, ...], zone: ZoneInfo, days: int
) -> NDArray[np.float64]:
    """Mean count per local hour of day over ``days`` days of hourly ``counts``."""
    totals = np.zeros(24)
    if days > 0:
        local = np.array([hour.astimezone(zone).hour for hour in hours], dtype=np.int64)
        np.add.at(totals, local, counts)
        totals /= days
    return totals


def weekly_weeks(history_days: int, settings: SyndromicSettings) -> int:
    """How many weeks Farrington can use with ``history_days`` full days (0: not yet)."""
    weeks = history_days // 7
    years = min(settings.farrington_years, (weeks - settings.farrington_window - 1) // 52)
    return years * WEEKS_PER_YEAR + settings.farrington_window + 1 if years >= 1 else 0


def find_weekly(
    cell: Cell, daily: Counts, day: date, settings: SyndromicSettings
) -> Finding | None:
    """Farrington Flexible on the week ending ``day``; ``daily`` ends on ``day`` too.

    ``daily`` must hold a whole number of weeks, as :func:`weekly_weeks` sizes it.
    """
    weeks = daily.reshape(-1, 7).sum(axis=1)
    years = (weeks.size - settings.farrington_window - 1) // WEEKS_PER_YEAR
    result = farrington_flexible(
        weeks,
        b=years,
        w=settings.farrington_window,
        alpha=settings.farrington_alpha,
        periods=settings.farrington_periods,
        past_excluded=settings.farrington_past_excluded,
    )
    if result is None or not result.alarm:
        return None
    return Finding(
        indicator=cell.indicator,
        area=cell.area,
        detector=FARRINGTON,
        day=day,
        observed=result.observed,
        expected=result.expected,
        threshold=result.upper,
    )


def _finding(
    cell: Cell, detector: str, day: date, detection: Detection, index: int, counts: Counts
) -> Finding:
    expected = float(detection.expected[index])
    return Finding(
        indicator=cell.indicator,
        area=cell.area,
        detector=detector,
        day=day,
        observed=float(counts[index]),
        expected=expected if np.isfinite(expected) else None,
        threshold=float(detection.upper[index]),
    )
