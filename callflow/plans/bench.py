"""Benchmark of the on-call care-plan lookup: p99 from the Redis cache and from SQL.

``bench_lookup(db, redis)`` seeds synthetic plans through the real import path
(``Registry.store``), then times ``PlanLookup.for_call`` end to end:

- *SQL*: the cache generation is bumped before each timed lookup (untimed), so
  every lookup takes the miss path: Redis GET of the generation and of the
  entry, the SQL query in a worker thread, the Redis SET of the answer;
- *cache*: the same lookups again, answered from Redis.

The lookups mix what a live service sees: callers with a plan (by phone),
captured NHS numbers, shared care-home numbers (confirm identity) and, for a
third of them, numbers with no plan at all.

Targets from the issue: p99 < 5 ms from the cache, < 30 ms from SQL, with
10,000 plans. Synthetic people only: NHS numbers in the 999 range (never
issued), phone numbers from Ofcom's drama ranges. The seeded plans are removed
afterwards unless ``keep=True``.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from nhs_number.validate import calculate_checksum
from sqlmodel import Session, col, select

from callflow.plans.lookup import PlanLookup
from callflow.storage import Database, RedisStore
from careplans.model import ImportRecord, ParsedBatch, PatientFacts, PlanFacts, PlanType
from careplans.registry import Registry
from careplans.tables import Patient, Plan

BENCH_SOURCE = "bench-synthetic"
CACHE_TARGET_MS = 5.0
SQL_TARGET_MS = 30.0

# Ofcom numbers reserved for drama: 1,000 each, never allocated to anyone.
_DRAMA_RANGES = (
    "+44113496", "+44114496", "+44115496", "+44116496", "+44117496", "+44118496",
    "+44121496", "+44131496", "+44141496", "+44151496", "+44161496",
    "+44207946", "+44163296", "+44770090",
)  # fmt: skip


def drama_number(index: int) -> str:
    """The ``index``-th Ofcom drama number (0 <= index < 14,000), E.164."""
    prefix = _DRAMA_RANGES[index // 1000]
    return f"{prefix}0{index % 1000:03d}"


def synthetic_nhs_numbers(count: int, start: int = 0) -> list[str]:
    """Valid (Modulus 11) NHS numbers in the 999 range, which are never issued."""
    numbers: list[str] = []
    body = 999_000_000 + start
    while len(numbers) < count:
        first9 = str(body)
        check = calculate_checksum(first9)
        body += 1
        if check is None or check == 10:
            continue
        numbers.append(first9 + str(check))
    return numbers


_TYPES = (
    PlanType.END_OF_LIFE,
    PlanType.FRAILTY,
    PlanType.MENTAL_HEALTH_CRISIS,
    PlanType.MULTIPLE_SCLEROSIS,
    PlanType.LEARNING_DISABILITY,
)
CARE_HOME_EVERY = 100
CARE_HOME_SIZE = 4


def synthetic_batch(plans: int) -> ParsedBatch:
    """``plans`` patients with one plan each; every 100th patient lives in a 4-bed care home."""
    if plans > 12_000:
        raise ValueError("at most 12,000 synthetic plans (the drama ranges run out)")
    nhs = synthetic_nhs_numbers(plans)
    records = []
    for i, number in enumerate(nhs):
        phones = [drama_number(i)]
        if i % CARE_HOME_EVERY < CARE_HOME_SIZE:  # 4 residents share the home's landline
            phones.append(drama_number(12_000 + i // CARE_HOME_EVERY))
        records.append(
            ImportRecord(
                line=i + 2,
                patient=PatientFacts(nhs_number=number, phones=tuple(phones)),
                plan=PlanFacts(
                    source_record_id=f"bench-{i}",
                    plan_type=_TYPES[i % len(_TYPES)],
                    summary=f"Synthetic plan {i}\nCall the named team first",
                    reviewed_on=date(2026, 1, 1) - timedelta(days=i % 365),
                ),
            )
        )
    return ParsedBatch(BENCH_SOURCE, "bench", tuple(records), (), plans)


def _centile(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


async def bench_lookup(
    db: Database,
    redis: RedisStore,
    *,
    plans: int = 10_000,
    samples: int = 2_000,
    seed: int = 111,
    keep: bool = False,
    say: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Seed ``plans`` synthetic plans and measure lookup latency from cache and from SQL.

    Args:
        db: a migrated database (a scratch one: ``plans`` rows are written to it).
        redis: the cache.
        plans: how many plans to seed (the issue's target is stated for 10,000).
        samples: timed lookups per path.
        seed: the random seed of the lookup mix.
        keep: leave the seeded plans in place.
        say: progress messages (e.g. ``click.echo`` to stderr).

    Returns:
        ``{"plans", "samples", "backend", "redis", "seed_s", "cache_p50_ms",
        "cache_p99_ms", "sql_p50_ms", "sql_p99_ms", "targets_met", ...}``.
    """
    note = say or (lambda _message: None)
    batch = synthetic_batch(plans)
    note(f"seeding {plans} synthetic plans ({db.backend})")
    started = time.perf_counter()
    report = await asyncio.to_thread(Registry(db.engine).store, batch)
    seed_s = time.perf_counter() - started
    if report.rejected:
        raise RuntimeError(f"{report.rejected} synthetic plans were rejected")
    lookup = PlanLookup(db, redis, key_secret=b"bench", deadline_s=5.0)
    await lookup.invalidate()
    rng = random.Random(seed)
    queries = _lookup_mix(batch, samples, rng)
    try:
        note(f"{samples} lookups through SQL (cache generation bumped before each)")
        sql_ms: list[float] = []
        outcomes: dict[str, int] = {}
        for caller, nhs_number in queries:
            await lookup.invalidate()
            t0 = time.perf_counter()
            result = await lookup.for_call(caller, nhs_number)
            sql_ms.append((time.perf_counter() - t0) * 1000)
            outcomes[result.outcome.value] = outcomes.get(result.outcome.value, 0) + 1
        note(f"{samples} lookups from the cache")
        for caller, nhs_number in queries:  # warm every key under the current generation
            await lookup.for_call(caller, nhs_number)
        hits_before = lookup.hits
        cache_ms = []
        for caller, nhs_number in queries:
            t0 = time.perf_counter()
            await lookup.for_call(caller, nhs_number)
            cache_ms.append((time.perf_counter() - t0) * 1000)
        cache_hits = lookup.hits - hits_before
    finally:
        if not keep:
            await asyncio.to_thread(_remove_seeded, db, batch)
            await lookup.invalidate()
    cache_p99 = round(_centile(cache_ms, 99), 3)
    sql_p99 = round(_centile(sql_ms, 99), 3)
    return {
        "plans": plans,
        "samples": samples,
        "backend": db.backend,
        "redis": "fakeredis" if redis.embedded else "redis",
        "seed_s": round(seed_s, 2),
        "seed_plans_per_s": round(plans / seed_s) if seed_s else None,
        "outcomes": dict(sorted(outcomes.items())),
        "cache_hit_ratio": round(cache_hits / samples, 3) if samples else None,
        "skipped": lookup.skipped,
        "cache_p50_ms": round(_centile(cache_ms, 50), 3),
        "cache_p99_ms": cache_p99,
        "sql_p50_ms": round(_centile(sql_ms, 50), 3),
        "sql_p99_ms": sql_p99,
        "cache_target_ms": CACHE_TARGET_MS,
        "sql_target_ms": SQL_TARGET_MS,
        "targets_met": cache_p99 < CACHE_TARGET_MS and sql_p99 < SQL_TARGET_MS,
    }


def _lookup_mix(
    batch: ParsedBatch, samples: int, rng: random.Random
) -> list[tuple[str | None, str | None]]:
    records = batch.records
    unknown = synthetic_nhs_numbers(samples, start=len(records) * 2 + 1000)
    mix: list[tuple[str | None, str | None]] = []
    for i in range(samples):
        pick = rng.random()
        record = records[rng.randrange(len(records))]
        if pick < 0.40:  # a plan holder calling from their own number
            mix.append((record.patient.phones[0], None))
        elif pick < 0.55:  # the NHS number was captured
            mix.append((None, record.patient.nhs_number))
        elif pick < 0.65:  # a care home's shared landline
            home = records[rng.randrange(0, len(records), CARE_HOME_EVERY)]
            mix.append((home.patient.phones[-1], None))
        elif pick < 0.85:  # most callers: no plan (a number nobody registered)
            mix.append((drama_number(13_000 + rng.randrange(1000)), None))
        else:  # an NHS number with no plan
            mix.append((None, unknown[i]))
    return mix


def _remove_seeded(db: Database, batch: ParsedBatch) -> None:
    numbers = [r.patient.nhs_number for r in batch.records]
    with Session(db.engine) as session:
        session.execute(sa.delete(Plan).where(col(Plan.source) == BENCH_SOURCE))
        for start in range(0, len(numbers), 1000):
            chunk = numbers[start : start + 1000]
            orphans = select(Patient.id).where(
                col(Patient.nhs_number).in_(chunk),
                ~sa.exists().where(col(Plan.patient_id) == col(Patient.id)),
            )
            session.execute(sa.delete(Patient).where(col(Patient.id).in_(orphans)))
        session.commit()
