"""Counting routed calls: per indicator and area, per hour and day, once per call, durably."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from callflow.events import CallEvent, CallEventType
from callflow.storage import Database
from dashboards.syndromic import Cell, CountStore, SyndromicMonitor
from dashboards.syndromic.counts import local_midnight, routed_call
from dashboards.views import ALL_AREAS
from tests.dashboards.syndromic.kit import Clock, routing

LONDON = ZoneInfo("Europe/London")
T0 = datetime(2026, 3, 10, 9, 15, tzinfo=UTC)


def test_routing_event_to_codes() -> None:
    call = routed_call(routing("c1", T0, " vomiting, Diarrhoea ,,vomiting", area=" se15 "))
    assert call is not None
    assert call.indicators == ("diarrhoea", "vomiting")
    assert call.area == "SE15"
    no_postcode = routed_call(routing("c2", T0, "cough", pathway="dental"))
    assert no_postcode is not None and no_postcode.area == "dental"
    nothing = routed_call(routing("c3", T0, "", pathway=""))
    assert nothing is not None and nothing.indicators == () and nothing.area == "unknown"
    assert routed_call(CallEvent("c4", CallEventType.CONNECTED, T0, {"pathway": "x"})) is None


async def test_counts_per_hour_and_day_once_per_call(database: Database) -> None:
    store = CountStore(database, zone=LONDON)
    events = [
        routing("a", T0, "diarrhoea,vomiting", area="SE15"),
        routing("b", T0 + timedelta(minutes=50), "vomiting", area="SE15"),
        routing("c", T0 + timedelta(hours=2), "cough", pathway="dental"),
        routing("d", T0 + timedelta(hours=3), ""),  # no indicator: counted nowhere
    ]
    for event in events:
        call = routed_call(event)
        assert call is not None
        assert await store.record(call)
    for event in events:  # the stream delivers everything again
        call = routed_call(event)
        assert call is not None
        assert not await store.record(call)

    daily = await store.daily(date(2026, 3, 9), date(2026, 3, 10))
    assert {cell: list(counts) for cell, counts in daily.items()} == {
        Cell("diarrhoea", "SE15"): [0, 1],
        Cell("vomiting", "SE15"): [0, 2],
        Cell("cough", "dental"): [0, 1],
        Cell("diarrhoea", ALL_AREAS): [0, 1],
        Cell("vomiting", ALL_AREAS): [0, 2],
        Cell("cough", ALL_AREAS): [0, 1],
    }
    hourly = await store.hourly(T0.replace(minute=0), T0.replace(minute=0) + timedelta(hours=4))
    assert list(hourly[Cell("vomiting", "SE15")]) == [1, 1, 0, 0]  # 09:15 and 10:05
    assert list(hourly[Cell("cough", "dental")]) == [0, 0, 1, 0]
    assert await store.collection_start() == T0


async def test_days_are_london_days(database: Database) -> None:
    store = CountStore(database, zone=LONDON)
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London (BST)
    call = routed_call(routing("late", late, "heat", area="N1"))
    assert call is not None
    await store.record(call)
    history = await store.history("heat", "N1", 3, end=date(2026, 7, 2))
    assert history.tolist() == [0, 0, 1]


async def test_history_survives_a_restart_and_fills_missing_days(database: Database) -> None:
    store = CountStore(database, zone=LONDON)
    for index, day in enumerate((1, 3, 3, 6)):
        at = datetime(2026, 1, day, 10, index, tzinfo=UTC)
        call = routed_call(routing(f"call-{index}", at, "fever", area="E1"))
        assert call is not None
        await store.record(call)

    reopened = Database(database.url)  # a new process, the same database
    try:
        again = CountStore(reopened, zone=LONDON)
        history = await again.history("fever", "E1", 7, end=date(2026, 1, 7))
        assert isinstance(history, np.ndarray)
        assert history.tolist() == [1, 0, 2, 0, 0, 1, 0]
        assert (await again.history("fever", "E2", 7, end=date(2026, 1, 7))).sum() == 0
    finally:
        reopened.dispose()


async def test_last_hour_is_a_sliding_hour(database: Database) -> None:
    store = CountStore(database, zone=LONDON)
    now = T0 + timedelta(hours=1)
    for index, minutes in enumerate((-70, -59, -30, -1, 5)):
        call = routed_call(
            routing(f"c{index}", now + timedelta(minutes=minutes), "rash", area="W1")
        )
        assert call is not None
        await store.record(call)
    assert await store.last_hour(now) == {Cell("rash", "W1"): 3, Cell("rash", ALL_AREAS): 3}


async def test_the_monitor_counts_only_routing_events(monitor: SyndromicMonitor) -> None:
    await monitor.handle(CallEvent("x", CallEventType.ARRIVED, T0, {"script": "s"}))
    await monitor.handle(CallEvent("x", CallEventType.ENDED, T0, {"outcome": "connected"}))
    assert await monitor.counts.collection_start() is None
    await monitor.handle(routing("x", T0, "toothache", pathway="dental"))
    await monitor.handle(routing("x", T0, "toothache", pathway="dental"))
    assert (await monitor.history("toothache", "dental", 2, end=T0.date())).tolist() == [0, 1]


async def test_history_ends_today_by_default(monitor: SyndromicMonitor, clock: Clock) -> None:
    await monitor.handle(routing("y", clock.now - timedelta(days=1), "eye", area="N4"))
    await monitor.handle(routing("z", clock.now, "eye", area="N4"))
    assert (await monitor.history("eye", "N4", 3)).tolist() == [0, 1, 1]


async def test_pruning_forgets_old_calls_only_once_the_stream_cannot_replay_them(
    monitor: SyndromicMonitor, clock: Clock
) -> None:
    """Per-call rows go; the counts, the collection start and the dedupe of live ids stay."""
    old = clock.now - timedelta(days=5)
    for call_id, at, indicators in (
        ("old", old, "cough"),
        ("quiet", old - timedelta(hours=1), ""),
        ("new", clock.now - timedelta(hours=1), "cough"),
    ):
        await monitor.handle(routing(call_id, at, indicators, area="N4"))

    # The stream still holds an event from six days ago: nothing may go yet.
    assert await monitor.prune(clock.now, clock.now - timedelta(days=6)) == 0
    # Its oldest event is an hour old: calls before the two days kept are forgotten.
    assert await monitor.prune(clock.now, clock.now - timedelta(hours=1)) == 2
    assert (await monitor.history("cough", "N4", 6)).tolist() == [1, 0, 0, 0, 0, 1]
    # The first counted day (not the forgotten indicator-less call) starts the history.
    assert await monitor.counts.collection_start() == local_midnight(old.date(), LONDON)
    await monitor.handle(routing("new", clock.now, "cough", area="N4"))  # replayed: once
    assert (await monitor.history("cough", "N4", 1)).tolist() == [1]
    assert await monitor.prune(clock.now, None) == 0  # an empty stream: the floor still holds
