"""What the supervisors' pages and the SSE stream show: plain, frozen view models.

The metrics, alerts and syndromic parts each fill their own view; the web part
only renders them. Keeping the contract here (and nothing but data) lets each
part be built and tested on its own, and keeps patient data out by construction:
every field is a code, a count, a duration or a rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Rag(StrEnum):
    """Red / amber / green status of a figure against its alert thresholds."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"
    NONE = "none"  # no data yet in the window


@dataclass(frozen=True, slots=True)
class Figures:
    """IUC ADC items for one scope over one window (``domain/nhs-111-facts.md`` §1.2).

    Centiles and means are computed from per-call times, never from other
    aggregates. Rates are ``None`` when their denominator is zero.
    """

    a01_received: int = 0
    a02_ivr_routed: int = 0
    a03_answered: int = 0
    b01_answered_60s: int = 0
    b02_abandoned: int = 0
    b03_abandoned_30s: int = 0
    b04_abandoned_30_60s: int = 0
    b05_abandoned_over_60s: int = 0
    b06_mean_answer_s: float | None = None
    b07_p95_answer_s: float | None = None
    b09_abandoned_time_s: float = 0.0
    waiting_now: int = 0
    longest_wait_s: float = 0.0
    callbacks_offered: int = 0
    callbacks_made: int = 0
    fallbacks: int = 0

    @property
    def abandon_rate(self) -> float | None:
        """B02 / A01."""
        return self.b02_abandoned / self.a01_received if self.a01_received else None

    @property
    def answered_60s_rate(self) -> float | None:
        """B01 / A03."""
        return self.b01_answered_60s / self.a03_answered if self.a03_answered else None


@dataclass(frozen=True, slots=True)
class ScopeRow:
    """One row of the board: a provider, a pathway or the whole system."""

    kind: str  # "system" | "provider" | "pathway"
    key: str
    label: str
    figures: Figures
    rag: Rag = Rag.NONE
    trend: tuple[int, ...] = ()
    """Calls received per bucket, oldest first (the sparkline)."""
    answered_trend: tuple[float | None, ...] = ()
    """Answered-within-60-s rate per bucket, oldest first."""


@dataclass(frozen=True, slots=True)
class Board:
    """The system-wide board: system row first, then one row per provider."""

    at: datetime
    window_s: int
    bucket_s: int
    system: ScopeRow
    providers: tuple[ScopeRow, ...] = ()
    pathways: tuple[ScopeRow, ...] = ()


@dataclass(frozen=True, slots=True)
class AlertView:
    """An alert as a supervisor sees it; ``state`` is raised/acknowledged/cleared."""

    id: str
    rule: str
    title: str
    severity: str
    scope_kind: str
    scope: str
    metric: str
    value: float | None
    threshold: float
    state: str
    raised_at: datetime
    updated_at: datetime
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    cleared_at: datetime | None = None


ALL_AREAS = "ALL"
"""The syndromic cell every call also counts in, so the detectors see a rise spread
too thin across districts to stand out in any one (a citywide norovirus season).
Upper case and digit-free: no postcode district or pathway id is spelled so."""


@dataclass(frozen=True, slots=True)
class IndicatorCell:
    """Counts of one syndromic indicator in one area."""

    indicator: str
    area: str
    today: int
    last_hour: int
    baseline: float | None = None
    alarm: bool = False


@dataclass(frozen=True, slots=True)
class ProposalView:
    """A proposed front-end message, waiting for (or past) a commissioner's decision."""

    id: str
    indicator: str
    area: str
    flag: str
    message: str
    status: str  # proposed / applied / rejected / expired
    created_at: datetime
    expires_at: datetime | None = None
    decided_by: str | None = None


@dataclass(frozen=True, slots=True)
class AlarmView:
    id: str
    indicator: str
    area: str
    detector: str
    observed: float
    expected: float | None
    threshold: float
    at: datetime


@dataclass(frozen=True, slots=True)
class SyndromicView:
    at: datetime
    cells: tuple[IndicatorCell, ...] = ()
    alarms: tuple[AlarmView, ...] = ()
    proposals: tuple[ProposalView, ...] = field(default_factory=tuple)
