"""The SQL database: SQLite file by default, PostgreSQL by URL.

SQLAlchemy's synchronous engine is used and every unit of work runs in a worker
thread (``Database.run``): one code path for both back ends, and the event loop
never blocks on SQL. Schema changes go through Alembic (``migrate``), never
``create_all``, so production and tests see the same DDL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

T = TypeVar("T")

ALEMBIC_DIR = Path(__file__).resolve().parent.parent.parent / "alembic"


def _normalise_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs (psycopg2 is not installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Database:
    """An engine plus a thread-offloaded unit-of-work runner.

    Usage::

        db = Database("sqlite:///var/urgentline.db")
        db.migrate()
        count = await db.run(lambda s: s.exec(select(CallRecord)).all())
    """

    def __init__(self, url: str) -> None:
        self.url = _normalise_url(url)
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(
                self.url,
                connect_args={"check_same_thread": False, "timeout": 30},
                hide_parameters=True,
            )
            event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = create_engine(
                self.url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
            )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn`` in one transaction on a worker thread; commit on success."""
        return await asyncio.to_thread(self.run_sync, fn)

    def run_sync(self, fn: Callable[[Session], T]) -> T:
        with Session(self.engine, expire_on_commit=False) as session:
            result = fn(session)
            session.commit()
            return result

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic."""
        from alembic.config import Config

        from alembic import command

        config = Config()
        config.set_main_option("script_location", str(ALEMBIC_DIR))
        config.attributes["engine"] = self.engine
        command.upgrade(config, revision)

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    """WAL lets the dashboard read while calls write; foreign keys are off by default."""
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
