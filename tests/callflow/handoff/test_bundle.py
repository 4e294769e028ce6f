"""The FHIR R4 message bundle: valid for any facts, BaRS-shaped, deterministic, pure."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.messageheader import MessageHeader
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.servicerequest import ServiceRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callflow.handoff.bench import synthetic_nhs_number
from callflow.handoff.bundle import (
    BARS_EVENT_SYSTEM,
    CALLER_STATED_EXTENSION,
    NHS_NUMBER_SYSTEM,
    NHS_VERIFICATION_EXTENSION,
    Answer,
    BundleError,
    CarePlanFlag,
    HandoffFacts,
    ReasonCode,
    RepeatCaller,
    StatedDemographics,
    build_bundle,
    nhs_number_is_valid,
    validate_bundle,
)
from callflow.handoff.leg import leg_variables

from .conftest import NOW, patient_facts

# -- strategies -------------------------------------------------------------------

codes = st.from_regex(r"[a-z][a-z0-9\-]{0,20}", fullmatch=True)
free_text = st.text(max_size=60)
aware_times = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))]),
)
postcodes = st.from_regex(
    r"[A-PR-UWYZ][A-HK-Y]?[0-9]{1,2} ?[0-9][ABD-HJLNP-UW-Z]{2}", fullmatch=True
)
nhs_numbers = st.integers(0, 999_999).map(synthetic_nhs_number)

demographics = st.builds(
    StatedDemographics,
    given_name=st.none() | free_text,
    family_name=st.none() | free_text,
    birth_date=st.none() | st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 1, 1)),
    postcode=st.none() | postcodes | free_text,
    confidence=st.none() | st.floats(0.0, 1.0),
)
answers = st.builds(
    Answer,
    link_id=st.from_regex(r"[a-z][a-z0-9.\-]{0,15}", fullmatch=True),
    question=free_text,
    value=st.booleans() | st.integers(-(2**31), 2**31 - 1) | free_text,
)
reasons = st.builds(
    ReasonCode,
    system=st.sampled_from(
        [
            "https://fhir.nhs.uk/Id/pathways-dx-code",
            "https://fhir.nhs.uk/Id/pathways-sg-code",
            "http://snomed.info/sct",
        ]
    ),
    code=st.from_regex(r"[A-Z0-9]{1,10}", fullmatch=True),
    display=st.none() | free_text,
)
menu_choices = st.one_of(st.from_regex(r"[a-z]{1,8}:([0-9#*]|timeout)", fullmatch=True), free_text)


@st.composite
def handoff_facts(draw: st.DrawFn) -> HandoffFacts:
    arrived = draw(aware_times)
    handed = arrived + timedelta(seconds=draw(st.integers(0, 3600)))
    return HandoffFacts(
        handoff_id=draw(st.uuids()).hex if draw(st.booleans()) else str(draw(st.uuids())),
        call_id=draw(st.from_regex(r"[0-9]{10}\.[0-9]{1,6}", fullmatch=True)),
        destination=draw(codes),
        pathway=draw(codes),
        arrived_at=arrived,
        handed_off_at=handed,
        ended_at=draw(st.none() | st.just(handed + timedelta(seconds=30))),
        priority=draw(st.sampled_from(["routine", "urgent", "asap", "stat"])),
        caller_cli=draw(st.none() | st.from_regex(r"\+447700900[0-9]{3}", fullmatch=True)),
        menu_path=tuple(draw(st.lists(menu_choices, max_size=5))),
        answers=tuple(draw(st.lists(answers, max_size=4))),
        reasons=tuple(draw(st.lists(reasons, max_size=3))),
        nhs_number=draw(st.none() | nhs_numbers),
        nhs_number_verified=draw(st.booleans()),
        demographics=draw(st.none() | demographics),
        care_plan=draw(
            st.none() | st.builds(CarePlanFlag, codes, st.none() | free_text, st.none() | codes)
        ),
        repeat_caller=draw(
            st.none()
            | st.builds(
                RepeatCaller,
                st.integers(1, 50),
                st.sampled_from([96, 720]),
                st.sampled_from(["nhs-number", "cli", "demographics"]),
            )
        ),
        red_flag=draw(st.none() | codes),
        contact_failed=draw(st.none() | free_text),
        script=draw(st.none() | codes),
        script_version=draw(st.none() | st.from_regex(r"[0-9]{1,3}", fullmatch=True)),
        destination_name=draw(st.none() | free_text),
    )


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def only(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(bundle, kind)
    assert len(found) == 1, kind
    return found[0]


# -- properties -------------------------------------------------------------------


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(handoff_facts())
def test_every_handoff_validates_as_a_fhir_message_bundle(facts: HandoffFacts) -> None:
    bundle = build_bundle(facts)

    model = Bundle.model_validate(json.loads(json.dumps(bundle)))  # survives the wire
    assert model.type == "message"
    assert validate_bundle(bundle) is not None

    # MessageHeader first; its focus is the ServiceRequest.
    header = MessageHeader.model_validate(bundle["entry"][0]["resource"])
    assert header.eventCoding.system == BARS_EVENT_SYSTEM
    assert header.eventCoding.code == "servicerequest-request"
    request = ServiceRequest.model_validate(only(bundle, "ServiceRequest"))
    assert header.focus[0].reference == f"urn:uuid:{request.id}"
    assert request.priority == facts.priority
    assert request.code.coding[0].code == facts.pathway

    patient = Patient.model_validate(only(bundle, "Patient"))
    if facts.nhs_number is None:
        assert not patient.identifier
    else:
        (identifier,) = patient.identifier
        assert identifier.system == NHS_NUMBER_SYSTEM and identifier.value == facts.nhs_number
        status = identifier.extension[0].valueCodeableConcept.coding[0].code
        assert status == ("01" if facts.nhs_number_verified else "02")
    if facts.caller_cli is None:
        assert not patient.telecom
    else:
        assert patient.telecom[0].value == facts.caller_cli

    flags = {f["code"]["coding"][0]["code"] for f in resources(bundle, "Flag")}
    assert ("care-plan" in flags) == (facts.care_plan is not None)
    assert ("repeat-caller" in flags) == (facts.repeat_caller is not None)
    assert ("red-flag" in flags) == (facts.red_flag is not None)
    assert ("callback-failed" in flags) == (facts.contact_failed is not None)
    only(bundle, "Encounter")
    only(bundle, "QuestionnaireResponse")

    assert build_bundle(facts) == bundle  # deterministic: a replay is byte-identical


def test_full_bundle_content() -> None:
    facts = patient_facts()
    bundle = build_bundle(facts)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "MessageHeader",
        "ServiceRequest",
        "Patient",
        "Encounter",
        "QuestionnaireResponse",
        "Flag",
        "Flag",
        "Flag",
    ]
    assert bundle["id"] == facts.handoff_id
    assert bundle["timestamp"] == "2026-01-05T10:03:00.000Z"

    request = only(bundle, "ServiceRequest")
    assert [d["text"] for d in request["orderDetail"]] == ["main:2", "dental:1"]
    assert request["reasonCode"][0]["coding"][0]["code"] == "DX118"
    supporting = {ref["reference"] for ref in request["supportingInfo"]}
    assert {f"urn:uuid:{r['id']}" for r in resources(bundle, "Flag")} <= supporting

    patient = only(bundle, "Patient")
    # Caller-stated demographics are each marked unverified, with the tag on the resource.
    for element in (patient["name"][0], patient["_birthDate"], patient["address"][0]):
        (marker,) = element["extension"]
        assert marker["url"] == CALLER_STATED_EXTENSION
        assert {"url": "verification", "valueCode": "unverified"} in marker["extension"]
    assert patient["meta"]["tag"][0]["code"] == "unverified-demographics"
    assert patient["name"][0]["given"] == ["Zebedee"] and patient["birthDate"] == "1959-05-04"
    assert patient["identifier"][0]["extension"][0]["url"] == NHS_VERIFICATION_EXTENSION

    qr = QuestionnaireResponse.model_validate(only(bundle, "QuestionnaireResponse"))
    groups = {item.linkId: item for item in qr.item}
    assert [i.answer[0].valueString for i in groups["menu-path"].item] == ["main:2", "dental:1"]
    assert groups["self-assessment"].item[0].answer[0].valueInteger == 8
    assert qr.questionnaire == "https://fhir.urgentline.example/Questionnaire/london|3"

    repeat = next(f for f in resources(bundle, "Flag") if "Repeat" in f["code"]["text"])
    Flag.model_validate(repeat)
    assert repeat["code"]["text"] == "Repeat caller: 3 calls in 96 h (matched by nhs-number)"
    counts = {e["url"]: e for e in repeat["extension"][0]["extension"]}
    assert counts["count"]["valueInteger"] == 3

    encounter = only(bundle, "Encounter")
    assert encounter["class"]["code"] == "EMER" and encounter["status"] == "finished"
    assert encounter["identifier"][0]["value"] == "call-1"


def test_withheld_anonymous_caller_with_nothing_known() -> None:
    facts = HandoffFacts(
        handoff_id="h-1",
        call_id="c-1",
        destination="default111",
        pathway="general",
        arrived_at=NOW,
        handed_off_at=NOW,
    )
    bundle = build_bundle(facts)
    patient = only(bundle, "Patient")
    assert set(patient) == {"resourceType", "id", "extension"}
    assert patient["extension"][0]["valueCode"] == "withheld"
    assert resources(bundle, "Flag") == []
    assert only(bundle, "Encounter")["status"] == "in-progress"
    assert "item" not in only(bundle, "QuestionnaireResponse")


def test_a_call_back_that_did_not_reach_the_caller_asks_the_provider_to_try() -> None:
    facts = replace(patient_facts(), contact_failed="3 call backs not answered (noanswer)")
    (flag,) = [
        f
        for f in resources(build_bundle(facts), "Flag")
        if f["code"]["coding"][0]["code"] == "callback-failed"
    ]
    assert flag["category"][0]["coding"][0]["code"] == "clinical"
    assert flag["code"]["text"].startswith("Call back not answered: 3 call backs not answered")
    assert "please try to reach them" in flag["code"]["text"]


def test_verified_nhs_number_and_no_stated_demographics() -> None:
    facts = replace(patient_facts(), nhs_number_verified=True, demographics=None)
    patient = only(build_bundle(facts), "Patient")
    coding = patient["identifier"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert coding["code"] == "01" and coding["display"] == "Number present and verified"
    assert "meta" not in patient and "name" not in patient


def test_stated_demographics_carry_the_capture_confidence() -> None:
    stated = StatedDemographics(given_name="Ann", confidence=0.4567, source="speech")
    facts = replace(patient_facts(), demographics=stated)
    name = only(build_bundle(facts), "Patient")["name"][0]
    parts = {e["url"]: e for e in name["extension"][0]["extension"]}
    assert parts["confidence"]["valueDecimal"] == 0.457
    assert parts["source"]["valueCode"] == "speech"


def test_control_characters_in_free_text_are_cleaned() -> None:
    stated = StatedDemographics(given_name="  Ann\x00\n  Marie ", family_name="\u2028")
    facts = replace(patient_facts(), demographics=stated)
    name = only(build_bundle(facts), "Patient")["name"][0]
    assert name["given"] == ["Ann Marie"] and "family" not in name


@pytest.mark.parametrize(
    "change",
    [
        {"handoff_id": "has space"},
        {"handoff_id": "x" * 65},
        {"call_id": ""},
        {"destination": " dental"},
        {"pathway": ""},
        {"priority": "whenever"},
        {"arrived_at": datetime(2026, 1, 1)},
        {"nhs_number": "9434765918"},
        {"nhs_number": "943 476 5919"},
        {"red_flag": "two  spaces"},
        {"menu_path": ["main:1"]},
    ],
)
def test_bad_facts_are_refused_on_construction(change: dict[str, Any]) -> None:
    with pytest.raises(BundleError):
        replace(patient_facts(), **change)


def test_bad_parts_are_refused() -> None:
    with pytest.raises(BundleError):
        StatedDemographics(confidence=1.5)
    with pytest.raises(BundleError):
        StatedDemographics(birth_date=datetime(2000, 1, 1))
    with pytest.raises(BundleError):
        Answer("q", "Q?", 2**40)
    with pytest.raises(BundleError):
        ReasonCode("not a uri", "X")
    with pytest.raises(BundleError):
        RepeatCaller(0)


def test_nhs_number_checksum() -> None:
    assert nhs_number_is_valid("9434765919")
    assert not nhs_number_is_valid("9434765918")
    assert not nhs_number_is_valid("943476591")
    assert all(nhs_number_is_valid(synthetic_nhs_number(i)) for i in range(200))


def test_validate_bundle_rejects_broken_shapes() -> None:
    good = build_bundle(patient_facts())

    def broken(mutate: Any) -> dict[str, Any]:
        copy = json.loads(json.dumps(good))
        mutate(copy)
        return copy

    cases = [
        lambda b: b.update(type="collection"),
        lambda b: b["entry"].reverse(),
        lambda b: b["entry"][0]["resource"].update(focus=[{"reference": "urn:uuid:nowhere"}]),
        lambda b: b["entry"][1]["resource"].update(priority="whenever"),
        lambda b: b["entry"][1]["resource"].pop("subject"),
        lambda b: b["entry"][1]["resource"].update(bogus=1),
        lambda b: b["entry"][2].update(fullUrl=b["entry"][1]["fullUrl"]),
        lambda b: b["entry"][3]["resource"].update(subject={"reference": "urn:uuid:gone"}),
    ]
    for mutate in cases:
        with pytest.raises(BundleError):
            validate_bundle(broken(mutate))


def test_bundle_errors_name_elements_not_values() -> None:
    bundle = build_bundle(patient_facts())
    bundle["entry"][2]["resource"]["birthDate"] = "Zebedee-not-a-date"
    with pytest.raises(BundleError) as caught:
        validate_bundle(bundle)
    assert "Zebedee" not in str(caught.value)
    assert "birthDate" in str(caught.value)


def test_the_builder_is_pure() -> None:
    """Importing the builder pulls in no I/O library (STYLE: sans-I/O core)."""
    code = (
        "import sys; import callflow.handoff, callflow.handoff.bundle, callflow.handoff.leg;"
        "bad = {'asyncio', 'aiohttp', 'redis', 'sqlmodel', 'sqlalchemy'} & set(sys.modules);"
        "print(sorted(bad))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_the_handoff_id_rides_on_the_provider_leg() -> None:
    assert leg_variables("h-1") == {
        "URGENTLINE_HANDOFF": "h-1",
        "PJSIP_HEADER(add,X-Urgentline-Handoff)": "h-1",
    }


def test_the_package_exports_what_it_lists() -> None:
    import callflow.handoff as package

    assert len(set(package.__all__)) == len(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is not None, name
