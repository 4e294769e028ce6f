"""Care and crisis plan registry: models, importers, precedence, lookup rules, audit, notifications.

Imports nothing of the project. Storage code takes an SQLAlchemy ``Engine`` or
an open ``Session``; everything else is pure. The service side (Redis cache,
deadlines, HTTP, webhook delivery) lives in ``callflow.plans``.

Usage::

    from careplans import Registry, parse_import

    batch = parse_import(Path("eol-register.csv").read_bytes())
    report = Registry(engine).store(batch)
    for error in report.errors:
        print(f"eol-register.csv:{error.line}: {error.reason}")
"""

from careplans.audit import Action, Purpose
from careplans.errors import (
    CareplanError,
    IdentifierError,
    InvalidNhsNumber,
    InvalidPhoneNumber,
    RecordError,
    UnreadableFileError,
)
from careplans.identifiers import (
    CallerId,
    Presentation,
    normalise_nhs_number,
    normalise_phone,
    parse_caller,
)
from careplans.importing import LAYOUTS, detect_layout, parse_import
from careplans.lookup import LookupOutcome, LookupResult, MatchedBy, PlanSummary
from careplans.model import (
    ImportRecord,
    ImportReport,
    KeyContact,
    ParsedBatch,
    PatientFacts,
    PlanFacts,
    PlanType,
    RowError,
)
from careplans.registry import Registry
from careplans.tables import Patient, Phone, Plan, PlanAccess, PlanConflict, PlanNotification

__all__ = [
    "LAYOUTS",
    "Action",
    "CallerId",
    "CareplanError",
    "IdentifierError",
    "ImportRecord",
    "ImportReport",
    "InvalidNhsNumber",
    "InvalidPhoneNumber",
    "KeyContact",
    "LookupOutcome",
    "LookupResult",
    "MatchedBy",
    "ParsedBatch",
    "Patient",
    "PatientFacts",
    "Phone",
    "Plan",
    "PlanAccess",
    "PlanConflict",
    "PlanFacts",
    "PlanNotification",
    "PlanSummary",
    "PlanType",
    "Presentation",
    "Purpose",
    "RecordError",
    "Registry",
    "RowError",
    "UnreadableFileError",
    "detect_layout",
    "normalise_nhs_number",
    "normalise_phone",
    "parse_caller",
    "parse_import",
]
