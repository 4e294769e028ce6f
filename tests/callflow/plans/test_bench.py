"""``bench_lookup`` on both back ends: it measures both paths and cleans up after itself."""

from __future__ import annotations

from sqlmodel import Session, select

from callflow.plans import bench_lookup
from callflow.plans.bench import drama_number, synthetic_batch, synthetic_nhs_numbers
from callflow.storage import Database, RedisStore
from careplans import Plan, normalise_nhs_number, normalise_phone


def test_synthetic_people_are_valid_and_never_real() -> None:
    numbers = synthetic_nhs_numbers(500)
    assert len(set(numbers)) == 500
    assert all(n.startswith("999") and normalise_nhs_number(n) == n for n in numbers)
    assert drama_number(0) == "+441134960000" and drama_number(13_999) == "+447700900999"
    assert all(normalise_phone(drama_number(i)) == drama_number(i) for i in range(0, 14_000, 997))
    homes = [r for r in synthetic_batch(200).records if len(r.patient.phones) == 2]
    assert len(homes) == 8 and len({r.patient.phones[1] for r in homes}) == 2


async def test_bench_reports_p99_from_cache_and_sql(
    database: Database, redis_store: RedisStore
) -> None:
    report = await bench_lookup(database, redis_store, plans=300, samples=60)
    assert report["plans"] == 300 and report["backend"] == database.backend
    assert set(report["outcomes"]) >= {"found", "none", "confirm_identity"}
    assert report["cache_hit_ratio"] == 1.0 and report["skipped"] == 0
    assert report["cache_p99_ms"] > 0 and report["sql_p99_ms"] > 0
    assert isinstance(report["targets_met"], bool)
    with Session(database.engine) as session:
        assert session.exec(select(Plan)).first() is None  # seeded plans removed
