"""Detector settings for the monitor, with the reasons behind the defaults.

The detectors' own defaults are the published ones (``detectors.py``); these
are the choices the monitor makes on top, for sparse per-area 111 counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _london() -> ZoneInfo:
    try:
        return ZoneInfo("Europe/London")
    except ZoneInfoNotFoundError:  # no tz database here: UTC is at most an hour off
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class SyndromicSettings:
    """What the monitor runs, and how.

    Days are local calendar days in ``zone`` (a "day" of calls is a London day);
    hours are UTC hours.
    """

    zone: ZoneInfo = field(default_factory=_london)
    unmonitored: frozenset[str] = frozenset({"other"})
    """Counted and shown, never alarmed on: a rise in the catch-all "other" says
    nothing a public-health team could act on or put in a front-end message."""

    min_sigma: float = 0.5
    """EARS floor for the baseline sd: per-area counts are sparse (Burkom: 0.5 to 1)."""
    c2_alpha: float = 0.001
    c3_alpha: float = 0.025
    ewma: bool = True
    """Run the NSSP EWMA on daily counts too (red p < 0.01 is an alarm)."""
    min_alarm_count: int = 3
    """A daily detector's alarm needs at least this many calls that day: with a
    baseline of zeros, EARS alarms on 2 calls, which is noise for one area."""
    daily_window_days: int = 60
    """Daily history read per evaluation: C3 needs 12 days, the EWMA forgets
    (0.6^60 ≈ 5e-14) well within 60."""

    cusum_floor: float = 0.5
    """Lowest in-control mean (calls per hour) for the intra-day CUSUM. With
    little or no history the baseline is ~0, which would make any call an
    alarm; the floor makes the detector ask "well above 0.5 an hour?"."""
    cusum_shift_sd: float = 2.0
    """Rise to detect, in Poisson sds of the hour: μ1 = μ0 + 2·√μ0."""
    cusum_h_sd: float = 5.0
    """Decision interval in Poisson sds: h = 5·√μ0. At the floor, 5 calls in an
    hour alarm and 2 do not; simulated in-control run lengths are about 650
    hours at μ0 = 0.5 and over 2,000 at μ0 ≥ 2."""
    cusum_baseline_days: int = 28
    cusum_guard_days: int = 2
    """The hour-of-day baseline is the mean of days t-30…t-3: a guard band of 2
    keeps an outbreak's first days out of its own baseline (as NSSP does)."""

    farrington: bool = True
    farrington_years: int = 5
    """At most this many years of reference weeks (``b``); fewer when history is
    shorter, and none before a year and ``w + 1`` weeks of counts."""
    farrington_window: int = 3
    farrington_periods: int = 10
    farrington_past_excluded: int = 26
    """Noufaily's variant (10 seasonal periods, the last 26 weeks left out)."""
    farrington_alpha: float = 0.05

    keep_calls_days: int = 2
    """Per-call rows (``syndromic_call``) are the dedupe set, so they live as long
    as the stream could deliver their events again, and at least this long (the
    last hour's exact counts read them). Counts by hour and day stay."""

    view_days: int = 7
    """Cells with a call in this many days (or an alarm) appear on the page."""
    view_cells: int = 200
