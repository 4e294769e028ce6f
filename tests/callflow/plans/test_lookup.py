"""The on-call lookup on both back ends: answers, the cache, invalidation, the deadline."""

from __future__ import annotations

import asyncio
import time
from datetime import date

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from callflow.plans import LookupOutcome, PlanLookup, PlanService
from callflow.storage import Database, RedisStore
from careplans.lookup import LookupResult, MatchedBy
from careplans.model import PlanType

from .conftest import (
    ADA_NHS,
    ADA_PHONE,
    CARE_HOME,
    EDWIN_MOBILE,
    EDWIN_NHS,
    GWEN_MOBILE,
    LENA_MOBILE,
    MILO_HOME,
    PEOPLE,
)


async def test_a_plan_holder_calling_from_home_is_found(imported: PlanService) -> None:
    result = await imported.for_call(ADA_PHONE, None)
    assert result.outcome is LookupOutcome.FOUND
    assert result.matched_by is MatchedBy.CALLER
    (plan,) = result.plans  # the EOL register's older plan is superseded by the UCP's
    assert plan.plan_type is PlanType.END_OF_LIFE
    assert plan.owner == "Testshire Hospice"
    assert plan.summary.splitlines()[1] == "Call the hospice nurse line before conveying."


async def test_plans_are_cumulative_across_sources(imported: PlanService) -> None:
    result = await imported.for_call(EDWIN_MOBILE, None)
    assert [p.plan_type for p in result.plans] == [
        PlanType.MENTAL_HEALTH_CRISIS,
        PlanType.LEARNING_DISABILITY,
    ]


async def test_the_nhs_number_identifies_whoever_the_phone_is(imported: PlanService) -> None:
    result = await imported.for_call(CARE_HOME, "983 317 9169")
    assert result.matched_by is MatchedBy.NHS_NUMBER
    assert result.has(PlanType.LEARNING_DISABILITY)
    # An NHS number that fails Modulus 11 is ignored: the caller id decides.
    fallback = await imported.for_call(ADA_PHONE, EDWIN_NHS[:-1] + "0")
    assert fallback.matched_by is MatchedBy.CALLER and fallback.has(PlanType.END_OF_LIFE)


async def test_a_shared_care_home_number_never_picks_one(imported: PlanService) -> None:
    result = await imported.for_call(CARE_HOME, None)
    assert result.outcome is LookupOutcome.CONFIRM_IDENTITY
    assert result.plans == () and result.candidates == 2


@pytest.mark.parametrize(
    ("caller", "reason"),
    [
        (None, "caller-unavailable"),
        ("", "caller-unavailable"),
        ("anonymous", "caller-withheld"),
        ("Withheld", "caller-withheld"),
        ("unknown", "caller-unavailable"),
        ("07700 900999", "no-match"),
        (LENA_MOBILE, "no-plan"),  # refused consent to share
        (MILO_HOME, "no-plan"),  # plan closed
    ],
)
async def test_no_plan(imported: PlanService, caller: str | None, reason: str) -> None:
    result = await imported.for_call(caller, None)
    assert (result.outcome, result.reason) == (LookupOutcome.NONE, reason)


async def test_withheld_callers_never_reach_the_stores(
    lookup: PlanLookup, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: object) -> LookupResult:
        raise AssertionError("queried")

    monkeypatch.setattr(lookup, "_query", refuse)
    monkeypatch.setattr(lookup, "_cache_key", refuse)
    for caller in (None, "anonymous", "private", "unavailable"):
        assert (await lookup.for_call(caller, None)).outcome is LookupOutcome.NONE


async def test_expired_plans_are_not_shown(
    database: Database, redis_store: RedisStore, imported: PlanService
) -> None:
    later = PlanLookup(database, redis_store, key_secret=b"k", today=lambda: date(2027, 10, 3))
    assert (await imported.for_call(GWEN_MOBILE, None)).found
    assert (await later.for_call(GWEN_MOBILE, None)).reason == "no-plan"


async def test_answers_are_cached_without_numbers_in_the_keys(
    imported: PlanService, redis_store: RedisStore
) -> None:
    lookup = imported.lookup
    first = await lookup.for_call(ADA_PHONE, None)
    second = await lookup.for_call("+442079460011", None)
    miss = await lookup.for_call("07700 900999", None)
    again = await lookup.for_call("07700900999", None)
    assert not first.cached and second.cached and not miss.cached and again.cached
    assert second.plans == first.plans and again.reason == "no-match"
    keys = [k async for k in redis_store.client.scan_iter(match=f"{redis_store.prefix}:*")]
    assert keys and all("{careplans}" in k for k in keys)
    values = [await redis_store.client.get(k) for k in keys]
    assert not any(p in k for k in keys for p in [*PEOPLE, "2079460011", "7700900999"])
    assert any(v and "end_of_life" in v for v in values)


async def test_an_import_invalidates_the_cache(
    imported: PlanService, example_bytes: dict[str, bytes]
) -> None:
    before = await imported.for_call(ADA_PHONE, None)
    assert (await imported.for_call(ADA_PHONE, None)).cached
    bundle = example_bytes["ucp-bundle.json"].replace(
        b'"status": "active",\n        "intent"', b'"status": "revoked",\n        "intent"', 1
    )
    report = await imported.import_content(bundle)
    assert report.updated == 1
    after = await imported.for_call(ADA_PHONE, None)
    assert not after.cached
    # The UCP plan is revoked; the EOL register's older plan expired on 2026-11-20.
    assert before.found and (after.outcome, after.reason) == (LookupOutcome.NONE, "no-plan")


async def test_a_late_lookup_is_skipped_at_its_deadline(
    lookup: PlanLookup, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(kind: str, value: str) -> LookupResult:
        await asyncio.sleep(1)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(lookup, "_query", slow)
    lookup.deadline_s = 0.05
    started = time.perf_counter()
    result = await lookup.for_call(ADA_PHONE, None)
    assert time.perf_counter() - started < 0.5
    assert (result.outcome, result.reason) == (LookupOutcome.SKIPPED, "deadline")
    assert lookup.skipped == 1


async def test_sql_failure_is_skipped_and_redis_failure_falls_back_to_sql(
    imported: PlanService, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookup = imported.lookup
    client = lookup._redis.client

    async def redis_down(*args: object, **kwargs: object) -> None:
        raise RedisConnectionError("down")

    monkeypatch.setattr(client, "get", redis_down)
    monkeypatch.setattr(client, "set", redis_down)
    assert (await lookup.for_call(ADA_PHONE, None)).found

    async def sql_down(kind: str, value: str) -> LookupResult:
        raise OperationalError("SELECT", {}, Exception("gone"))

    monkeypatch.setattr(lookup, "_query", sql_down)
    result = await lookup.for_call(ADA_PHONE, ADA_NHS)
    assert (result.outcome, result.reason) == (LookupOutcome.SKIPPED, "error")
