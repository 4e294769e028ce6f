"""Storing imports: upsert by (source, record id), precedence, conflicts flagged.

Theory of operation. ``Registry.store`` writes a parsed batch in chunks, each in
its own transaction:

1. Fetch the chunk's patients (by NHS number) and plans (by source and record
   id) in two queries; create what is missing, update what changed, count what
   did not (a re-import of the same file is all ``unchanged``).
2. Replace each plan's phone numbers with the ones its record states.
3. Re-run precedence (``careplans.precedence``) for every (patient, plan type)
   the chunk touched: set ``superseded_by``, flag new disagreements in
   ``careplan_conflict`` and close flags whose plans now agree.

If a chunk fails in the database (a concurrent import inserted the same patient,
a constraint the parser did not foresee), it is rolled back and retried one
record per transaction, so only the records that really fail are reported, with
their lines, and the rest land.

The registry takes an SQLAlchemy ``Engine`` and runs synchronously: the service
calls it from a worker thread. It logs counts and ids, never patient data.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from careplans.model import ImportRecord, ImportReport, ParsedBatch, PlanFacts, RowError
from careplans.precedence import Contender, resolve
from careplans.tables import Patient, Phone, Plan, PlanConflict

log = logging.getLogger(__name__)

DEFAULT_CHUNK = 500
Progress = Callable[[int, int], None]
"""``on_progress(rows_done, rows_total)``."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_plan_id() -> str:
    return uuid.uuid4().hex


@dataclass
class _ChunkOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    errors: list[RowError] = field(default_factory=list)


class Registry:
    """The write side of the registry over one engine.

    Args:
        engine: an engine whose schema is at migration 0004 or later.
        clock: "now" in UTC (tests replace it).
        chunk_size: records per transaction.

    Usage::

        registry = Registry(engine)
        report = registry.store(parse_import(Path("plans.csv").read_bytes()))
    """

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime] = _utcnow,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> None:
        self._engine = engine
        self._now = clock
        self._chunk = max(1, chunk_size)

    def store(self, batch: ParsedBatch, on_progress: Progress | None = None) -> ImportReport:
        """Write a batch; returns counts and every rejected row (parser's and database's)."""
        report = ImportReport(
            source=batch.source,
            layout=batch.layout,
            rows=batch.rows,
            errors=list(batch.errors),
            warnings=list(batch.warnings),
        )
        records = batch.records
        total = len(records)
        for start in range(0, total, self._chunk):
            chunk = records[start : start + self._chunk]
            outcome = self._store_chunk(batch.source, chunk)
            report.created += outcome.created
            report.updated += outcome.updated
            report.unchanged += outcome.unchanged
            report.conflicts += outcome.conflicts
            report.errors.extend(outcome.errors)
            if on_progress is not None:
                on_progress(min(start + self._chunk, total), total)
        log.info(
            "care plans imported: source %s, layout %s: %d created, %d updated, "
            "%d unchanged, %d rejected, %d new conflicts",
            report.source, report.layout, report.created, report.updated,
            report.unchanged, report.rejected, report.conflicts,
        )  # fmt: skip
        return report

    def _store_chunk(self, source: str, chunk: Sequence[ImportRecord]) -> _ChunkOutcome:
        try:
            with Session(self._engine, expire_on_commit=False) as session:
                outcome = store_records(session, source, chunk, now=self._now())
                session.commit()
                return outcome
        except SQLAlchemyError as exc:
            if len(chunk) == 1:
                log.warning(
                    "care plan record rejected by the database: source %s, line %d (%s)",
                    source, chunk[0].line, type(exc).__name__,
                )  # fmt: skip
                return _ChunkOutcome(
                    errors=[RowError(chunk[0].line, "could not be stored (database error)")]
                )
            log.info("chunk of %d failed (%s); storing one by one", len(chunk), type(exc).__name__)
        total = _ChunkOutcome()
        for record in chunk:
            one = self._store_chunk(source, [record])
            total.created += one.created
            total.updated += one.updated
            total.unchanged += one.unchanged
            total.conflicts += one.conflicts
            total.errors.extend(one.errors)
        return total


def _plan_values(facts: PlanFacts) -> dict[str, Any]:
    return {
        "plan_type": facts.plan_type.value,
        "summary": facts.summary,
        "detail": facts.detail,
        "dnacpr": facts.dnacpr,
        "respect_form": facts.respect_form,
        "preferred_place_of_care": facts.preferred_place_of_care,
        "key_contacts": [c.as_json() for c in facts.key_contacts],
        "crisis_instructions": facts.crisis_instructions,
        "owner_organisation": facts.owner_organisation,
        "reviewed_on": facts.reviewed_on,
        "expires_on": facts.expires_on,
        "consent_to_share": facts.consent_to_share,
        "active": facts.active,
    }


def store_records(
    session: Session,
    source: str,
    records: Sequence[ImportRecord],
    *,
    now: datetime,
    new_id: Callable[[], str] = new_plan_id,
) -> _ChunkOutcome:
    """Upsert ``records`` of one source into ``session`` (the caller commits)."""
    outcome = _ChunkOutcome()
    if not records:
        return outcome
    nhs_numbers = {r.patient.nhs_number for r in records}
    patients = {
        p.nhs_number: p
        for p in session.exec(select(Patient).where(col(Patient.nhs_number).in_(nhs_numbers)))
    }
    record_ids = [r.plan.source_record_id for r in records]
    plans = {
        p.source_record_id: p
        for p in session.exec(
            select(Plan).where(
                col(Plan.source) == source, col(Plan.source_record_id).in_(record_ids)
            )
        )
    }

    for record in records:
        _upsert_patient(session, patients, record, now)
    session.flush()

    touched: set[tuple[int, str]] = set()
    phones_of: dict[str, tuple[str, ...]] = {}
    patient_of: dict[str, int] = {}
    for record in records:
        patient = patients[record.patient.nhs_number]
        assert patient.id is not None
        values = _plan_values(record.plan)
        plan = plans.get(record.plan.source_record_id)
        if plan is None:
            plan = Plan(
                id=new_id(),
                patient_id=patient.id,
                source=source,
                source_record_id=record.plan.source_record_id,
                created_at=now,
                updated_at=now,
                **values,
            )
            session.add(plan)
            plans[plan.source_record_id] = plan
            outcome.created += 1
        else:
            touched.add((plan.patient_id, plan.plan_type))
            changed = plan.patient_id != patient.id or any(
                getattr(plan, k) != v for k, v in values.items()
            )
            if changed:
                plan.patient_id = patient.id
                for k, v in values.items():
                    setattr(plan, k, v)
                plan.updated_at = now
                session.add(plan)
                outcome.updated += 1
            else:
                outcome.unchanged += 1
        touched.add((patient.id, plan.plan_type))
        phones_of[plan.id] = record.patient.phones
        patient_of[plan.id] = patient.id
    session.flush()
    _replace_phones(session, phones_of, patient_of)
    outcome.conflicts = apply_precedence(session, touched, now=now)
    return outcome


def _upsert_patient(
    session: Session, patients: dict[str, Patient], record: ImportRecord, now: datetime
) -> None:
    facts = record.patient
    patient = patients.get(facts.nhs_number)
    stated: dict[str, Any] = {
        "family_name": facts.family_name,
        "given_name": facts.given_name,
        "birth_date": facts.birth_date,
        "postcode": facts.postcode,
    }
    if patient is None:
        patient = Patient(nhs_number=facts.nhs_number, created_at=now, updated_at=now, **stated)
        session.add(patient)
        patients[facts.nhs_number] = patient
        return
    # A source that leaves a field out does not erase what another source stated.
    changes = {k: v for k, v in stated.items() if v is not None and getattr(patient, k) != v}
    if changes:
        for k, v in changes.items():
            setattr(patient, k, v)
        patient.updated_at = now
        session.add(patient)


def _replace_phones(
    session: Session, phones_of: dict[str, tuple[str, ...]], patient_of: dict[str, int]
) -> None:
    """Make each plan's phone rows exactly the numbers its record states."""
    if not phones_of:
        return
    kept: set[tuple[str, str]] = set()
    deleted = False
    for phone in session.exec(select(Phone).where(col(Phone.plan_id).in_(list(phones_of)))):
        if phone.e164 in phones_of[phone.plan_id] and phone.patient_id == patient_of[phone.plan_id]:
            kept.add((phone.plan_id, phone.e164))
        else:
            session.delete(phone)
            deleted = True
    if deleted:
        session.flush()
    for plan_id, numbers in phones_of.items():
        for number in numbers:
            if (plan_id, number) not in kept:
                session.add(Phone(plan_id=plan_id, patient_id=patient_of[plan_id], e164=number))


def apply_precedence(session: Session, groups: Iterable[tuple[int, str]], *, now: datetime) -> int:
    """Re-run precedence for (patient id, plan type) groups; returns conflicts newly flagged."""
    wanted = set(groups)
    if not wanted:
        return 0
    patient_ids = {patient_id for patient_id, _ in wanted}
    by_group: dict[tuple[int, str], list[Plan]] = defaultdict(list)
    for plan in session.exec(select(Plan).where(col(Plan.patient_id).in_(patient_ids))):
        if (plan.patient_id, plan.plan_type) in wanted:
            by_group[(plan.patient_id, plan.plan_type)].append(plan)
    conflicts = {
        (c.plan_a, c.plan_b): c
        for c in session.exec(
            select(PlanConflict).where(col(PlanConflict.patient_id).in_(patient_ids))
        )
        if (c.patient_id, c.plan_type) in wanted
    }
    flagged = 0
    still_open: set[tuple[str, str]] = set()
    for (patient_id, plan_type), plans in by_group.items():
        resolution = resolve(_contender(p) for p in plans)
        for plan in plans:
            superseded_by = resolution.superseded.get(plan.id)
            if plan.superseded_by != superseded_by:
                plan.superseded_by = superseded_by
                session.add(plan)
        for disagreement in resolution.disagreements:
            a, b = sorted((disagreement.winner, disagreement.loser))
            still_open.add((a, b))
            fields = list(disagreement.fields)
            conflict = conflicts.get((a, b))
            if conflict is None:
                conflict = PlanConflict(
                    patient_id=patient_id,
                    plan_type=plan_type,
                    plan_a=a,
                    plan_b=b,
                    winner_plan_id=disagreement.winner,
                    fields=fields,
                    detected_at=now,
                )
                conflicts[(a, b)] = conflict
                session.add(conflict)
                flagged += 1
                log.info(
                    "care plan conflict flagged for review: plans %s and %s (%s)",
                    a, b, ", ".join(fields),
                )  # fmt: skip
                continue
            reopened = conflict.resolved_at is not None and conflict.fields != fields
            if reopened:
                conflict.resolved_at = None
                conflict.detected_at = now
                flagged += 1
            moved = conflict.fields != fields or conflict.winner_plan_id != disagreement.winner
            if reopened or moved:
                conflict.fields = fields
                conflict.winner_plan_id = disagreement.winner
                session.add(conflict)
    for pair, conflict in conflicts.items():
        if pair not in still_open and conflict.resolved_at is None:
            conflict.resolved_at = now  # the sources agree now, or one plan retired
            session.add(conflict)
    session.flush()
    return flagged


def _contender(plan: Plan) -> Contender:
    return Contender(
        plan_id=plan.id,
        source=plan.source,
        reviewed_on=plan.reviewed_on,
        created_at=plan.created_at,
        active=plan.active,
        dnacpr=plan.dnacpr,
        respect_form=plan.respect_form,
        preferred_place_of_care=plan.preferred_place_of_care,
        crisis_instructions=plan.crisis_instructions,
    )


def open_conflicts(session: Session) -> list[PlanConflict]:
    """Conflicts waiting for review, oldest first."""
    query = (
        select(PlanConflict)
        .where(col(PlanConflict.resolved_at).is_(None))
        .order_by(col(PlanConflict.detected_at), col(PlanConflict.id))
    )
    return list(session.exec(query))


def delete_all(session: Session) -> None:
    """Empty the registry (tests and the benchmark); the audit is kept."""
    for table in (Phone, PlanConflict, Plan, Patient):
        session.execute(sa.delete(table))
