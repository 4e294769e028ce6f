"""Storing imports on both back ends: upserts, precedence, conflicts, the schema itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import sqlmodel
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

import careplans.registry as registry_module
from callflow.storage import Database
from careplans import Patient, Phone, Plan, PlanConflict, Registry, parse_import
from careplans.model import ImportRecord, ParsedBatch, PatientFacts, PlanFacts, PlanType
from careplans.registry import open_conflicts


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def rows(db: Database, table: type[sqlmodel.SQLModel]) -> list[sqlmodel.SQLModel]:
    with Session(db.engine) as session:
        return list(session.exec(select(table)))


def test_schema_matches_the_models(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), sqlmodel.SQLModel.metadata)
    assert [d for d in diff if "careplan" in str(d)] == []


def test_examples_land_and_reimports_change_nothing(
    database: Database, ucp_bundle: bytes, eol_csv: bytes, mh_csv: bytes
) -> None:
    registry = Registry(database.engine, clock=Clock())
    reports = [registry.store(parse_import(f)) for f in (ucp_bundle, eol_csv, mh_csv)]
    assert [(r.created, r.updated, r.unchanged, r.rejected) for r in reports] == [
        (4, 0, 0, 4),
        (4, 0, 0, 5),
        (4, 0, 0, 3),
    ]
    assert reports[1].conflicts == 1  # Ada: the UCP and the EOL register disagree
    assert len(rows(database, Plan)) == 12
    assert len(rows(database, Patient)) == 10  # Ada and Edwin are in two sources

    again = [registry.store(parse_import(f)) for f in (ucp_bundle, eol_csv, mh_csv)]
    assert [(r.created, r.updated, r.unchanged, r.conflicts) for r in again] == [
        (0, 0, 4, 0),
        (0, 0, 4, 0),
        (0, 0, 4, 0),
    ]
    assert len(rows(database, Plan)) == 12
    assert len(rows(database, Phone)) == 14
    assert len(rows(database, PlanConflict)) == 1


def test_most_recent_review_wins_and_the_conflict_is_flagged_once(
    database: Database, ucp_bundle: bytes, eol_csv: bytes
) -> None:
    registry = Registry(database.engine, clock=Clock())
    registry.store(parse_import(ucp_bundle))
    registry.store(parse_import(eol_csv))
    plans = {p.source_record_id: p for p in rows(database, Plan)}  # type: ignore[attr-defined]
    ucp, eol = plans["UCP-100001"], plans["EOL-0001"]
    assert ucp.superseded_by is None and eol.superseded_by == ucp.id
    with Session(database.engine) as session:
        (conflict,) = open_conflicts(session)
    assert conflict.winner_plan_id == ucp.id
    assert conflict.fields == ["preferred_place_of_care", "crisis_instructions"]
    assert {conflict.plan_a, conflict.plan_b} == {ucp.id, eol.id}

    # The register reviews its plan later: it wins now, and the same flag is updated.
    newer = eol_csv.replace(b"2025-11-20,2026-11-20", b"2026-11-01,2027-11-01")
    report = registry.store(parse_import(newer))
    assert (report.updated, report.conflicts) == (1, 0)
    plans = {p.source_record_id: p for p in rows(database, Plan)}  # type: ignore[attr-defined]
    assert plans["UCP-100001"].superseded_by == eol.id and plans["EOL-0001"].superseded_by is None
    with Session(database.engine) as session:
        (conflict,) = open_conflicts(session)
    assert conflict.winner_plan_id == eol.id

    # The register closes its plan: the UCP plan is shown again, the flag is closed.
    closed = newer.replace(b"2027-11-01,Y,active", b"2027-11-01,Y,closed")
    registry.store(parse_import(closed))
    plans = {p.source_record_id: p for p in rows(database, Plan)}  # type: ignore[attr-defined]
    assert plans["UCP-100001"].superseded_by is None
    with Session(database.engine) as session:
        assert open_conflicts(session) == []


def _batch(*records: ImportRecord, source: str = "test") -> ParsedBatch:
    return ParsedBatch(source, "test", records, (), len(records))


def _record(line: int, record_id: str, nhs: str, phones: tuple[str, ...]) -> ImportRecord:
    return ImportRecord(
        line,
        PatientFacts(nhs, family_name="Testperson", phones=phones),
        PlanFacts(record_id, PlanType.FRAILTY, "summary", reviewed_on=date(2026, 1, 1)),
    )


def test_reimport_replaces_phones_and_keeps_demographics_it_does_not_state(
    database: Database,
) -> None:
    registry = Registry(database.engine, clock=Clock())
    registry.store(_batch(_record(2, "R1", "9434765919", ("+447700900001", "+447700900002"))))
    moved = ImportRecord(
        2,
        PatientFacts("9434765919", family_name=None, phones=("+447700900003",)),
        PlanFacts("R1", PlanType.FRAILTY, "summary", reviewed_on=date(2026, 1, 1)),
    )
    report = registry.store(_batch(moved))
    assert report.unchanged == 1  # the plan itself did not change
    phones = sorted(p.e164 for p in rows(database, Phone))  # type: ignore[attr-defined]
    assert phones == ["+447700900003"]
    (patient,) = rows(database, Patient)
    assert patient.family_name == "Testperson"  # type: ignore[attr-defined]


def test_a_record_the_database_refuses_is_reported_and_the_rest_land(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = registry_module.store_records

    def flaky(session: Session, source: str, records: list[ImportRecord], **kw: object) -> object:
        if any(r.plan.source_record_id == "BAD" for r in records):
            raise IntegrityError("INSERT", {}, Exception("refused"))
        return real(session, source, records, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(registry_module, "store_records", flaky)
    registry = Registry(database.engine, clock=Clock(), chunk_size=10)
    report = registry.store(
        _batch(
            _record(2, "R1", "9434765919", ()),
            _record(3, "BAD", "9876543210", ()),
            _record(4, "R3", "9991234578", ()),
        )
    )
    assert (report.created, [(e.line, e.reason) for e in report.errors]) == (
        2,
        [(3, "could not be stored (database error)")],
    )
    with Session(database.engine) as session:
        ids = session.exec(select(Plan.source_record_id).order_by(col(Plan.source_record_id)))
        assert list(ids) == ["R1", "R3"]


def test_progress_is_reported_per_chunk(database: Database) -> None:
    seen: list[tuple[int, int]] = []
    records = [_record(i + 2, f"R{i}", "9434765919", ()) for i in range(5)]
    Registry(database.engine, chunk_size=2).store(
        _batch(*records), on_progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]
    with Session(database.engine) as session:
        count = session.execute(sa.select(sa.func.count()).select_from(Plan)).scalar_one()
    assert count == 5
