"""FHIR R4 Bundles: validated entry by entry, bad entries reported by line, the rest mapped."""

from __future__ import annotations

import json
from datetime import date

import pytest

from careplans.errors import UnreadableFileError
from careplans.fhir import NHS_NUMBER_SYSTEM, parse_bundle
from careplans.model import KeyContact, PlanType

PEOPLE = ["Testwell", "Mockford", "Samplewood", "Fakesley", "Broken", "Nia Proxy", "Bea"]
NUMBERS = ["9796487713", "9796487714", "07700 900666", "ring the day centre", "07700 900111"]


def test_example_bundle_lands_its_plans_and_reports_its_bad_entries(ucp_bundle: bytes) -> None:
    batch = parse_bundle(ucp_bundle)
    assert batch.layout == "fhir-r4-bundle"
    assert batch.source == "ucp.example.nhs.uk/Id/care-plan"
    assert batch.rows == 17
    by_nhs = {r.patient.nhs_number: r for r in batch.records}
    assert set(by_nhs) == {"9796487713", "9853832585", "9902316921", "9833179169"}
    assert sorted((e.line, e.reason) for e in batch.errors) == [
        (163, "Patient NHS number fails the Modulus 11 check"),
        (173, "CarePlan.subject is the rejected Patient on line 163"),
        (185, "CarePlan.description (the summary) is empty (the call handler needs 1-2 lines)"),
        (196, "Flag is not valid FHIR R4: code: Field required"),
    ]
    assert [(w.line, w.reason) for w in batch.warnings] == [
        (139, "RelatedPerson telecom is not a phone number (dropped)")
    ]
    for problem in (*batch.errors, *batch.warnings):  # field names and lines, never values
        assert not any(v in problem.reason for v in PEOPLE + NUMBERS)


def test_example_bundle_maps_plan_consents_contacts_and_flags(ucp_bundle: bytes) -> None:
    records = {r.patient.nhs_number: r for r in parse_bundle(ucp_bundle).records}
    ada = records["9796487713"]
    assert ada.line == 55
    assert ada.patient.family_name == "Testwell" and ada.patient.given_name == "Ada"
    assert ada.patient.birth_date == date(1938, 4, 12)
    assert ada.patient.postcode == "SE1 7PB"
    assert ada.patient.phones == ("+442079460011",)
    plan = ada.plan
    assert plan.plan_type is PlanType.END_OF_LIFE
    assert plan.source_record_id == "UCP-100001"
    assert plan.summary.count("\n") == 1
    assert plan.dnacpr is True and plan.respect_form is True
    assert plan.preferred_place_of_care == "Home"
    assert plan.key_contacts == (KeyContact("Bea Testwell", "daughter", "+447700900111"),)
    assert plan.reviewed_on == date(2026, 9, 1)  # the last-reviewed extension
    assert plan.expires_on == date(2027, 9, 1)
    assert plan.owner_organisation == "Testshire Hospice"
    assert plan.crisis_instructions is not None and plan.detail is not None
    assert plan.consent_to_share and plan.active

    cyril = records["9853832585"].plan
    assert cyril.plan_type is PlanType.FRAILTY
    assert cyril.dnacpr is True  # from the DNACPR Flag
    assert cyril.reviewed_on == date(2026, 8, 14)  # meta.lastUpdated
    dorothy = records["9902316921"]
    assert dorothy.plan.plan_type is PlanType.MULTIPLE_SCLEROSIS  # coded category
    assert dorothy.plan.reviewed_on == date(2026, 5, 20)  # created
    assert dorothy.patient.phones == records["9853832585"].patient.phones  # the care home
    assert records["9833179169"].plan.plan_type is PlanType.LEARNING_DISABILITY


def _bundle(*resources: dict[str, object]) -> dict[str, object]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def _patient(nhs: str = "9434765919", **extra: object) -> dict[str, object]:
    return {
        "resourceType": "Patient",
        "id": "p",
        "identifier": [{"system": NHS_NUMBER_SYSTEM, "value": nhs}],
        **extra,
    }


def _plan(**extra: object) -> dict[str, object]:
    return {
        "resourceType": "CarePlan",
        "id": "cp",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": "Patient/p"},
        "description": "Summary line",
        **extra,
    }


def test_privacy_consent_refusal_and_status_are_kept() -> None:
    refusal = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {"coding": [{"code": "patient-privacy"}]},
        "category": [{"text": "sharing"}],
        "patient": {"reference": "Patient/p"},
        "provision": {"type": "deny"},
    }
    batch = parse_bundle(json.dumps(_bundle(_patient(), _plan(status="revoked"), refusal)))
    (record,) = batch.records
    assert record.plan.consent_to_share is False
    assert record.plan.active is False
    assert record.plan.plan_type is PlanType.OTHER


def test_source_given_by_the_caller_wins_and_ids_fall_back_to_resource_id() -> None:
    batch = parse_bundle(json.dumps(_bundle(_patient(), _plan())), source="ucp")
    assert batch.source == "ucp"
    assert batch.records[0].plan.source_record_id == "cp"
    assert parse_bundle(json.dumps(_bundle(_patient(), _plan()))).source == "fhir"


def test_one_line_bundles_report_line_one_and_keep_going() -> None:
    text = json.dumps(_bundle(_patient(), _plan(), _plan(id="x", subject={"reference": "P/1"})))
    batch = parse_bundle(text)
    assert len(batch.records) == 1
    assert [(e.line, e.reason) for e in batch.errors] == [
        (1, "CarePlan.subject refers to no Patient in this bundle")
    ]


def test_validation_errors_never_echo_values() -> None:
    bad = _patient(birthDate="Ada Testwell's birthday")
    batch = parse_bundle(json.dumps(_bundle(bad, _plan())))
    assert batch.errors
    assert all("Testwell" not in e.reason for e in batch.errors)


def test_r5_only_elements_are_refused() -> None:
    r5 = _plan(custodian={"reference": "Organization/1"})  # CarePlan.custodian is new in R5
    (error,) = parse_bundle(json.dumps(_bundle(_patient(), r5))).errors
    assert error.reason == (
        "CarePlan is not valid FHIR R4: custodian: Extra inputs are not permitted"
    )


def test_other_resources_are_ignored() -> None:
    org = {"resourceType": "Organization", "name": "Testshire Hospice"}
    batch = parse_bundle(json.dumps(_bundle(org, _patient(), _plan())))
    assert batch.rows == 3 and len(batch.records) == 1 and not batch.errors


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ('{\n "resourceType": "Bundle",\n "type": }', 3, "not JSON"),
        ('{"resourceType": "Patient"}', None, "not a FHIR Bundle"),
        ('{"resourceType": "Bundle"}', None, "not a valid Bundle"),
        ('{"resourceType": "Bundle", "type": "collection", "entry": {}}', None, "not a list"),
    ],
)
def test_unreadable_files_are_refused_whole(text: str, line: int | None, reason: str) -> None:
    with pytest.raises(UnreadableFileError) as info:
        parse_bundle(text)
    assert info.value.line == line
    assert reason in info.value.reason
