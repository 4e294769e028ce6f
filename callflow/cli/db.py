"""``urgentline db``: schema migrations."""

from __future__ import annotations

import click

from callflow.settings import Settings
from callflow.storage import Database


@click.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION on URGENTLINE_DATABASE_URL."""
    database = Database(Settings().database_url)
    try:
        database.migrate(revision)
    finally:
        database.dispose()
    click.echo(f"database at {revision} ({database.backend})")
