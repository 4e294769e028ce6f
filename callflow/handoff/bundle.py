"""The enriched handoff as a FHIR R4 message Bundle in the BaRS shape (pure).

Theory of operation
-------------------
``build_bundle(facts)`` turns one frozen ``HandoffFacts`` value into the JSON
document a provider receives. It does no I/O, reads no clock and uses no
randomness: every timestamp comes from the facts, and every resource id is a
UUIDv5 of the handoff id, so the same facts always give the same bytes (a
replayed handoff is byte-identical to the first delivery).

Shape (``docs/handoff.md`` has a full example)::

    Bundle (type "message", id = handoff id)
    ├── MessageHeader            first entry; event servicerequest-request (BaRS),
    │                            reason "new", focus -> ServiceRequest
    ├── ServiceRequest           reason codes, priority, pathway (code), IVR choices
    │                            (orderDetail), supportingInfo -> QuestionnaireResponse, Flags
    ├── Patient                  NHS number + UK Core verification status; caller-stated
    │                            name / birth date / postcode marked unverified with
    │                            the capture confidence; CLI as telecom
    ├── Encounter                class EMER, the call's period, call id as identifier
    ├── QuestionnaireResponse    menu path and self-assessment answers
    └── Flag*                    care plan exists, repeat caller (count), red flag, call back failed

Why R4B: ``fhir.resources`` 7/8 ships R5 at its top level and R4B (4.3.0) under
``fhir.resources.R4B``; there is no plain R4 (4.0.1) package. R4B changed no
resource used here in a way that breaks R4 (it is the R4-compatible release
UK Core tooling validates against), so a document that validates as R4B and
uses only these resources and elements is a valid R4 document.

Codes the national standards do not define (pathway, IVR choice, the three
flags, the "caller-stated" extension) live under ``NAMESPACE``: see
``docs/handoff.md`` for the list.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from fhir.resources.R4B.bundle import Bundle

__all__ = [
    "BARS_EVENT_SYSTEM",
    "NAMESPACE",
    "NHS_NUMBER_SYSTEM",
    "Answer",
    "BundleError",
    "CarePlanFlag",
    "HandoffFacts",
    "Priority",
    "ReasonCode",
    "RepeatCaller",
    "StatedDemographics",
    "build_bundle",
    "nhs_number_is_valid",
    "validate_bundle",
]

NAMESPACE = "https://fhir.urgentline.example"
"""Base of urgentline's own code systems, identifiers and extensions (RFC 2606 name;
replace with the operator's registered canonical base when there is one)."""

BARS_EVENT_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
BARS_REASON_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-reason-bars"
BARS_CATEGORY_SYSTEM = "https://fhir.nhs.uk/CodeSystem/message-category-servicerequest"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
NHS_VERIFICATION_EXTENSION = (
    "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus"
)
NHS_VERIFICATION_SYSTEM = (
    "https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland"
)
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
FLAG_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/flag-category"

HANDOFF_ID_SYSTEM = f"{NAMESPACE}/Id/handoff"
CALL_ID_SYSTEM = f"{NAMESPACE}/Id/call"
PROVIDER_ID_SYSTEM = f"{NAMESPACE}/Id/provider"
PATHWAY_SYSTEM = f"{NAMESPACE}/CodeSystem/pathway"
IVR_CHOICE_SYSTEM = f"{NAMESPACE}/CodeSystem/ivr-choice"
FLAG_SYSTEM = f"{NAMESPACE}/CodeSystem/handoff-flag"
DATA_QUALITY_SYSTEM = f"{NAMESPACE}/CodeSystem/data-quality"
CALLER_STATED_EXTENSION = f"{NAMESPACE}/StructureDefinition/caller-stated"
CALLER_LINE_EXTENSION = f"{NAMESPACE}/StructureDefinition/caller-line-identity"
REPEAT_COUNT_EXTENSION = f"{NAMESPACE}/StructureDefinition/repeat-caller-count"
QUESTIONNAIRE_BASE = f"{NAMESPACE}/Questionnaire"
DEFAULT_SOURCE_ENDPOINT = "urn:urgentline:overlay"

Priority = Literal["routine", "urgent", "asap", "stat"]
"""FHIR ``request-priority`` codes, the values ``ServiceRequest.priority`` takes."""

RepeatBasis = Literal["nhs-number", "cli", "demographics"]

_PRIORITIES = frozenset(get_args(Priority))
_BASES = frozenset(get_args(RepeatBasis))
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_CODE = re.compile(r"[^\s]+( [^\s]+)*")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")
_NHS_NUMBER = re.compile(r"[0-9]{10}")
_INT32 = (-(2**31), 2**31 - 1)
_MAX_TEXT = 200


class BundleError(ValueError):
    """A bundle (or the facts for one) breaks the FHIR model or the BaRS shape.

    The message names the element at fault, never a value from it.
    """


# -- the facts ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatedDemographics:
    """What the caller said about the patient: never verified against PDS.

    ``confidence`` is the capture's confidence (speech/NLP), 0..1, if known.
    """

    given_name: str | None = None
    family_name: str | None = None
    birth_date: date | None = None
    postcode: str | None = None
    confidence: float | None = None
    source: str = "caller-stated"

    def __post_init__(self) -> None:
        if isinstance(self.birth_date, datetime):
            raise BundleError("StatedDemographics.birth_date must be a date, not a datetime")
        if self.confidence is not None and not 0.0 <= self.confidence <= 1.0:
            raise BundleError("StatedDemographics.confidence must be within 0..1")
        _require_code(self.source, "StatedDemographics.source")


@dataclass(frozen=True, slots=True)
class Answer:
    """One self-assessment answer: the script's question id, its wording, the answer."""

    link_id: str
    question: str
    value: str | int | bool

    def __post_init__(self) -> None:
        if not _clean(self.link_id):
            raise BundleError("Answer.link_id is empty")
        value = self.value
        out_of_range = not isinstance(value, str) and not _INT32[0] <= int(value) <= _INT32[1]
        if out_of_range:
            raise BundleError("Answer.value is outside the 32-bit range of FHIR integer")


@dataclass(frozen=True, slots=True)
class ReasonCode:
    """A coded reason for the referral (NHS Pathways Dx/SG/SD, SNOMED CT, or our own)."""

    system: str
    code: str
    display: str | None = None

    def __post_init__(self) -> None:
        if not _URI.fullmatch(self.system):
            raise BundleError("ReasonCode.system must be an absolute URI")
        _require_code(self.code, "ReasonCode.code")


@dataclass(frozen=True, slots=True)
class CarePlanFlag:
    """A care or crisis plan exists: a pointer, never the plan's content."""

    kind: str = "care-plan"
    source: str | None = None
    plan_id: str | None = None

    def __post_init__(self) -> None:
        _require_code(self.kind, "CarePlanFlag.kind")


@dataclass(frozen=True, slots=True)
class RepeatCaller:
    """The repeat-caller policy's verdict: ``count`` encounters in ``window_hours``.

    ``basis`` says how the calls were matched (a verified NHS number is a
    confirmed repeat caller; CLI or demographics only a potential one).
    """

    count: int
    window_hours: int = 96
    basis: RepeatBasis = "cli"

    def __post_init__(self) -> None:
        if not 1 <= self.count <= _INT32[1] or not 1 <= self.window_hours <= _INT32[1]:
            raise BundleError("RepeatCaller.count and window_hours must be positive")
        if self.basis not in _BASES:
            raise BundleError("RepeatCaller.basis is not one of nhs-number, cli, demographics")


@dataclass(frozen=True, slots=True)
class HandoffFacts:
    """Everything the bundle says about one call, as plain values.

    Args:
        handoff_id: the handoff's id (a FHIR id: ``[A-Za-z0-9.-]{1,64}``, e.g. a UUID);
            also the Bundle id and the delivery's ``Idempotency-Key``.
        call_id: the CallRecord's id.
        destination: the provider (destination) id the call was routed to.
        pathway: the IVR pathway chosen (a code, e.g. ``dental``, ``crisis``).
        arrived_at: when the call arrived (timezone-aware).
        handed_off_at: when the handoff was made; the Bundle's timestamp.
        priority: FHIR request priority.
        caller_cli: the presented caller number; ``None`` when withheld or unavailable.
        menu_path: the IVR choices, ``node:digit`` in order.
        answers: self-assessment answers.
        reasons: coded reasons for the referral.
        nhs_number: 10 digits, checksum valid; ``None`` when unknown.
        nhs_number_verified: traced and verified against PDS (else "present, not traced").
        demographics: what the caller stated (always marked unverified).
        care_plan: a care/crisis plan exists.
        repeat_caller: the repeat-caller verdict with its count; ``None`` if not one.
        red_flag: a red-flag code raised in the IVR (e.g. ``chest-pain``).
        ended_at: when the call ended; ``None`` while it is still in progress.
        contact_failed: why a call back the caller accepted did not reach them;
            the provider is asked to try (a ``callback-failed`` Flag).
        script / script_version: the routing script that ran (the questionnaire).
        destination_name: the provider's display name.
    """

    handoff_id: str
    call_id: str
    destination: str
    pathway: str
    arrived_at: datetime
    handed_off_at: datetime
    priority: Priority = "urgent"
    caller_cli: str | None = None
    menu_path: tuple[str, ...] = ()
    answers: tuple[Answer, ...] = ()
    reasons: tuple[ReasonCode, ...] = ()
    nhs_number: str | None = None
    nhs_number_verified: bool = False
    demographics: StatedDemographics | None = None
    care_plan: CarePlanFlag | None = None
    repeat_caller: RepeatCaller | None = None
    red_flag: str | None = None
    ended_at: datetime | None = None
    contact_failed: str | None = None
    script: str | None = None
    script_version: str | None = None
    destination_name: str | None = None

    def __post_init__(self) -> None:
        if not _FHIR_ID.fullmatch(self.handoff_id):
            raise BundleError("HandoffFacts.handoff_id must match [A-Za-z0-9.-]{1,64}")
        if not self.call_id.strip() or len(self.call_id) > 64:
            raise BundleError("HandoffFacts.call_id must be 1-64 characters")
        _require_code(self.destination, "HandoffFacts.destination")
        _require_code(self.pathway, "HandoffFacts.pathway")
        if self.priority not in _PRIORITIES:
            raise BundleError("HandoffFacts.priority must be routine, urgent, asap or stat")
        for name in ("arrived_at", "handed_off_at", "ended_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise BundleError(f"HandoffFacts.{name} must be timezone-aware")
        if self.nhs_number is not None and not nhs_number_is_valid(self.nhs_number):
            raise BundleError("HandoffFacts.nhs_number must be 10 digits with a valid checksum")
        if self.red_flag is not None:
            _require_code(self.red_flag, "HandoffFacts.red_flag")
        for field_name in ("menu_path", "answers", "reasons"):
            if not isinstance(getattr(self, field_name), tuple):
                raise BundleError(f"HandoffFacts.{field_name} must be a tuple")


def nhs_number_is_valid(value: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (NHS Data Dictionary)."""
    if not _NHS_NUMBER.fullmatch(value):
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(value[9])


# -- the builder ----------------------------------------------------------------


def build_bundle(
    facts: HandoffFacts, *, source_endpoint: str = DEFAULT_SOURCE_ENDPOINT
) -> dict[str, Any]:
    """The FHIR R4 message Bundle for ``facts``, validated, as a JSON-ready dict.

    Args:
        facts: the call's facts.
        source_endpoint: ``MessageHeader.source.endpoint``: where replies go (the
            sender's Endpoint Catalogue id under BaRS).

    Returns:
        The bundle as plain dicts and lists (``json.dumps`` it as is).

    Raises:
        BundleError: the result would not validate (a bug: facts are checked on
            construction, so every ``HandoffFacts`` value has a valid bundle).
    """
    ids = _Ids(facts.handoff_id)
    patient = _patient(facts, ids)
    encounter = _encounter(facts, ids)
    questionnaire = _questionnaire_response(facts, ids)
    flags = _flags(facts, ids)
    service_request = _service_request(facts, ids, [questionnaire, *flags])
    header = _message_header(facts, ids, source_endpoint)
    resources = [header, service_request, patient, encounter, questionnaire, *flags]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": facts.handoff_id,
        "identifier": {"system": HANDOFF_ID_SYSTEM, "value": facts.handoff_id},
        "type": "message",
        "timestamp": _instant(facts.handed_off_at),
        "entry": [{"fullUrl": _urn(r["id"]), "resource": r} for r in resources],
    }
    validate_bundle(bundle)
    return bundle


class _Ids:
    """Deterministic resource ids: UUIDv5 of the handoff id and the resource's role."""

    def __init__(self, handoff_id: str) -> None:
        self._root = uuid.uuid5(uuid.NAMESPACE_URL, f"{HANDOFF_ID_SYSTEM}/{handoff_id}")

    def __call__(self, role: str) -> str:
        return str(uuid.uuid5(self._root, role))


def _message_header(facts: HandoffFacts, ids: _Ids, source_endpoint: str) -> dict[str, Any]:
    receiver: dict[str, Any] = {
        "identifier": {"system": PROVIDER_ID_SYSTEM, "value": facts.destination}
    }
    name = _clean(facts.destination_name)
    if name:
        receiver["display"] = name
    return {
        "resourceType": "MessageHeader",
        "id": ids("MessageHeader"),
        "eventCoding": {
            "system": BARS_EVENT_SYSTEM,
            "code": "servicerequest-request",
            "display": "Service Request - Request",
        },
        "destination": [
            {
                "endpoint": f"urn:urgentline:provider:{facts.destination}",
                "receiver": receiver,
            }
        ],
        "source": {"name": "urgentline", "software": "urgentline", "endpoint": source_endpoint},
        "reason": {"coding": [{"system": BARS_REASON_SYSTEM, "code": "new"}]},
        "focus": [{"reference": _urn(ids("ServiceRequest"))}],
    }


def _service_request(
    facts: HandoffFacts, ids: _Ids, supporting: list[dict[str, Any]]
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": ids("ServiceRequest"),
        "identifier": [{"system": HANDOFF_ID_SYSTEM, "value": facts.handoff_id}],
        "status": "active",
        "intent": "plan",
        "category": [
            {"coding": [{"system": BARS_CATEGORY_SYSTEM, "code": "referral"}]},
        ],
        "priority": facts.priority,
        "code": {
            "coding": [{"system": PATHWAY_SYSTEM, "code": facts.pathway}],
            "text": f"pathway {facts.pathway}",
        },
        "subject": {"reference": _urn(ids("Patient"))},
        "encounter": {"reference": _urn(ids("Encounter"))},
        "authoredOn": _instant(facts.handed_off_at),
        "performer": [
            {
                "identifier": {"system": PROVIDER_ID_SYSTEM, "value": facts.destination},
                **({"display": n} if (n := _clean(facts.destination_name)) else {}),
            }
        ],
        "supportingInfo": [
            {"reference": _urn(r["id"]), "display": _supporting_label(r)} for r in supporting
        ],
    }
    details = [_ivr_choice(choice) for choice in facts.menu_path]
    if details := [d for d in details if d]:
        resource["orderDetail"] = details
    reasons = [_reason(reason) for reason in facts.reasons]
    if reasons:
        resource["reasonCode"] = reasons
    return resource


def _supporting_label(resource: Mapping[str, Any]) -> str:
    if resource["resourceType"] == "Flag":
        return f"Flag: {resource['code']['coding'][0]['code']}"
    return "IVR menu path and self-assessment answers"


def _ivr_choice(choice: str) -> dict[str, Any] | None:
    text = _clean(choice)
    if not text:
        return None
    concept: dict[str, Any] = {"text": text}
    if _CODE.fullmatch(choice):
        concept["coding"] = [{"system": IVR_CHOICE_SYSTEM, "code": choice}]
    return concept


def _reason(reason: ReasonCode) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": reason.system, "code": reason.code}
    display = _clean(reason.display)
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _patient(facts: HandoffFacts, ids: _Ids) -> dict[str, Any]:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": ids("Patient")}
    extension = [
        {
            "url": CALLER_LINE_EXTENSION,
            "valueCode": "present" if _clean(facts.caller_cli) else "withheld",
        }
    ]
    patient["extension"] = extension
    if facts.nhs_number is not None:
        verified = facts.nhs_number_verified
        patient["identifier"] = [
            {
                "extension": [
                    {
                        "url": NHS_VERIFICATION_EXTENSION,
                        "valueCodeableConcept": {
                            "coding": [
                                {
                                    "system": NHS_VERIFICATION_SYSTEM,
                                    "code": "01" if verified else "02",
                                    "display": (
                                        "Number present and verified"
                                        if verified
                                        else "Number present but not traced"
                                    ),
                                }
                            ]
                        },
                    }
                ],
                "system": NHS_NUMBER_SYSTEM,
                "value": facts.nhs_number,
            }
        ]
    cli = _clean(facts.caller_cli)
    if cli:
        patient["telecom"] = [
            {
                "system": "phone",
                "value": cli,
                "extension": [{"url": CALLER_LINE_EXTENSION, "valueCode": "present"}],
            }
        ]
    stated = facts.demographics
    if stated is not None:
        _add_stated(patient, stated)
    return patient


def _add_stated(patient: dict[str, Any], stated: StatedDemographics) -> None:
    """Caller-stated demographics, each element carrying the "unverified" extension."""
    marker = _stated_extension(stated)
    added = False
    given, family = _clean(stated.given_name), _clean(stated.family_name)
    if given or family:
        name: dict[str, Any] = {"extension": [marker], "use": "usual"}
        if family:
            name["family"] = family
        if given:
            name["given"] = [given]
        patient["name"] = [name]
        added = True
    if stated.birth_date is not None:
        patient["birthDate"] = stated.birth_date.isoformat()
        patient["_birthDate"] = {"extension": [marker]}
        added = True
    postcode = _clean(stated.postcode)
    if postcode:
        patient["address"] = [{"extension": [marker], "use": "home", "postalCode": postcode}]
        added = True
    if added:
        patient["meta"] = {
            "tag": [
                {
                    "system": DATA_QUALITY_SYSTEM,
                    "code": "unverified-demographics",
                    "display": "Demographics stated by the caller, not verified",
                }
            ]
        }


def _stated_extension(stated: StatedDemographics) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "verification", "valueCode": "unverified"},
        {"url": "source", "valueCode": stated.source},
    ]
    if stated.confidence is not None:
        parts.append({"url": "confidence", "valueDecimal": round(stated.confidence, 3)})
    return {"url": CALLER_STATED_EXTENSION, "extension": parts}


def _encounter(facts: HandoffFacts, ids: _Ids) -> dict[str, Any]:
    period: dict[str, str] = {"start": _instant(facts.arrived_at)}
    if facts.ended_at is not None:
        period["end"] = _instant(max(facts.ended_at, facts.arrived_at))
    return {
        "resourceType": "Encounter",
        "id": ids("Encounter"),
        "identifier": [{"system": CALL_ID_SYSTEM, "value": _clean(facts.call_id) or "call"}],
        "status": "finished" if facts.ended_at is not None else "in-progress",
        "class": {"system": ACT_CODE_SYSTEM, "code": "EMER", "display": "emergency"},
        "priority": {"text": facts.priority},
        "subject": {"reference": _urn(ids("Patient"))},
        "period": period,
    }


def _questionnaire_response(facts: HandoffFacts, ids: _Ids) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": ids("QuestionnaireResponse"),
        "status": "completed",
        "subject": {"reference": _urn(ids("Patient"))},
        "encounter": {"reference": _urn(ids("Encounter"))},
        "authored": _instant(facts.handed_off_at),
    }
    script = _clean(facts.script)
    if script and _CODE.fullmatch(facts.script or "") and " " not in script:
        version = facts.script_version
        canonical = f"{QUESTIONNAIRE_BASE}/{script}"
        if version and re.fullmatch(r"\S+", version) and "|" not in version:
            canonical += f"|{version}"
        resource["questionnaire"] = canonical
    items: list[dict[str, Any]] = []
    menu = [
        {
            "linkId": f"menu-path.{index}",
            "text": f"IVR choice {index}",
            "answer": [{"valueString": text}],
        }
        for index, choice in enumerate(facts.menu_path, start=1)
        if (text := _clean(choice))
    ]
    if menu:
        items.append({"linkId": "menu-path", "text": "IVR menu path", "item": menu})
    answers = [_answer_item(answer) for answer in facts.answers]
    if answers:
        items.append({"linkId": "self-assessment", "text": "Self-assessment", "item": answers})
    if items:
        resource["item"] = items
    return resource


def _answer_item(answer: Answer) -> dict[str, Any]:
    link_id = _clean(answer.link_id)
    item: dict[str, Any] = {"linkId": link_id, "text": _clean(answer.question) or link_id}
    value = answer.value
    if isinstance(value, bool):
        item["answer"] = [{"valueBoolean": value}]
    elif isinstance(value, int):
        item["answer"] = [{"valueInteger": value}]
    elif text := _clean(value):
        item["answer"] = [{"valueString": text}]
    return item


def _flags(facts: HandoffFacts, ids: _Ids) -> list[dict[str, Any]]:
    flags: list[dict[str, Any]] = []
    if facts.care_plan is not None:
        plan = facts.care_plan
        text = f"Care plan exists ({plan.kind})"
        source = _clean(plan.source)
        if source:
            text += f", held by {source}"
        flag = _flag(facts, ids, "care-plan", "clinical", "Care plan exists", text)
        plan_id = _clean(plan.plan_id)
        if plan_id:
            flag["identifier"] = [{"system": f"{NAMESPACE}/Id/care-plan", "value": plan_id}]
        flags.append(flag)
    if facts.repeat_caller is not None:
        repeat = facts.repeat_caller
        text = (
            f"Repeat caller: {repeat.count} calls in {repeat.window_hours} h "
            f"(matched by {repeat.basis})"
        )
        flag = _flag(facts, ids, "repeat-caller", "admin", "Repeat caller", text)
        flag["extension"] = [
            {
                "url": REPEAT_COUNT_EXTENSION,
                "extension": [
                    {"url": "count", "valueInteger": repeat.count},
                    {"url": "windowHours", "valueInteger": repeat.window_hours},
                    {"url": "basis", "valueCode": repeat.basis},
                ],
            }
        ]
        flags.append(flag)
    if facts.red_flag is not None:
        text = f"Red flag: {facts.red_flag}"
        flags.append(_flag(facts, ids, "red-flag", "clinical", "Red flag", text))
    if facts.contact_failed is not None:
        text = (
            f"Call back not answered: {_clean(facts.contact_failed)}. "
            "The caller chose a call back and is not on the line: please try to reach them."
        )
        flags.append(_flag(facts, ids, "callback-failed", "clinical", "Call back failed", text))
    return flags


def _flag(
    facts: HandoffFacts, ids: _Ids, code: str, category: str, display: str, text: str
) -> dict[str, Any]:
    return {
        "resourceType": "Flag",
        "id": ids(f"Flag/{code}"),
        "status": "active",
        "category": [{"coding": [{"system": FLAG_CATEGORY_SYSTEM, "code": category}]}],
        "code": {
            "coding": [{"system": FLAG_SYSTEM, "code": code, "display": display}],
            "text": text,
        },
        "subject": {"reference": _urn(ids("Patient"))},
        "encounter": {"reference": _urn(ids("Encounter"))},
        "period": {"start": _instant(facts.handed_off_at)},
    }


# -- validation -----------------------------------------------------------------


def _codes(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CODED_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("ServiceRequest", "status"): _codes(
        "draft active on-hold revoked completed entered-in-error unknown"
    ),
    ("ServiceRequest", "intent"): _codes(
        "proposal plan directive order original-order reflex-order filler-order"
        " instance-order option"
    ),
    ("ServiceRequest", "priority"): _PRIORITIES,
    ("Encounter", "status"): _codes(
        "planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown"
    ),
    ("QuestionnaireResponse", "status"): _codes(
        "in-progress completed amended entered-in-error stopped"
    ),
    ("Flag", "status"): _codes("active inactive entered-in-error"),
}
"""Required code bindings the model classes do not enforce themselves."""


def validate_bundle(data: Mapping[str, Any]) -> Bundle:
    """Check a handoff bundle: FHIR R4(B) models, then the BaRS message shape.

    Builds the ``fhir.resources`` model (types, cardinalities, primitives),
    then checks what the models do not: required code bindings, the message
    shape (``type`` message, MessageHeader first, its focus a ServiceRequest in
    the bundle) and that every ``urn:uuid:`` reference resolves to an entry.

    Returns:
        The validated ``fhir.resources.R4B.bundle.Bundle``.

    Raises:
        BundleError: naming the element at fault.
    """
    try:
        model = Bundle.model_validate(dict(data))
    except ValueError as exc:  # pydantic.ValidationError is a ValueError
        locations = sorted(
            {".".join(str(p) for p in e["loc"]) for e in getattr(exc, "errors", list)()}
        )
        raise BundleError(f"bundle fails the FHIR R4B model at: {', '.join(locations)}") from None
    if data.get("type") != "message":
        raise BundleError("Bundle.type must be 'message'")
    entries = list(data.get("entry") or [])
    if not entries or entries[0].get("resource", {}).get("resourceType") != "MessageHeader":
        raise BundleError("the first entry must be the MessageHeader")
    full_urls = [entry.get("fullUrl") for entry in entries]
    if len(set(full_urls)) != len(full_urls) or None in full_urls:
        raise BundleError("every entry needs a unique fullUrl")
    by_url = {entry["fullUrl"]: entry["resource"] for entry in entries}
    focus = entries[0]["resource"].get("focus") or []
    if not focus or by_url.get(focus[0].get("reference"), {}).get("resourceType") != (
        "ServiceRequest"
    ):
        raise BundleError("MessageHeader.focus must reference the ServiceRequest in the bundle")
    for index, entry in enumerate(entries):
        resource = entry["resource"]
        kind = resource["resourceType"]
        if entry["fullUrl"] != _urn(resource.get("id", "")):
            raise BundleError(f"entry {index}: fullUrl does not match the resource id")
        for (resource_type, element), allowed in _CODED_VALUES.items():
            if kind == resource_type and element in resource and resource[element] not in allowed:
                raise BundleError(f"{kind}.{element} is not a code of its value set")
        for reference in _references(resource):
            if reference.startswith("urn:uuid:") and reference not in by_url:
                raise BundleError(f"{kind}: a reference does not resolve inside the bundle")
    return model


def _references(node: Any) -> Iterable[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from _references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _references(item)


# -- helpers --------------------------------------------------------------------


def _require_code(value: str, what: str) -> None:
    if not isinstance(value, str) or len(value) > 64 or not _CODE.fullmatch(value):
        raise BundleError(f"{what} must be a FHIR code (1-64 characters, no outer spaces)")


def _clean(value: str | None) -> str:
    """A FHIR string from free text: no control characters or lone surrogates, trimmed."""
    if not value:
        return ""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") else ch for ch in value
    )
    return " ".join(kept.split())[:_MAX_TEXT].strip()


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _urn(resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"
