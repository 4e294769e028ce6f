"""Shared fixtures: storage back ends, embedded and real.

Tests that take ``database`` or ``redis_store`` run twice: ``embedded`` (SQLite
file in tmp_path + fakeredis) and ``real`` (PostgreSQL + Redis on loopback). The
real pass creates its own database and Redis key prefix and removes them after,
and is skipped with a visible reason only when a server is unreachable.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

for _name in [n for n in os.environ if n.startswith("URGENTLINE_") and "_TEST_" not in n]:
    del os.environ[_name]

import callflow.app  # noqa: E402,F401  (the composition root imports every table: truncation sees all)
from callflow.storage import Database, RedisStore  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "URGENTLINE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("URGENTLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RUN_ID = uuid.uuid4().hex[:8]


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 1
        ):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this run's own, dropped at the end."""
    if not _reachable(PG_ADMIN_URL, 5432):
        pytest.skip(f"PostgreSQL not reachable at {urlsplit(PG_ADMIN_URL).netloc}")
    name = f"urgentline_test_{RUN_ID}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = str(sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False))
    db = Database(url)
    db.migrate()
    db.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["embedded", "real"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database on the back end of this pass."""
    if backend == "embedded":
        db = Database(f"sqlite:///{tmp_path / 'urgentline.db'}")
        db.migrate()
    else:
        db = Database(request.getfixturevalue("pg_url"))
        _truncate_all(db)
    try:
        yield db
    finally:
        db.dispose()


def _truncate_all(db: Database) -> None:
    tables = [t.name for t in SQLModel.metadata.sorted_tables]
    if tables:
        with db.engine.begin() as conn:
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {quoted} CASCADE"))


@pytest.fixture
async def redis_store(backend: str) -> AsyncIterator[RedisStore]:
    """fakeredis, or real Redis under a prefix of this test's own (deleted after)."""
    if backend == "embedded":
        store = RedisStore(None, prefix="urgentline")
    else:
        if not _reachable(REDIS_URL, 6379):
            pytest.skip(f"Redis not reachable at {urlsplit(REDIS_URL).netloc}")
        store = RedisStore(REDIS_URL, prefix=f"urgentline-test-{RUN_ID}-{uuid.uuid4().hex[:6]}")
    try:
        yield store
    finally:
        await store.delete_prefix()
        await store.aclose()
