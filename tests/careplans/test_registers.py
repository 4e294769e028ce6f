"""The two legacy register CSVs: every bad field named, line numbers right, the rest read."""

from __future__ import annotations

from datetime import date

import pytest

from careplans.errors import UnreadableFileError
from careplans.importing import detect_layout, parse_import
from careplans.model import KeyContact, PlanType
from careplans.registers import EOL_REGISTER, parse_csv


def test_eol_register_example(eol_csv: bytes) -> None:
    batch = parse_import(eol_csv)
    assert (batch.layout, batch.source, batch.rows) == ("eol-register", "eol-register", 9)
    assert [(e.line, e.reason) for e in sorted(batch.errors, key=lambda e: e.line or 0)] == [
        (6, "nhs_number: fails the Modulus 11 check"),
        (7, "summary is empty (the call handler needs 1-2 lines)"),
        (8, "last_reviewed: not a date (YYYY-MM-DD)"),
        (9, "dnacpr: expected Y or N"),
        (10, "record id repeated (first on line 3)"),
    ]
    assert [(w.line, w.reason) for w in batch.warnings] == [
        (11, "postcode: not a UK postcode (dropped)"),
        (11, "nok_phone: not a phone number (dropped)"),
    ]
    records = {r.plan.source_record_id: r for r in batch.records}
    assert [r.line for r in batch.records] == [2, 3, 4, 11]  # EOL-0003 spans lines 4-5
    gwen = records["EOL-0002"]
    assert gwen.patient.phones == ("+447700900333", "+442079460333")
    assert gwen.plan.plan_type is PlanType.END_OF_LIFE
    assert gwen.plan.summary.splitlines() == [
        "End of life; lives alone, key safe code held by district nurses.",
        "Call the district nursing team first in hours.",
    ]
    assert gwen.plan.key_contacts == (
        KeyContact("Hal Placeholder", "son", "+447700900334"),
        KeyContact("Testshire Surgery", "GP practice", "+442079460020"),
    )
    assert gwen.plan.dnacpr is False and gwen.plan.respect_form is True
    assert gwen.plan.reviewed_on == date(2026, 10, 2)
    assert gwen.plan.expires_on == date(2027, 10, 2)
    assert records["EOL-0003"].plan.detail is not None
    assert "\n" in records["EOL-0003"].plan.detail


def test_mh_crisis_register_example(mh_csv: bytes) -> None:
    batch = parse_import(mh_csv)
    assert (batch.layout, batch.source, batch.rows) == (
        "mh-crisis-register",
        "mh-crisis-register",
        7,
    )
    assert [(e.line, e.reason) for e in batch.errors] == [
        (6, "nhs no: missing"),
        (7, "dob: not a date (DD/MM/YYYY)"),
        (8, "sharing consent: expected Y or N"),
    ]
    records = {r.plan.source_record_id: r for r in batch.records}
    jack = records["MH-5001"]
    assert jack.patient.birth_date == date(1985, 3, 15)
    assert jack.patient.phones == ("+441632960777", "+447700900444")
    assert jack.plan.plan_type is PlanType.MENTAL_HEALTH_CRISIS
    assert jack.plan.crisis_instructions is not None
    assert jack.plan.key_contacts == (
        KeyContact("Kim Trialson", "care coordinator", "+447700900555"),
        KeyContact("Crisis line", "crisis line", "+442079460999"),
    )
    assert jack.plan.reviewed_on == date(2026, 10, 3)
    assert records["MH-5002"].plan.consent_to_share is False
    assert records["MH-5007"].plan.active is False


def test_windows_1252_exports_are_read() -> None:
    header = "record_id,nhs_number,family_name,summary_line_1,last_reviewed\n"
    row = "E1,9434765919,Zoë,Café owner; end of life,2026-01-01\n"
    batch = parse_csv((header + row).encode("cp1252"))
    assert batch.records[0].patient.family_name == "Zoë"


def test_several_problems_in_one_row_are_all_named() -> None:
    text = "record_id,nhs_number,summary_line_1,last_reviewed,dnacpr\nE1,123,,yesterday,maybe\n"
    (error,) = parse_csv(text).errors
    assert error.line == 2
    assert error.reason == (
        "nhs_number: not 10 digits; summary is empty (the call handler needs 1-2 lines); "
        "dnacpr: expected Y or N; last_reviewed: not a date (YYYY-MM-DD)"
    )


def test_summary_longer_than_two_lines_is_refused() -> None:
    text = (
        'Patient ID,NHS No,Crisis Summary,Last Review\nM1,9434765919,"one\ntwo\nthree",01/01/2026\n'
    )
    (error,) = parse_csv(text).errors
    assert error.reason == "crisis summary has 3 lines; at most 2 (put the rest in detail)"


def test_extra_fields_and_blank_lines() -> None:
    text = "record_id,nhs_number,summary_line_1,last_reviewed\n\nE1,9434765919,a,2026-01-01,x\n"
    batch = parse_csv(text)
    assert [(e.line, e.reason) for e in batch.errors] == [(3, "5 fields for 4 columns")]
    assert batch.rows == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty file"),
        ("a,b,c\n1,2,3\n", "matches no known register layout"),
    ],
)
def test_unreadable_csv(text: str, reason: str) -> None:
    with pytest.raises(UnreadableFileError) as info:
        parse_import(text)
    assert reason in str(info.value)


def test_forced_layout_names_missing_columns() -> None:
    with pytest.raises(UnreadableFileError, match="lacks column"):
        parse_csv("record_id,nhs_number\n", layout=EOL_REGISTER)
    with pytest.raises(ValueError, match="unknown layout"):
        parse_import("x", layout="spreadsheet")


def test_layouts_are_recognised(ucp_bundle: bytes, eol_csv: bytes, mh_csv: bytes) -> None:
    assert detect_layout(ucp_bundle) == "fhir-r4-bundle"
    assert detect_layout(eol_csv) == "eol-register"
    assert detect_layout(mh_csv) == "mh-crisis-register"
