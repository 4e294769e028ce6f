"""Migration 0009 creates exactly the tables the models describe, on both back ends."""

from __future__ import annotations

from collections.abc import Mapping

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import dashboards.syndromic.models  # noqa: F401  (registers the tables in SQLModel.metadata)
from callflow.storage import Database

OUR_TABLES = {
    "syndromic_call",
    "syndromic_hourly",
    "syndromic_daily",
    "syndromic_alarm",
    "syndromic_proposal",
}


def test_the_migration_matches_the_models(database: Database) -> None:
    def ours(name: str | None, type_: str, parents: Mapping[str, str | None]) -> bool:
        if type_ == "schema":
            return True
        table = name if type_ == "table" else parents.get("table_name")
        return table in OUR_TABLES

    def ours_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in OUR_TABLES

    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": ours, "include_object": ours_object}
        )
        assert list(compare_metadata(context, SQLModel.metadata)) == []
