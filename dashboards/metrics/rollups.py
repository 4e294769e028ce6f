"""Roll-ups in SQL: write a bucket's figures (again and again), read history back.

A bucket is recomputed from the per-call facts whenever one of its calls
changes, so the same row is written many times: ``upsert`` is one
``INSERT ... ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL share the syntax;
SQLAlchemy builds it per dialect), idempotent and race-free without a read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from callflow.storage import Database
from dashboards.metrics.models import MetricRollup
from dashboards.views import Figures

_LIVE_ONLY = frozenset({"waiting_now", "longest_wait_s"})
ITEMS = tuple(f.name for f in fields(Figures) if f.name not in _LIVE_ONLY)
"""The Figures fields stored per bucket (all but the live queue)."""
_KEY = ("scope_kind", "scope", "bucket_s", "bucket_start")
_CHUNK = 500
"""Rows per statement: well under SQLite's bound-parameter limit."""


@dataclass(frozen=True, slots=True)
class Rollup:
    """One bucket of one scope, as written."""

    bucket_start: datetime
    bucket_s: int
    scope_kind: str
    scope: str
    figures: Figures


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """One bucket of history: its start and the figures of the calls that arrived in it."""

    bucket_start: datetime
    figures: Figures


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RollupStore:
    """Reads and writes ``metric_rollup`` rows.

    Usage::

        store = RollupStore(db)
        await store.upsert([Rollup(start, 900, "system", "all", figures)])
        points = await store.history("system", "all", since, until, bucket_s=900)
    """

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self.db = db
        self._clock = clock

    async def upsert(self, rollups: Sequence[Rollup]) -> int:
        """Write (insert or replace) the rows in one transaction; returns how many."""
        if not rollups:
            return 0
        now = self._clock()
        values = [_values(r, now) for r in rollups]

        def write(session: Session) -> None:
            insert = (
                postgresql.insert
                if session.get_bind().dialect.name == "postgresql"
                else (sqlite.insert)
            )
            for at in range(0, len(values), _CHUNK):
                statement = insert(MetricRollup).values(values[at : at + _CHUNK])
                statement = statement.on_conflict_do_update(
                    index_elements=list(_KEY),
                    set_={name: statement.excluded[name] for name in (*ITEMS, "updated_at")},
                )
                session.exec(statement)

        await self.db.run(write)
        return len(values)

    async def history(
        self, kind: str, key: str, since: datetime, until: datetime, *, bucket_s: int
    ) -> list[HistoryPoint]:
        """Stored buckets of one scope starting in ``[since, until)``, oldest first."""

        def query(session: Session) -> list[MetricRollup]:
            statement = (
                select(MetricRollup)
                .where(col(MetricRollup.scope_kind) == kind)
                .where(col(MetricRollup.scope) == key)
                .where(col(MetricRollup.bucket_s) == bucket_s)
                .where(col(MetricRollup.bucket_start) >= since)
                .where(col(MetricRollup.bucket_start) < until)
                .order_by(col(MetricRollup.bucket_start))
            )
            return list(session.exec(statement).all())

        rows = await self.db.run(query)
        return [HistoryPoint(_aware(row.bucket_start), _figures(row)) for row in rows]


def _values(rollup: Rollup, now: datetime) -> dict[str, Any]:
    figures = rollup.figures
    return {
        "scope_kind": rollup.scope_kind,
        "scope": rollup.scope,
        "bucket_s": rollup.bucket_s,
        "bucket_start": rollup.bucket_start,
        **{name: getattr(figures, name) for name in ITEMS},
        "updated_at": now,
    }


def _figures(row: MetricRollup) -> Figures:
    return Figures(**{name: getattr(row, name) for name in ITEMS})


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
