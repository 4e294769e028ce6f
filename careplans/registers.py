"""CSV exports of two legacy registers: an end-of-life register and a mental-health crisis register.

Both are spreadsheet exports of the kind registers produce: a header row, one
plan per row, quoted fields that may span lines. They differ the way real ones
do: column names, date formats (ISO vs ``dd/mm/yyyy``), how yes/no is written,
and which columns exist. ``docs/careplans.md`` lists every column.

Each row is checked on its own; a bad row becomes a ``RowError`` with the line
it starts on and every reason found (field names only, never values), and the
other rows go on. Files are read as UTF-8 (a BOM is fine) or, failing that,
Windows-1252, which older registers still write.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from careplans.errors import IdentifierError, RecordError, UnreadableFileError
from careplans.identifiers import normalise_nhs_number, normalise_phone, normalise_postcode
from careplans.model import (
    ImportRecord,
    KeyContact,
    ParsedBatch,
    PatientFacts,
    PlanFacts,
    PlanType,
    RowError,
    check_summary,
    clean_text,
)

_YES = frozenset({"y", "yes", "true", "1"})
_NO = frozenset({"n", "no", "false", "0"})
_ACTIVE = frozenset({"", "active", "current", "open"})
_INACTIVE = frozenset({"inactive", "closed", "revoked", "withdrawn", "deceased", "archived"})


class _Row:
    """One CSV row with problem collection: every bad field is reported, not just the first."""

    def __init__(self, values: Mapping[str, str], line: int, warnings: list[RowError]) -> None:
        self.values = values
        self.line = line
        self.problems: list[str] = []
        self._warnings = warnings

    def text(self, column: str) -> str | None:
        return clean_text(self.values.get(column))

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            self.problems.append(f"{column}: missing")
            return ""
        return value

    def nhs_number(self, column: str) -> str:
        raw = self.required(column)
        if not raw:
            return ""
        try:
            return normalise_nhs_number(raw)
        except IdentifierError as exc:
            self.problems.append(f"{column}: {exc}")
            return ""

    def day(self, column: str, fmt: str, *, required: bool = False) -> date | None:
        raw = self.required(column) if required else self.text(column)
        if not raw:
            return None
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            shown = fmt.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
            self.problems.append(f"{column}: not a date ({shown})")
            return None

    def yes_no(self, column: str) -> bool | None:
        raw = (self.text(column) or "").casefold()
        if not raw:
            return None
        if raw in _YES:
            return True
        if raw in _NO:
            return False
        self.problems.append(f"{column}: expected Y or N")
        return None

    def active(self, column: str) -> bool:
        raw = (self.text(column) or "").casefold()
        if raw in _ACTIVE:
            return True
        if raw in _INACTIVE:
            return False
        self.problems.append(f"{column}: unknown status")
        return True

    def phones(self, *columns: str) -> tuple[str, ...]:
        """Numbers from the columns (each may hold several, split by ``;`` or ``/``)."""
        numbers: list[str] = []
        for column in columns:
            raw = self.text(column) or ""
            for part in raw.replace("/", ";").split(";"):
                if not part.strip():
                    continue
                try:
                    number = normalise_phone(part)
                except IdentifierError:
                    self._warnings.append(
                        RowError(self.line, f"{column}: not a phone number (dropped)")
                    )
                    continue
                if number not in numbers:
                    numbers.append(number)
        return tuple(numbers)

    def postcode(self, column: str) -> str | None:
        raw = self.text(column)
        if raw is None:
            return None
        try:
            return normalise_postcode(raw)
        except ValueError:
            self._warnings.append(RowError(self.line, f"{column}: not a UK postcode (dropped)"))
            return None

    def contact(
        self,
        phone_column: str,
        *,
        name_column: str | None = None,
        name: str | None = None,
        relationship: str | None = None,
        relationship_column: str | None = None,
    ) -> KeyContact | None:
        """A key contact from a name (column or fixed), a relationship and a phone column."""
        who = self.text(name_column) if name_column else name
        relation = self.text(relationship_column) if relationship_column else relationship
        phone = None
        raw_phone = self.text(phone_column)
        if raw_phone:
            try:
                phone = normalise_phone(raw_phone)
            except IdentifierError:
                self._warnings.append(
                    RowError(self.line, f"{phone_column}: not a phone number (dropped)")
                )
        if (name_column and who is None) or (who is None and phone is None):
            return None
        return KeyContact(who or relation or "contact", relation, phone)

    def summary(self, *columns: str) -> str:
        joined = "\n".join(self.text(c) or "" for c in columns)
        try:
            return check_summary(joined, columns[0] if len(columns) == 1 else "summary")
        except RecordError as exc:
            self.problems.append(exc.reason)
            return ""


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """A register's export format: how to recognise it and how to read a row."""

    name: str
    default_source: str
    required_columns: frozenset[str]
    read_row: Callable[[_Row], tuple[PatientFacts, PlanFacts]]

    def matches(self, header: list[str]) -> bool:
        return self.required_columns <= set(header)


def _eol_row(row: _Row) -> tuple[PatientFacts, PlanFacts]:
    iso = "%Y-%m-%d"
    record_id = row.required("record_id")
    patient = PatientFacts(
        nhs_number=row.nhs_number("nhs_number"),
        family_name=row.text("family_name"),
        given_name=row.text("given_name"),
        birth_date=row.day("date_of_birth", iso),
        postcode=row.postcode("postcode"),
        phones=row.phones("phone_numbers"),
    )
    contacts = [
        row.contact("nok_phone", name_column="nok_name", relationship_column="nok_relationship"),
        row.contact("gp_phone", name_column="gp_practice", relationship="GP practice"),
    ]
    plan = PlanFacts(
        source_record_id=record_id,
        plan_type=PlanType.END_OF_LIFE,
        summary=row.summary("summary_line_1", "summary_line_2"),
        detail=row.text("detail"),
        dnacpr=row.yes_no("dnacpr"),
        respect_form=row.yes_no("respect_form"),
        preferred_place_of_care=row.text("preferred_place_of_care"),
        key_contacts=tuple(c for c in contacts if c is not None),
        crisis_instructions=row.text("crisis_instructions"),
        owner_organisation=row.text("owner_organisation"),
        reviewed_on=row.day("last_reviewed", iso, required=True),
        expires_on=row.day("expiry_date", iso),
        consent_to_share=row.yes_no("consent_to_share") is not False,
        active=row.active("status"),
    )
    return patient, plan


def _mh_row(row: _Row) -> tuple[PatientFacts, PlanFacts]:
    uk = "%d/%m/%Y"
    record_id = row.required("patient id")
    patient = PatientFacts(
        nhs_number=row.nhs_number("nhs no"),
        family_name=row.text("surname"),
        given_name=row.text("forename"),
        birth_date=row.day("dob", uk),
        postcode=row.postcode("postcode"),
        phones=row.phones("home tel", "mobile tel"),
    )
    contacts = [
        row.contact(
            "care coordinator tel", name_column="care coordinator", relationship="care coordinator"
        ),
        row.contact("crisis line", name="Crisis line", relationship="crisis line"),
    ]
    plan = PlanFacts(
        source_record_id=record_id,
        plan_type=PlanType.MENTAL_HEALTH_CRISIS,
        summary=row.summary("crisis summary"),
        detail=row.text("what helps"),
        crisis_instructions=row.text("crisis plan"),
        key_contacts=tuple(c for c in contacts if c is not None),
        owner_organisation=row.text("team"),
        reviewed_on=row.day("last review", uk, required=True),
        expires_on=row.day("plan expires", uk),
        consent_to_share=row.yes_no("sharing consent") is not False,
        active=row.active("status"),
    )
    return patient, plan


EOL_REGISTER = CsvLayout(
    name="eol-register",
    default_source="eol-register",
    required_columns=frozenset({"record_id", "nhs_number", "summary_line_1", "last_reviewed"}),
    read_row=_eol_row,
)
MH_CRISIS_REGISTER = CsvLayout(
    name="mh-crisis-register",
    default_source="mh-crisis-register",
    required_columns=frozenset({"patient id", "nhs no", "crisis summary", "last review"}),
    read_row=_mh_row,
)
CSV_LAYOUTS: tuple[CsvLayout, ...] = (EOL_REGISTER, MH_CRISIS_REGISTER)


def decode(content: bytes) -> str:
    """UTF-8 (BOM allowed), else Windows-1252 (older registers' exports)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _normal_header(name: str) -> str:
    return " ".join(name.strip().casefold().split())


def read_header(text: str) -> list[str]:
    """The normalised column names of a CSV text (empty when there is no header)."""
    reader = csv.reader(io.StringIO(text))
    first = next(reader, [])
    return [_normal_header(h) for h in first]


def layout_for_header(header: list[str]) -> CsvLayout | None:
    return next((layout for layout in CSV_LAYOUTS if layout.matches(header)), None)


def parse_csv(
    content: str | bytes, *, layout: CsvLayout | None = None, source: str | None = None
) -> ParsedBatch:
    """Read one register export into records and rejected rows.

    Args:
        content: the file's content.
        layout: the register's layout; recognised from the header when ``None``.
        source: the source name (re-imports of one source update its plans);
            the layout's default when ``None``.

    Raises:
        UnreadableFileError: no header, or a header no layout recognises, or
            broken CSV quoting.
    """
    text = decode(content) if isinstance(content, bytes) else content
    header = read_header(text)
    if not any(header):
        raise UnreadableFileError("empty file: no header row", 1)
    chosen = layout or layout_for_header(header)
    if chosen is None:
        raise UnreadableFileError("header matches no known register layout", 1)
    missing = sorted(chosen.required_columns - set(header))
    if missing:
        raise UnreadableFileError(f"header lacks column(s): {', '.join(missing)}", 1)

    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    records: list[ImportRecord] = []
    errors: list[RowError] = []
    warnings: list[RowError] = []
    rows = 0
    while True:
        line = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise UnreadableFileError(f"broken CSV ({exc})", line) from None
        if not any(v.strip() for v in values):
            continue
        rows += 1
        if len(values) > len(header):
            errors.append(RowError(line, f"{len(values)} fields for {len(header)} columns"))
            continue
        row = _Row(dict(zip(header, values, strict=False)), line, warnings)
        patient, plan = chosen.read_row(row)
        if row.problems:
            errors.append(RowError(line, "; ".join(row.problems)))
            continue
        records.append(ImportRecord(line, patient, plan))
    return ParsedBatch(
        source=source or chosen.default_source,
        layout=chosen.name,
        records=tuple(records),
        errors=tuple(errors),
        rows=rows,
        warnings=tuple(w for w in warnings if w.line not in {e.line for e in errors}),
    )
