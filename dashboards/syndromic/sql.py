"""Small SQL helpers shared by the syndromic tables, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def insert_for(session: Session, table: Table) -> Any:
    """The dialect's INSERT: both offer ``on_conflict_do_nothing`` / ``_do_update``.

    Upserts keep counting and de-duplication to one statement each, with no
    read-then-write race between two consumers of the stream.
    """
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE touched (for INSERTs, use ``RETURNING``: psycopg reports -1)."""
    return cast(CursorResult[Any], result).rowcount
