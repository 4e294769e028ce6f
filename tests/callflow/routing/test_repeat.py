"""Repeat-caller history on fakeredis and real Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from callflow.routing.repeat import RepeatCallers, normalise_cli
from callflow.storage import RedisStore

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_numbers_are_normalised_and_withheld_never_identifies() -> None:
    assert normalise_cli("07700 900123") == "+447700900123"
    assert normalise_cli("+44 7700 900123") == "+447700900123"
    for withheld in (None, "", "anonymous", "Withheld", "unknown", "12"):
        assert normalise_cli(withheld) is None


async def test_third_call_in_96_hours_is_a_repeat_caller(redis_store: RedisStore) -> None:
    repeat = RepeatCallers(redis_store, b"k")
    first = await repeat.record("c1", T0, "07700 900123")
    second = await repeat.record("c2", T0 + timedelta(hours=40), "+447700900123")
    third = await repeat.record("c3", T0 + timedelta(hours=90), "+44 7700 900123")
    assert (first.count, first.repeat) == (1, False)
    assert (second.count, second.repeat) == (2, False)
    assert (third.count, third.repeat) == (3, True)
    assert third.classes


async def test_encounters_older_than_the_window_do_not_count(redis_store: RedisStore) -> None:
    repeat = RepeatCallers(redis_store, b"k")
    await repeat.record("c1", T0, "+447700900124")
    await repeat.record("c2", T0 + timedelta(hours=1), "+447700900124")
    late = await repeat.record("c3", T0 + timedelta(hours=97), "+447700900124")
    assert (late.count, late.repeat) == (2, False)


async def test_frequent_caller_five_in_a_month(redis_store: RedisStore) -> None:
    repeat = RepeatCallers(redis_store, b"k")
    status = None
    for day in range(5):
        status = await repeat.record(f"c{day}", T0 + timedelta(days=day * 6), "+447700900125")
    assert status is not None and status.frequent and not status.repeat


async def test_withheld_callers_are_never_counted_and_keys_hold_no_number(
    redis_store: RedisStore,
) -> None:
    repeat = RepeatCallers(redis_store, b"k")
    for i in range(4):
        status = await repeat.record(f"w{i}", T0, "anonymous")
        assert not status.identified and not status.repeat
    await repeat.record("n1", T0, "+447700900126")
    keys = [key async for key in redis_store.client.scan_iter(match=f"{redis_store.prefix}:*")]
    assert keys and all("7700900126" not in key for key in keys)
    ttl = await redis_store.client.ttl(keys[0])
    assert 0 < ttl <= 90 * 86400 + 1
