"""Opening hours: rota ranges, overnight spans, clock changes, and the closed provider's calls."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from callflow.routing.book import DestinationBook
from callflow.routing.destinations import Destinations, load_destinations
from callflow.routing.dispatcher import Dispatcher
from callflow.routing.hours import OpeningHours
from callflow.routing.queues import Claim, QueueStore
from callflow.storage import RedisStore

LONDON = ZoneInfo("Europe/London")
HOURS = OpeningHours.model_validate(
    {"mon-fri": "08:00-22:00", "sat": ["09:00-13:00", "14:00-18:00"], "sun": "closed"}
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        ("2026-11-24 07:59", False),  # Tuesday, before opening
        ("2026-11-24 08:00", True),
        ("2026-11-24 21:59", True),
        ("2026-11-24 22:00", False),  # the end of a range is closed
        ("2026-11-28 13:30", False),  # Saturday lunch
        ("2026-11-28 14:00", True),
        ("2026-11-29 12:00", False),  # Sunday
    ],
)
def test_weekly_rota(when: str, open_: bool) -> None:
    assert HOURS.is_open(_at(when), LONDON) is open_


def test_an_overnight_span_belongs_to_the_day_it_starts() -> None:
    nights = OpeningHours.model_validate({"fri": "22:00-08:00"})
    assert nights.is_open(_at("2026-11-27 23:00"), LONDON)  # Friday night
    assert nights.is_open(_at("2026-11-28 07:59"), LONDON)  # Saturday morning, same shift
    assert not nights.is_open(_at("2026-11-28 08:00"), LONDON)
    assert not nights.is_open(_at("2026-11-28 23:00"), LONDON)  # no Saturday shift
    assert nights.describe() == {"fri": ["22:00-08:00"]}


def test_hours_are_local_time_across_the_clock_change() -> None:
    # 08:00 London is 08:00 UTC in winter and 07:00 UTC in summer.
    assert HOURS.is_open(datetime(2026, 11, 24, 8, 0, tzinfo=UTC), LONDON)
    assert HOURS.is_open(datetime(2026, 6, 23, 7, 0, tzinfo=UTC), LONDON)
    assert not HOURS.is_open(datetime(2026, 11, 24, 7, 30, tzinfo=UTC), LONDON)


def test_a_whole_day_and_the_description_round_trip() -> None:
    allday = OpeningHours.model_validate({"sat-sun": "00:00-24:00"})
    assert allday.is_open(_at("2026-11-29 23:59"), LONDON)
    assert not allday.is_open(_at("2026-11-30 00:00"), LONDON)
    assert OpeningHours.model_validate(allday.describe()) == allday


@pytest.mark.parametrize(
    "bad",
    [{"mon": "8-22"}, {"funday": "08:00-22:00"}, {"mon": "08:00-08:00"}, {"mon": "25:00-26:00"}],
)
def test_bad_hours_are_refused_with_a_reason(bad: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        OpeningHours.model_validate(bad)


def _destinations(**pharmacy: object) -> Destinations:
    data = load_destinations().model_dump()
    data["destinations"]["pharmacy"].update(pharmacy)
    return Destinations.model_validate(data)


def test_the_fallback_may_never_close() -> None:
    data = load_destinations().model_dump()
    data["destinations"]["default111"]["hours"] = {"mon-fri": "08:00-18:00"}
    with pytest.raises(ValidationError, match="open 24/7"):
        Destinations.model_validate(data)
    with pytest.raises(ValidationError, match="time zone"):
        Destinations.model_validate({**load_destinations().model_dump(), "timezone": "Mars/Base"})


async def test_a_closed_provider_takes_no_calls(redis_store: RedisStore) -> None:
    destinations = _destinations(hours={"mon-fri": "08:00-22:00"})
    queues = QueueStore(redis_store)
    claims: list[Claim] = []
    sunday = _at("2026-11-29 12:00")
    dispatcher = Dispatcher(
        queues,
        DestinationBook(destinations),
        "a",
        lambda c: claims.append(c) is None,
        clock=lambda: sunday,
    )
    await queues.enqueue("c1", "pharmacy", 1.0, owner="a")
    assert await dispatcher.match() == 0
    assert destinations.open_providers_for("pharmacy", sunday) == []
    dispatcher.clock = lambda: _at("2026-11-30 09:00")  # Monday morning
    assert await dispatcher.match() == 1 and claims[0].call_id == "c1"
