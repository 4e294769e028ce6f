"""The monitor end to end on a real database: bursts, daily aberrations, proposals, the view."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from callflow.storage import Database
from dashboards.syndromic import (
    AUTO,
    Alarm,
    MessageRule,
    MessageRules,
    NoSuchProposal,
    ProposalNotOpen,
    SyndromicMonitor,
)
from dashboards.syndromic.models import SyndromicCall, SyndromicDaily
from dashboards.views import ALL_AREAS
from tests.dashboards.syndromic.kit import NOW, Clock, Hooks, routing


async def quiet_morning(monitor: SyndromicMonitor) -> None:
    """Ordinary calls before the outbreak: a few, in other areas and indicators."""
    for index, (hour, indicators, area) in enumerate(
        [(7, "cough", "N1"), (8, "", "N1"), (9, "rash", "E1"), (9, "cough", "SE5")]
    ):
        at = NOW.replace(hour=hour, minute=10 * index)
        await monitor.handle(routing(f"bg-{index}", at, indicators, area))


async def burst(monitor: SyndromicMonitor, calls: int, area: str, *, prefix: str = "dv") -> None:
    """``calls`` diarrhoea-and-vomiting calls within five minutes, as sip_lab's outbreak."""
    start = NOW.replace(minute=0)
    for index in range(calls):
        at = start + timedelta(seconds=300 * index / calls)
        await monitor.handle(routing(f"{prefix}-{index}", at, "diarrhoea,vomiting", area))


@pytest.mark.parametrize(("area", "cell_area"), [("SE15", "SE15"), ("", "default111")])
async def test_a_sudden_outbreak_with_no_history_alarms_within_the_hour(
    monitor: SyndromicMonitor, hooks: Hooks, area: str, cell_area: str
) -> None:
    await quiet_morning(monitor)
    await burst(monitor, 30, area)
    alarms = await monitor.evaluate(NOW)

    assert {(a.indicator, a.area, a.detector) for a in alarms} == {
        ("diarrhoea", cell_area, "cusum"),
        ("vomiting", cell_area, "cusum"),
    }
    assert all(a.observed == 30 and a.expected == 0.5 and a.day == NOW.date() for a in alarms)
    assert hooks.alarms == alarms

    view = await monitor.view(NOW)
    assert [(p.flag, p.area, p.status) for p in view.proposals] == [
        ("dv_surge", cell_area, "proposed")
    ]
    assert hooks.flags == []  # a commissioner decides

    # Evaluating again finds the same alarms: nothing new is stored or announced.
    assert await monitor.evaluate(NOW + timedelta(minutes=1)) == []
    assert len(hooks.alarms) == 2
    assert len((await monitor.view(NOW)).proposals) == 1


async def test_a_rise_spread_thin_across_districts_alarms_for_all_areas(
    monitor: SyndromicMonitor, hooks: Hooks
) -> None:
    """Two calls in each of twelve districts: no district alarms, the total does."""
    await quiet_morning(monitor)
    for district in range(1, 13):
        await burst(monitor, 2, f"SE{district}", prefix=f"dv-se{district}")
    alarms = await monitor.evaluate(NOW)

    assert {(a.indicator, a.area, a.observed) for a in alarms} == {
        ("diarrhoea", ALL_AREAS, 24),
        ("vomiting", ALL_AREAS, 24),
    }
    view = await monitor.view(NOW)
    assert [(p.flag, p.area) for p in view.proposals] == [("dv_surge", ALL_AREAS)]


async def test_two_calls_are_not_an_outbreak(monitor: SyndromicMonitor, hooks: Hooks) -> None:
    await quiet_morning(monitor)
    await burst(monitor, 2, "SE15")
    assert await monitor.evaluate(NOW) == []
    assert hooks.alarms == []


async def seed_days(monitor: SyndromicMonitor, days: int, pattern: list[int]) -> None:
    """``days`` days of vomiting calls in SE15 at noon, ``pattern`` repeated, before today."""
    for back in range(days, 0, -1):
        day = NOW - timedelta(days=back)
        for index in range(pattern[back % len(pattern)]):
            at = day.replace(hour=12, minute=index)
            await monitor.handle(routing(f"hist-{back}-{index}", at, "vomiting", "SE15"))
        if not pattern[back % len(pattern)]:  # a call of another kind keeps history running
            await monitor.handle(routing(f"hist-{back}-x", day.replace(hour=12), "", "N1"))


async def spread_over_the_morning(monitor: SyndromicMonitor, calls: int) -> None:
    """``calls`` vomiting calls in SE15 today, one an hour: no burst for the CUSUM."""
    midnight = NOW.replace(hour=0, minute=30)
    for index in range(calls):
        at = midnight + timedelta(hours=index % 10, minutes=index // 10)
        await monitor.handle(routing(f"today-{index}", at, "vomiting", "SE15"))


async def test_a_day_far_above_its_baseline_alarms_once_history_allows(
    monitor: SyndromicMonitor,
) -> None:
    pattern = [1, 2, 0, 1, 3, 1, 2]
    await seed_days(monitor, 20, pattern)
    await spread_over_the_morning(monitor, 12)
    alarms = await monitor.evaluate(NOW)

    by_detector = {a.detector: a for a in alarms}
    assert {"ears_c2", "ears_c3"} <= set(by_detector) and "cusum" not in by_detector
    assert {(a.indicator, a.area, a.day) for a in alarms} == {("vomiting", "SE15", NOW.date())}
    baseline = [pattern[back % len(pattern)] for back in range(9, 2, -1)]  # days t-9 .. t-3
    c2 = by_detector["ears_c2"]
    assert c2.observed == 12
    assert c2.expected == pytest.approx(statistics.mean(baseline))
    sigma = max(statistics.stdev(baseline), 0.5)
    assert c2.threshold == pytest.approx(statistics.mean(baseline) + 3.090232306 * sigma)

    view = await monitor.view(NOW)
    cell = next(c for c in view.cells if (c.indicator, c.area) == ("vomiting", "SE15"))
    assert (cell.today, cell.alarm) == (12, True)
    assert cell.baseline == pytest.approx(statistics.mean(baseline))
    assert [(p.flag, p.area) for p in view.proposals] == [("dv_surge", "SE15")]


async def test_a_new_deployment_stays_quiet_until_the_baseline_exists(
    monitor: SyndromicMonitor,
) -> None:
    await seed_days(monitor, 5, [1, 2, 0, 1, 3, 1, 2])
    await spread_over_the_morning(monitor, 12)
    assert await monitor.evaluate(NOW) == []


async def outbreak_proposal(monitor: SyndromicMonitor, area: str = "SE15") -> str:
    await burst(monitor, 30, area, prefix=f"dv-{area}")
    await monitor.evaluate(NOW)
    proposals = [p for p in (await monitor.view(NOW)).proposals if p.area == area]
    assert len(proposals) == 1
    return proposals[0].id


async def test_approving_raises_the_flag_until_it_expires(
    monitor: SyndromicMonitor, clock: Clock, hooks: Hooks
) -> None:
    proposal_id = await outbreak_proposal(monitor)
    clock.now = NOW + timedelta(minutes=10)
    applied = await monitor.approve(proposal_id, by="ann")
    assert (applied.status, applied.decided_by) == ("applied", "ann")
    assert applied.expires_at == clock.now + timedelta(hours=24)
    assert hooks.flags == [("dv_surge", 24 * 3600.0)]

    with pytest.raises(ProposalNotOpen) as second:
        await monitor.approve(proposal_id, by="bob")
    assert second.value.status == 409 and second.value.details["status"] == "applied"
    with pytest.raises(ProposalNotOpen):
        await monitor.reject(proposal_id, by="bob")
    assert hooks.flags == [("dv_surge", 24 * 3600.0)]

    later = clock.now + timedelta(hours=24, minutes=1)
    await monitor.evaluate(later)
    (expired,) = (await monitor.view(later)).proposals
    assert (expired.status, expired.decided_by) == ("expired", "ann")


async def test_rejecting_raises_nothing_and_is_not_asked_again_today(
    monitor: SyndromicMonitor, clock: Clock, hooks: Hooks
) -> None:
    proposal_id = await outbreak_proposal(monitor)
    rejected = await monitor.reject(proposal_id, by="bob")
    assert (rejected.status, rejected.decided_by) == ("rejected", "bob")
    assert hooks.flags == []
    # More calls and another detector alarm later today: still one proposal.
    await burst(monitor, 30, "SE15", prefix="more")
    clock.now = NOW + timedelta(hours=1)
    await monitor.evaluate(clock.now)
    assert [p.status for p in (await monitor.view(clock.now)).proposals] == ["rejected"]


async def test_an_undecided_proposal_goes_stale(monitor: SyndromicMonitor, clock: Clock) -> None:
    proposal_id = await outbreak_proposal(monitor, "N7")
    clock.now = NOW + timedelta(hours=25)
    (stale,) = (await monitor.view(clock.now)).proposals
    assert stale.status == "expired" and stale.decided_by is None
    with pytest.raises(ProposalNotOpen):
        await monitor.approve(proposal_id, by="ann")


async def test_unknown_proposals_are_refused(monitor: SyndromicMonitor) -> None:
    with pytest.raises(NoSuchProposal) as missing:
        await monitor.approve("nope", by="ann")
    assert missing.value.status == 404 and missing.value.details == {"proposal": "nope"}
    with pytest.raises(NoSuchProposal):
        await monitor.reject("nope", by="ann")


async def test_auto_apply_rules_raise_the_flag_without_a_human(
    database: Database, clock: Clock, hooks: Hooks
) -> None:
    rules = MessageRules(
        rules=(
            MessageRule(
                flag="heat_alert",
                indicators=("heat",),
                message="Hot weather.",
                expires_after_h=6,
                auto_apply=True,
            ),
        )
    )
    monitor = SyndromicMonitor(
        database, rules=rules, clock=clock, raise_flag=hooks.raise_flag, on_alarm=hooks.on_alarm
    )
    for index in range(20):
        at = NOW.replace(minute=0) + timedelta(seconds=10 * index)
        await monitor.handle(routing(f"heat-{index}", at, "heat", "SW1"))
    alarms = await monitor.evaluate(NOW)
    assert [(a.indicator, a.detector) for a in alarms] == [("heat", "cusum")]
    assert hooks.flags == [("heat_alert", 6 * 3600.0)]
    (proposal,) = (await monitor.view(NOW)).proposals
    assert (proposal.status, proposal.decided_by) == ("applied", AUTO)
    assert proposal.expires_at == NOW + timedelta(hours=6)


async def test_a_weekly_excess_over_a_years_history_alarms_farrington(
    database: Database, monitor: SyndromicMonitor
) -> None:
    today = NOW.date()
    start = today - timedelta(days=400)
    daily = np.random.default_rng(5).poisson(3.0, 400)
    daily[-7:] = 8  # the week ending yesterday: 56 calls where about 21 are usual

    def seed(session: object) -> None:
        assert hasattr(session, "add")
        session.add(
            SyndromicCall(
                call_id="first",
                at=datetime(start.year, start.month, start.day, tzinfo=UTC),
                area="SE15",
                indicators="",
            )
        )
        for offset, calls in enumerate(daily.tolist()):
            day = start + timedelta(days=offset)
            session.add(SyndromicDaily(indicator="diarrhoea", area="SE15", day=day, calls=calls))

    await database.run(seed)
    alarms = await monitor.evaluate(NOW)
    weekly = [a for a in alarms if a.detector == "farrington"]
    assert [(a.indicator, a.area, a.day, a.observed) for a in weekly] == [
        ("diarrhoea", "SE15", today - timedelta(days=1), 56.0)
    ]
    assert weekly[0].expected == pytest.approx(21, rel=0.3)
    assert weekly[0].threshold < 56


async def test_a_failing_hook_neither_loses_alarms_nor_stops_the_others(
    database: Database, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    announced: list[str] = []

    async def on_alarm(alarm: Alarm) -> None:
        announced.append(alarm.indicator)
        if alarm.indicator == "diarrhoea":
            raise ConnectionError("mail relay down")

    async def raise_flag(name: str, ttl_s: float) -> None:
        raise ConnectionError("redis down")

    rules = MessageRules(
        rules=(
            MessageRule(
                flag="dv_surge",
                indicators=("diarrhoea", "vomiting"),
                message="Many calls about diarrhoea and vomiting.",
                expires_after_h=24,
                auto_apply=True,
            ),
        )
    )
    monitor = SyndromicMonitor(
        database, rules=rules, clock=clock, raise_flag=raise_flag, on_alarm=on_alarm
    )
    await burst(monitor, 30, "SE15")
    alarms = await monitor.evaluate(NOW)
    assert sorted(a.indicator for a in alarms) == sorted(announced) == ["diarrhoea", "vomiting"]
    assert "on_alarm failed" in caplog.text and "auto-apply failed" in caplog.text
    (proposal,) = (await monitor.view(NOW)).proposals
    assert proposal.status == "proposed"  # left for a commissioner


async def test_the_intraday_baseline_is_each_areas_usual_hour(monitor: SyndromicMonitor) -> None:
    # SE1 takes six cough calls between 10:00 and 10:30 every day; N9 never does.
    for back in range(10, 0, -1):
        for index in range(6):
            at = NOW.replace(minute=5 * index) - timedelta(days=back)
            await monitor.handle(routing(f"usual-{back}-{index}", at, "cough", "SE1"))
    for area in ("SE1", "N9"):
        for index in range(6):
            at = NOW.replace(minute=index)
            await monitor.handle(routing(f"today-{area}-{index}", at, "cough", area))
    alarms = await monitor.evaluate(NOW)
    assert {a.area for a in alarms} == {"N9"}  # N9's zeros make its daily detectors alarm too
    (cusum,) = [a for a in alarms if a.detector == "cusum"]
    assert (cusum.observed, cusum.expected) == (6, 0.5)


async def test_a_burst_of_other_calls_is_shown_but_never_alarmed_on(
    monitor: SyndromicMonitor, hooks: Hooks
) -> None:
    start = NOW.replace(minute=0)
    for index in range(30):
        at = start + timedelta(seconds=10 * index)
        await monitor.handle(routing(f"other-{index}", at, "other", "default111"))
    assert await monitor.evaluate(NOW) == []
    assert hooks.alarms == []
    cells = (await monitor.view(NOW)).cells
    assert any(c.indicator == "other" and c.today == 30 for c in cells)
