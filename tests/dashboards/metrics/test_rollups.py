"""Roll-ups on both SQL back ends: upserts are idempotent, history reads them back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData
from sqlmodel import func, select

from callflow.storage import Database
from dashboards.metrics import MetricRollup, Rollup, RollupStore
from dashboards.views import Figures
from tests.dashboards.metrics.kit import T0

FIGURES = Figures(
    a01_received=9,
    a02_ivr_routed=8,
    a03_answered=6,
    b01_answered_60s=5,
    b02_abandoned=2,
    b03_abandoned_30s=1,
    b05_abandoned_over_60s=1,
    b06_mean_answer_s=31.5,
    b07_p95_answer_s=70.25,
    b09_abandoned_time_s=95.0,
    waiting_now=3,  # live only: not stored
    longest_wait_s=40.0,
    callbacks_offered=1,
    fallbacks=2,
)


def count_rows(db: Database) -> int:
    return db.run_sync(lambda s: s.exec(select(func.count()).select_from(MetricRollup)).one())


async def test_writing_the_same_rows_again_changes_nothing(database: Database) -> None:
    store = RollupStore(database)
    rows = [
        Rollup(T0 + timedelta(minutes=15 * k), 900, kind, key, FIGURES)
        for k in range(3)
        for kind, key in (("system", "all"), ("provider", "dental"))
    ]
    assert await store.upsert(rows) == 6
    first = await store.history("provider", "dental", T0, T0 + timedelta(hours=1), bucket_s=900)
    assert await store.upsert(rows) == 6
    again = await store.history("provider", "dental", T0, T0 + timedelta(hours=1), bucket_s=900)
    assert again == first and count_rows(database) == 6
    assert [p.bucket_start for p in first] == [T0 + timedelta(minutes=15 * k) for k in range(3)]
    stored = replace(FIGURES, waiting_now=0, longest_wait_s=0.0)
    assert all(p.figures == stored for p in first)


async def test_a_recomputed_bucket_replaces_its_row(database: Database) -> None:
    store = RollupStore(database)
    await store.upsert([Rollup(T0, 900, "system", "all", FIGURES)])
    changed = Figures(a01_received=10, a03_answered=7, b06_mean_answer_s=None)
    await store.upsert([Rollup(T0, 900, "system", "all", changed)])
    (point,) = await store.history("system", "all", T0, T0 + timedelta(hours=1), bucket_s=900)
    assert point.figures == changed and point.bucket_start == T0
    assert point.bucket_start.tzinfo is not None
    assert count_rows(database) == 1


async def test_history_keeps_to_its_scope_bucket_size_and_half_open_range(
    database: Database,
) -> None:
    store = RollupStore(database)
    await store.upsert(
        [
            Rollup(T0, 900, "pathway", "dental", FIGURES),
            Rollup(T0 + timedelta(minutes=15), 900, "pathway", "dental", FIGURES),
            Rollup(T0 + timedelta(minutes=30), 900, "pathway", "dental", FIGURES),
            Rollup(T0, 900, "pathway", "crisis", FIGURES),
            Rollup(T0, 300, "pathway", "dental", FIGURES),
        ]
    )
    points = await store.history("pathway", "dental", T0, T0 + timedelta(minutes=30), bucket_s=900)
    assert [p.bucket_start for p in points] == [T0, T0 + timedelta(minutes=15)]


async def test_many_rows_are_written_in_chunks(database: Database) -> None:
    store = RollupStore(database)
    rows = [Rollup(T0 + timedelta(minutes=k), 60, "system", "all", FIGURES) for k in range(1200)]
    assert await store.upsert(rows) == 1200
    assert await store.upsert([]) == 0
    assert count_rows(database) == 1200


def test_the_migration_creates_the_table_the_model_describes(database: Database) -> None:
    metadata = MetaData()
    MetricRollup.__table__.to_metadata(metadata)  # type: ignore[attr-defined]
    only_ours = {
        "include_name": lambda name, kind, _parent: kind != "table" or name == "metric_rollup"
    }
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts=only_ours)
        assert compare_metadata(context, metadata) == []
