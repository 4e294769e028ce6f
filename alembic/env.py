"""Alembic environment: migrations run on the engine the service hands over.

``callflow.storage.Database.migrate`` puts its engine in ``config.attributes``;
the ``alembic`` command line falls back to ``URGENTLINE_DATABASE_URL``.
"""

from __future__ import annotations

from sqlalchemy import Engine

from alembic import context
from callflow.settings import Settings
from callflow.storage.db import Database


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    return Database(Settings().database_url).engine


def run_migrations_online() -> None:
    with _engine().connect() as connection:
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
