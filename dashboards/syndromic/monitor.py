"""The syndromic monitor: counts routed calls, runs the detectors, proposes messages.

Theory of operation:

* ``handle(event)`` is called by the stream consumer for every CallEvent;
  only ``call.routing`` matters. The call's indicators are counted in its area
  per hour and per day, once per call id (at-least-once delivery is safe).
* ``evaluate(now)`` is called periodically (every minute is fine). It expires
  stale proposals, reads a snapshot of the counts, runs the detectors in a
  worker thread (``evaluation.py``), and stores each alarm once per indicator,
  area, detector and day. A *new* alarm whose indicator has a message rule
  proposes that rule's front-end message for the area (``proposals.py``);
  rules with ``auto_apply`` apply it at once. Then ``on_alarm`` hears of each
  new alarm (the composition root feeds the public-health recipients).
* ``approve`` raises the proposal's flag through the injected ``raise_flag``
  for the rule's hold time, then records who decided; ``reject`` records it
  and does nothing else.
* ``view(now)`` builds the page's :class:`~dashboards.views.SyndromicView`.

No patient data passes through here: ids, labels, areas and counts only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlmodel import Session

from callflow.events import CallEvent
from callflow.storage import Database
from dashboards.syndromic.alarms import Alarm, alarms_since, record_alarm
from dashboards.syndromic.cells import Cell, Counts
from dashboards.syndromic.counts import (
    CountStore,
    hour_start,
    local_midnight,
    routed_call,
)
from dashboards.syndromic.detectors import ears_c2
from dashboards.syndromic.errors import NoSuchProposal, ProposalNotOpen
from dashboards.syndromic.evaluation import (
    Finding,
    Snapshot,
    find_daily,
    find_intraday,
    find_weekly,
    hour_of_day_profile,
    weekly_weeks,
)
from dashboards.syndromic.farrington import LIMIT54
from dashboards.syndromic.models import ProposalStatus, SyndromicProposal
from dashboards.syndromic.proposals import (
    decide,
    expire_due,
    proposal_view,
    proposals_for_view,
    propose,
    status_at,
)
from dashboards.syndromic.rules import MessageRules
from dashboards.syndromic.settings import SyndromicSettings
from dashboards.views import ALL_AREAS, IndicatorCell, ProposalView, SyndromicView

__all__ = ["AUTO", "Clock", "OnAlarm", "RaiseFlag", "SyndromicMonitor"]

log = logging.getLogger(__name__)

RaiseFlag = Callable[[str, float], Awaitable[None]]
"""``raise_flag(name, ttl_s)``: put a live flag up for ``ttl_s`` seconds."""
OnAlarm = Callable[[Alarm], Awaitable[None]]
Clock = Callable[[], datetime]
AUTO = "auto"
"""``decided_by`` of a proposal applied by an ``auto_apply`` rule."""


async def _no_flag(name: str, ttl_s: float) -> None:
    log.warning("syndromic: no raise_flag wired; flag %s not raised", name)


async def _no_alarm_hook(alarm: Alarm) -> None:
    return None


@dataclass(frozen=True, slots=True)
class _Recorded:
    alarm: Alarm
    auto_apply: str | None
    """The id of a proposal to apply at once, if the rule says so."""


class SyndromicMonitor:
    """Syndromic surveillance over the CallEvent stream.

    Usage::

        monitor = SyndromicMonitor(
            db, rules=load_rules(), clock=lambda: datetime.now(UTC),
            raise_flag=flags_with_ttl, on_alarm=notify_public_health,
        )
        await monitor.handle(event)            # for every stream event
        new_alarms = await monitor.evaluate(monitor.clock())   # every minute

    Args:
        db: a migrated database (revision 0009).
        rules: which indicators propose which message (``load_rules()``).
        clock: the current time (aware); used for decisions and pages.
        settings: detector choices (defaults: :class:`SyndromicSettings`).
        raise_flag: ``await raise_flag(name, ttl_s)`` when a proposal is applied.
        on_alarm: ``await on_alarm(alarm)`` once per new alarm, after it is stored
            (a failure is logged, not retried: the alarm stays on the page).
    """

    def __init__(
        self,
        db: Database,
        *,
        rules: MessageRules,
        clock: Clock,
        settings: SyndromicSettings | None = None,
        raise_flag: RaiseFlag | None = None,
        on_alarm: OnAlarm | None = None,
    ) -> None:
        self.clock = clock
        self.settings = settings or SyndromicSettings()
        self.counts = CountStore(db, zone=self.settings.zone)
        self._db = db
        self._rules = rules
        self._raise_flag = raise_flag or _no_flag
        self._on_alarm = on_alarm or _no_alarm_hook
        self._lock = asyncio.Lock()
        self._weekly_day: date | None = None
        self._weekly_done: set[Cell] = set()

    async def handle(self, event: CallEvent) -> None:
        """Count a ``call.routing`` event (once per call id); ignore every other type."""
        call = routed_call(event)
        if call is not None:
            await self.counts.record(call)

    async def history(
        self, indicator: str, area: str, days: int, *, end: date | None = None
    ) -> Counts:
        """Daily counts of one indicator in one area, oldest first, ending today by default.

        Args:
            indicator: an ``nlp.reasons`` label (``"vomiting"``).
            area: a postcode district (``"SE15"``) or a pathway id.
            days: how many local days.
            end: the last day (default: today in the settings' zone).
        """
        last = end or self.clock().astimezone(self.settings.zone).date()
        return await self.counts.history(indicator, area, days, end=last)

    async def evaluate(self, now: datetime) -> list[Alarm]:
        """Run the detectors as of ``now``; store, propose and announce new alarms.

        Returns:
            The alarms first raised by this evaluation.
        """
        now = now.astimezone(UTC)
        async with self._lock:
            await self._db.run(lambda session: expire_due(session, now))
            started = await self.counts.collection_start()
            if started is None:
                return []
            snapshot = await self._snapshot(now, started)
            findings = await asyncio.to_thread(self._find, snapshot)
            findings += await self._find_weekly(snapshot)
            findings = [f for f in findings if f.indicator not in self.settings.unmonitored]
            day_start = local_midnight(snapshot.today, self.settings.zone)
            recorded = await self._db.run(
                lambda session: self._record(session, findings, now, day_start)
            )
        for item in recorded:
            await self._announce(item)
        return [item.alarm for item in recorded]

    async def prune(self, now: datetime, oldest_event: datetime | None) -> int:
        """Drop per-call rows no event left in the stream can ask about; how many.

        Args:
            now: the current time.
            oldest_event: when the stream's oldest entry was written (``None``
                when the stream is empty): a consumer group created today
                re-reads from there, so every call since must stay known.
        """
        cutoff = now - timedelta(days=self.settings.keep_calls_days)
        if oldest_event is not None:
            cutoff = min(cutoff, oldest_event)
        pruned = await self.counts.prune_calls(cutoff)
        if pruned:
            log.info("syndromic: %d per-call rows before %s pruned", pruned, cutoff.isoformat())
        return pruned

    async def _announce(self, item: _Recorded) -> None:
        """Tell the outside world of a new alarm; a failing hook does not stop the others.

        The alarm and its proposal are already stored: a failed notification is
        logged (ids only), a failed auto-apply leaves the proposal for a human.
        """
        alarm = item.alarm
        log.info(
            "syndromic alarm %s: %s %s %s observed %.0f threshold %.2f",
            alarm.id,
            alarm.detector,
            alarm.indicator,
            alarm.area,
            alarm.observed,
            alarm.threshold,
        )
        try:
            await self._on_alarm(alarm)
        except Exception:
            log.exception("syndromic alarm %s: on_alarm failed", alarm.id)
        if item.auto_apply is not None:
            try:
                await self._apply(item.auto_apply, by=AUTO, now=alarm.at)
            except Exception:
                log.exception("syndromic proposal %s: auto-apply failed", item.auto_apply)

    async def approve(self, proposal_id: str, *, by: str) -> ProposalView:
        """Apply a proposal: raise its flag for the rule's hold time.

        Raises:
            NoSuchProposal: unknown id.
            ProposalNotOpen: already decided, or stale.
        """
        return await self._apply(proposal_id, by=by, now=self.clock().astimezone(UTC))

    async def reject(self, proposal_id: str, *, by: str) -> ProposalView:
        """Reject a proposal; nothing else happens.

        Raises:
            NoSuchProposal: unknown id.
            ProposalNotOpen: already decided, or stale.
        """
        now = self.clock().astimezone(UTC)
        await self._open_proposal(proposal_id, now)
        decided = await self._db.run(
            lambda session: decide(session, proposal_id, ProposalStatus.REJECTED, by=by, now=now)
        )
        return await self._decided(proposal_id, decided, now)

    async def view(self, now: datetime) -> SyndromicView:
        """Counts per cell, recent alarms and proposals, as the pages show them."""
        now = now.astimezone(UTC)
        zone = self.settings.zone
        today = now.astimezone(zone).date()
        window = max(self.settings.view_days, 12)
        start = today - timedelta(days=window - 1)
        daily = await self.counts.daily(start, today)
        started = await self.counts.collection_start()
        last_hour = await self.counts.last_hour(now)
        alarms = await self._db.run(
            lambda session: alarms_since(session, today - timedelta(days=1))
        )
        proposals = await self._db.run(
            lambda session: proposals_for_view(session, now, self.settings.view_days)
        )
        alarmed_today = {Cell(a.indicator, a.area) for a in alarms if a.day == today}
        first_day = _first_full_day(started, self.settings) if started else today
        snapshot = Snapshot(today=today, first_day=first_day, daily_start=start, daily=daily)
        cells = [
            self._cell(snapshot, cell, last_hour.get(cell, 0), cell in alarmed_today)
            for cell in sorted(set(daily) | alarmed_today)
            if cell in alarmed_today or daily[cell][-self.settings.view_days :].sum() > 0
        ]
        cells.sort(key=lambda c: (not c.alarm, -c.today, c.indicator, c.area))
        return SyndromicView(
            at=now,
            cells=tuple(cells[: self.settings.view_cells]),
            alarms=tuple(alarm.view() for alarm in alarms),
            proposals=tuple(proposal_view(p, now) for p in proposals),
        )

    def _cell(self, snapshot: Snapshot, cell: Cell, last_hour: int, alarm: bool) -> IndicatorCell:
        """One cell of the page; ``baseline`` is C2's expected count for today, if tested."""
        _, series = snapshot.series(cell)
        expected = float("nan")
        if series.size:
            expected = float(ears_c2(series, min_sigma=self.settings.min_sigma).expected[-1])
        return IndicatorCell(
            indicator=cell.indicator,
            area=cell.area,
            today=int(snapshot.daily[cell][-1]) if cell in snapshot.daily else 0,
            last_hour=last_hour,
            baseline=expected if np.isfinite(expected) else None,
            alarm=alarm,
        )

    async def _snapshot(self, now: datetime, started: datetime) -> Snapshot:
        settings = self.settings
        zone = settings.zone
        today = now.astimezone(zone).date()
        first_day = _first_full_day(started, settings)
        daily_start = today - timedelta(days=settings.daily_window_days - 1)
        monitored_from = local_midnight(today - timedelta(days=1), zone)
        monitored_to = hour_start(now) + timedelta(hours=1)
        baseline_end = today - timedelta(days=settings.cusum_guard_days)
        baseline_start = max(baseline_end - timedelta(days=settings.cusum_baseline_days), first_day)
        baseline_days = max(0, (baseline_end - baseline_start).days)
        baseline: dict[Cell, NDArray[np.float64]] = {}
        if baseline_days:
            start = local_midnight(baseline_start, zone)
            end = local_midnight(baseline_end, zone)
            hourly = await self.counts.hourly(start, end)
            hours = _hours(hour_start(start), _hour_count(start, end))
            baseline = {
                cell: hour_of_day_profile(counts, hours, zone, baseline_days)
                for cell, counts in hourly.items()
            }
        monitored = await self.counts.hourly(monitored_from, monitored_to)
        return Snapshot(
            today=today,
            first_day=first_day,
            daily_start=daily_start,
            daily=await self.counts.daily(daily_start, today),
            hours=_hours(hour_start(monitored_from), _hour_count(monitored_from, monitored_to)),
            hourly=monitored,
            baseline_days=baseline_days,
            baseline=baseline,
        )

    def _find(self, snapshot: Snapshot) -> list[Finding]:
        return find_daily(snapshot, self.settings) + find_intraday(snapshot, self.settings)

    async def _find_weekly(self, snapshot: Snapshot) -> list[Finding]:
        """Farrington on the week ending yesterday, once a day per cell with enough cases."""
        settings = self.settings
        day = snapshot.today - timedelta(days=1)
        weeks = weekly_weeks((day - snapshot.first_day).days + 1, settings)
        if not settings.farrington or not weeks:
            return []
        if self._weekly_day != day:
            self._weekly_day, self._weekly_done = day, set()
        cases, span = LIMIT54
        findings: list[Finding] = []
        for cell, counts in sorted(snapshot.daily.items()):
            if cell in self._weekly_done or counts[-1 - 7 * span : -1].sum() < cases:
                continue
            history = await self.counts.history(cell.indicator, cell.area, weeks * 7, end=day)
            finding = await asyncio.to_thread(find_weekly, cell, history, day, settings)
            self._weekly_done.add(cell)
            if finding is not None:
                findings.append(finding)
        return findings

    def _record(
        self, session: Session, findings: list[Finding], now: datetime, day_start: datetime
    ) -> list[_Recorded]:
        recorded: list[_Recorded] = []
        for finding in _without_explained_totals(session, findings, day_start.date()):
            alarm = record_alarm(session, finding, now)
            if alarm is None:
                continue
            rule = self._rules.for_indicator(alarm.indicator)
            proposal = propose(session, alarm, rule, now=now, day_start=day_start) if rule else None
            auto = proposal.id if proposal is not None and rule and rule.auto_apply else None
            recorded.append(_Recorded(alarm=alarm, auto_apply=auto))
        return recorded

    async def _open_proposal(self, proposal_id: str, now: datetime) -> SyndromicProposal:
        proposal = await self._db.run(lambda session: session.get(SyndromicProposal, proposal_id))
        if proposal is None:
            raise NoSuchProposal("no such proposal", {"proposal": proposal_id})
        status = status_at(proposal, now)
        if status is not ProposalStatus.PROPOSED:
            raise ProposalNotOpen(
                "proposal already decided or expired",
                {"proposal": proposal_id, "status": status.value},
            )
        return proposal

    async def _apply(self, proposal_id: str, *, by: str, now: datetime) -> ProposalView:
        proposal = await self._open_proposal(proposal_id, now)
        hold = timedelta(seconds=proposal.hold_s)
        await self._raise_flag(proposal.flag, hold.total_seconds())
        decided = await self._db.run(
            lambda session: decide(
                session,
                proposal_id,
                ProposalStatus.APPLIED,
                by=by,
                now=now,
                expires_at=now + hold,
            )
        )
        if decided:
            log.info("syndromic proposal %s applied: flag %s", proposal_id, proposal.flag)
        return await self._decided(proposal_id, decided, now)

    async def _decided(self, proposal_id: str, decided: bool, now: datetime) -> ProposalView:
        proposal = await self._db.run(lambda session: session.get(SyndromicProposal, proposal_id))
        assert proposal is not None  # proposals are never deleted
        if not decided:  # another decision won the race
            raise ProposalNotOpen(
                "proposal already decided or expired",
                {"proposal": proposal_id, "status": status_at(proposal, now).value},
            )
        return proposal_view(proposal, now)


def _without_explained_totals(
    session: Session, findings: list[Finding], today: date
) -> list[Finding]:
    """Drop the all-areas findings of indicators an area already alarms on today.

    A rise in one district lifts the all-areas total too; the district's alarm
    says where, so a second alarm (and proposal) for the total would be noise.
    The total alarms alone when the rise is spread too thin for any one area.
    """
    local = {f.indicator for f in findings if f.area != ALL_AREAS}
    local |= {a.indicator for a in alarms_since(session, today) if a.area != ALL_AREAS}
    return [f for f in findings if f.area != ALL_AREAS or f.indicator not in local]


def _first_full_day(started: datetime, settings: SyndromicSettings) -> date:
    """History starts the day after collection began: that first day is partial."""
    return started.astimezone(settings.zone).date() + timedelta(days=1)


def _hour_count(start: datetime, end: datetime) -> int:
    return int((hour_start(end) - hour_start(start)) / timedelta(hours=1))


def _hours(start: datetime, count: int) -> tuple[datetime, ...]:
    return tuple(start + timedelta(hours=i) for i in range(count))
