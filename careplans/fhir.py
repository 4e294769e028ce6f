"""FHIR R4 Bundles in: Patient, CarePlan, Flag, RelatedPerson and Consent resources.

Which FHIR models: ``fhir.resources`` 8 defaults to R5; its ``R4B`` subpackage
(FHIR 4.3.0) is the closest it ships to R4 (4.0.1), and the five resources used
here are unchanged between R4 and R4B (R4B only revised the medication
definition, evidence and subscription resources). So R4 bundles are validated
with ``fhir.resources.R4B`` models; an R5-only element is rejected.

Theory of operation:

1. The file must be JSON holding a ``Bundle``; otherwise the whole file is
   refused (``UnreadableFileError``, with the JSON error's line).
2. Each entry is validated on its own, so one bad entry is reported with the
   line it starts on and the others still land.
3. Patients, contacts (RelatedPerson), consents (Consent) and alerts (Flag) are
   indexed by every name a reference may use (``fullUrl``, ``Patient/<id>``,
   the NHS number identifier).
4. Each CarePlan becomes one ``ImportRecord``: its patient, and its plan with
   the patient's contacts, DNACPR/ReSPECT and consent to share folded in.

Mapping (see ``docs/careplans.md`` for the table):

- plan type: ``CarePlan.category`` coded in ``PLAN_TYPE_SYSTEM`` or, failing
  that, recognised from its text ("end of life", "crisis"...);
- summary (<=2 lines): ``CarePlan.description``; detail: ``CarePlan.note``;
  crisis instructions: ``CarePlan.activity.detail.description``;
- owner: ``CarePlan.author.display``; expiry: ``CarePlan.period.end``;
- last reviewed: the ``LAST_REVIEWED_URL`` extension, else ``meta.lastUpdated``,
  else ``CarePlan.created``;
- active: ``CarePlan.status == "active"`` (revoked, completed... retire a plan);
- record id: the first ``CarePlan.identifier`` (its system names the source when
  the caller gives none), else ``CarePlan.id``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.consent import Consent
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.relatedperson import RelatedPerson
from pydantic import ValidationError

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

LAYOUT = "fhir-r4-bundle"
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
PLAN_TYPE_SYSTEM = "https://urgentline.example/fhir/CodeSystem/care-plan-type"
LAST_REVIEWED_URL = "https://urgentline.example/fhir/StructureDefinition/last-reviewed"
CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
SNOMED = "http://snomed.info/sct"
RESUSCITATION_CODES = frozenset({"304253006", "89666000"})
"""SNOMED CT: not for resuscitation (finding); cardiopulmonary resuscitation (procedure)."""
DEFAULT_SOURCE = "fhir"

_TYPE_WORDS: tuple[tuple[PlanType, tuple[str, ...]], ...] = (
    (PlanType.MENTAL_HEALTH_CRISIS, ("mental health crisis", "crisis plan", "mental health")),
    (PlanType.END_OF_LIFE, ("end of life", "end-of-life", "palliative", "advance care plan")),
    (PlanType.FRAILTY, ("frailty", "frail")),
    (PlanType.MULTIPLE_SCLEROSIS, ("multiple sclerosis",)),
    (PlanType.LEARNING_DISABILITY, ("learning disabilit",)),
)
_HANDLED = frozenset({"Patient", "CarePlan", "Flag", "RelatedPerson", "Consent"})


@dataclass
class _PatientEntry:
    line: int
    facts: PatientFacts | None
    error: str | None
    contacts: list[KeyContact] = field(default_factory=list)
    dnacpr: bool | None = None
    respect_form: bool | None = None
    consent_to_share: bool | None = None
    flag_dnacpr: bool | None = None
    flag_respect: bool | None = None


@dataclass
class _Collector:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    def error(self, line: int, reason: str) -> None:
        self.errors.append(RowError(line, reason))

    def warn(self, line: int, reason: str) -> None:
        self.warnings.append(RowError(line, reason))


def parse_bundle(text: str | bytes, *, source: str | None = None) -> ParsedBatch:
    """Read a FHIR R4 Bundle into records and rejected entries.

    Args:
        text: the file's content (JSON).
        source: the source name that makes re-imports update rather than
            duplicate; by default the system of the CarePlan's identifier, else
            ``"fhir"``.

    Returns:
        A ``ParsedBatch`` whose ``rows`` counts the bundle's entries.

    Raises:
        UnreadableFileError: not JSON, or not a Bundle.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise UnreadableFileError("not UTF-8 text") from None
    try:
        top = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFileError(f"not JSON ({exc.msg})", exc.lineno) from None
    if not isinstance(top, dict) or top.get("resourceType") != "Bundle":
        raise UnreadableFileError("not a FHIR Bundle (resourceType must be 'Bundle')")
    shell = {k: v for k, v in top.items() if k != "entry"}
    try:
        Bundle.model_validate(shell)
    except ValidationError as exc:
        raise UnreadableFileError(f"not a valid Bundle: {_describe(exc, shell)}") from None
    entries = top.get("entry", [])
    if not isinstance(entries, list):
        raise UnreadableFileError("Bundle.entry is not a list")
    lines = list(_entry_lines(text))
    if len(lines) != len(entries):  # duplicate "entry" keys or the like: fall back
        lines = [1] * len(entries)

    out = _Collector()
    patients: dict[str, _PatientEntry] = {}
    plans: list[tuple[int, CarePlan]] = []
    others: list[tuple[int, RelatedPerson | Consent | Flag]] = []
    for line, entry in zip(lines, entries, strict=True):
        resource = _validated(line, entry, out)
        if resource is None:
            continue
        full_url = entry.get("fullUrl") if isinstance(entry, dict) else None
        if isinstance(resource, Patient):
            patient = _patient(line, resource, out)
            for key in _keys(resource, full_url, patient.facts):
                patients[key] = patient
        elif isinstance(resource, CarePlan):
            plans.append((line, resource))
        elif isinstance(resource, RelatedPerson | Consent | Flag):
            others.append((line, resource))

    for line, other in others:
        _fold(line, other, patients, out)

    records = []
    for line, plan in plans:
        try:
            records.append(_record(line, plan, patients))
        except RecordError as exc:
            out.error(line, exc.reason)
    batch_source = source or _default_source(plans)
    return ParsedBatch(
        source=batch_source,
        layout=LAYOUT,
        records=tuple(records),
        errors=tuple(out.errors),
        rows=len(entries),
        warnings=tuple(out.warnings),
    )


# -- reading the bundle -------------------------------------------------------


def _entry_lines(text: str) -> Iterator[int]:
    """The line each ``Bundle.entry`` item starts on (the text is valid JSON)."""
    decoder = json.JSONDecoder()
    counted_to, line = 0, 1

    def line_at(pos: int) -> int:
        nonlocal counted_to, line
        line += text.count("\n", counted_to, pos)
        counted_to = pos
        return line

    def skip(pos: int) -> int:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        return pos

    pos = skip(0)
    if text.startswith("\ufeff", pos):
        pos = skip(pos + 1)
    if pos >= len(text) or text[pos] != "{":
        return
    pos += 1
    while True:
        pos = skip(pos)
        if pos >= len(text) or text[pos] == "}":
            return
        key, pos = decoder.raw_decode(text, pos)
        pos = skip(pos) + 1  # the colon
        pos = skip(pos)
        if key == "entry" and text[pos] == "[":
            pos += 1
            while True:
                pos = skip(pos)
                if text[pos] == "]":
                    break
                yield line_at(pos)
                _, pos = decoder.raw_decode(text, pos)
                pos = skip(pos)
                if text[pos] == ",":
                    pos += 1
            pos += 1
        else:
            _, pos = decoder.raw_decode(text, pos)
        pos = skip(pos)
        if pos < len(text) and text[pos] == ",":
            pos += 1


def _validated(line: int, entry: object, out: _Collector) -> Any:
    """The entry's resource as an R4B model, or ``None`` (ignored or reported)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
        out.error(line, "entry has no resource")
        return None
    raw: dict[str, Any] = entry["resource"]
    kind = raw.get("resourceType")
    if kind not in _HANDLED:
        return None  # Organization, Condition, Practitioner...: not ours to store
    try:
        return get_fhir_model_class(str(kind)).model_validate(raw)
    except ValidationError as exc:
        out.error(line, f"{kind} is not valid FHIR R4: {_describe(exc, raw)}")
        return None


def _describe(exc: ValidationError, raw: object) -> str:
    """Pydantic's complaint without the offending values (they may be patient data)."""
    values = {v for v in _strings(raw) if len(v) >= 3}
    parts = []
    for err in exc.errors(include_input=False, include_url=False)[:3]:
        where = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "(root)"
        message = str(err["msg"])
        if any(v in message for v in values):
            message = "invalid value"
        parts.append(f"{where}: {message}")
    extra = len(exc.errors()) - len(parts)
    return "; ".join(parts) + (f" (+{extra} more)" if extra > 0 else "")


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _keys(resource: Patient, full_url: object, facts: PatientFacts | None) -> list[str]:
    keys = []
    if isinstance(full_url, str) and full_url:
        keys.append(full_url)
    if resource.id:
        keys.append(f"Patient/{resource.id}")
    if facts is not None:
        keys.append(f"nhs:{facts.nhs_number}")
    return keys


# -- resources ----------------------------------------------------------------


def _patient(line: int, resource: Patient, out: _Collector) -> _PatientEntry:
    raw_nhs = next(
        (i.value for i in resource.identifier or [] if i.system == NHS_NUMBER_SYSTEM and i.value),
        None,
    )
    if raw_nhs is None:
        reason = f"Patient has no NHS number identifier ({NHS_NUMBER_SYSTEM})"
        out.error(line, reason)
        return _PatientEntry(line, None, reason)
    try:
        nhs = normalise_nhs_number(raw_nhs)
    except IdentifierError as exc:
        reason = f"Patient NHS number {exc}"
        out.error(line, reason)
        return _PatientEntry(line, None, reason)
    names = resource.name or []
    name = next((n for n in names if n.use == "official"), names[0] if names else None)
    postcode = None
    for address in resource.address or []:
        if address.postalCode:
            try:
                postcode = normalise_postcode(address.postalCode)
            except ValueError:
                out.warn(line, "Patient address.postalCode is not a UK postcode (dropped)")
            break
    phones: list[str] = []
    for telecom in resource.telecom or []:
        if telecom.system in ("phone", "sms") and telecom.value:
            try:
                number = normalise_phone(telecom.value)
            except IdentifierError:
                out.warn(line, "Patient telecom is not a phone number (dropped)")
                continue
            if number not in phones:
                phones.append(number)
    facts = PatientFacts(
        nhs_number=nhs,
        family_name=clean_text(name.family) if name else None,
        given_name=clean_text(name.given[0]) if name and name.given else None,
        birth_date=_as_date(resource.birthDate),
        postcode=postcode,
        phones=tuple(phones),
    )
    return _PatientEntry(line, facts, None)


def _fold(
    line: int,
    resource: RelatedPerson | Consent | Flag,
    patients: dict[str, _PatientEntry],
    out: _Collector,
) -> None:
    """Attach a contact, consent or alert to its patient."""
    kind = resource.get_resource_type()
    ref = resource.patient if isinstance(resource, RelatedPerson | Consent) else resource.subject
    patient = _resolve(ref, patients)
    if patient is None:
        out.error(line, f"{kind} refers to no Patient in this bundle")
        return
    if patient.facts is None:
        out.error(line, f"{kind} refers to the rejected Patient on line {patient.line}")
        return
    if isinstance(resource, RelatedPerson):
        contact = _contact(line, resource, out)
        if contact is not None:
            patient.contacts.append(contact)
    elif isinstance(resource, Consent):
        _consent(resource, patient)
    else:
        _flag(resource, patient)


def _contact(line: int, resource: RelatedPerson, out: _Collector) -> KeyContact | None:
    if resource.active is False:
        return None
    name = None
    for human in resource.name or []:
        name = clean_text(human.text) or clean_text(
            " ".join([*(g for g in human.given or [] if g), human.family or ""])
        )
        if name:
            break
    if not name:
        out.error(line, "RelatedPerson has no name")
        return None
    relationship = next(
        (t for t in (_concept_text(c) for c in resource.relationship or []) if t), None
    )
    phone = None
    for telecom in resource.telecom or []:
        if telecom.system in ("phone", "sms") and telecom.value:
            try:
                phone = normalise_phone(telecom.value)
            except IdentifierError:
                out.warn(line, "RelatedPerson telecom is not a phone number (dropped)")
            break
    return KeyContact(name, relationship, phone)


def _consent(resource: Consent, patient: _PatientEntry) -> None:
    if resource.status != "active":
        return
    provision = resource.provision
    permit = provision.type != "deny" if provision is not None else True
    scope = {c.code for c in resource.scope.coding or [] if c.code}
    concepts = [*(resource.category or []), *((provision.code or []) if provision else [])]
    if "patient-privacy" in scope:
        patient.consent_to_share = permit
    if any(_is_resuscitation(c) for c in concepts):
        patient.dnacpr = not permit
    if any("respect" in _words(c) for c in concepts) or (
        resource.sourceAttachment is not None
        and "respect" in (resource.sourceAttachment.title or "").casefold()
    ):
        patient.respect_form = True


def _flag(resource: Flag, patient: _PatientEntry) -> None:
    if resource.status != "active":
        return
    words = _words(resource.code)
    if "dnacpr" in words or "not for resuscitation" in words:
        patient.flag_dnacpr = True
    if "respect" in words:
        patient.flag_respect = True


def _record(line: int, plan: CarePlan, patients: dict[str, _PatientEntry]) -> ImportRecord:
    patient = _resolve(plan.subject, patients)
    if patient is None:
        raise RecordError("CarePlan.subject refers to no Patient in this bundle")
    if patient.facts is None:
        raise RecordError(f"CarePlan.subject is the rejected Patient on line {patient.line}")
    record_id = _record_id(plan)
    if record_id is None:
        raise RecordError("CarePlan has neither an identifier nor an id (re-imports need one)")
    summary = check_summary(plan.description, "CarePlan.description (the summary)")
    notes = [n.text.strip() for n in plan.note or [] if n.text and n.text.strip()]
    crisis = [
        a.detail.description.strip()
        for a in plan.activity or []
        if a.detail is not None and a.detail.description and a.detail.description.strip()
    ]
    period = plan.period
    return ImportRecord(
        line=line,
        patient=patient.facts,
        plan=PlanFacts(
            source_record_id=record_id,
            plan_type=_plan_type(plan.category or []),
            summary=summary,
            detail="\n\n".join(notes) or None,
            dnacpr=patient.dnacpr if patient.dnacpr is not None else patient.flag_dnacpr,
            respect_form=patient.respect_form or patient.flag_respect,
            preferred_place_of_care=_extension_text(plan, "preferred-place-of-care"),
            key_contacts=tuple(patient.contacts),
            crisis_instructions="\n".join(crisis) or None,
            owner_organisation=clean_text(plan.author.display) if plan.author else None,
            reviewed_on=_reviewed_on(plan),
            expires_on=_as_date(period.end) if period is not None else None,
            consent_to_share=patient.consent_to_share is not False,
            active=plan.status == "active",
        ),
    )


def _record_id(plan: CarePlan) -> str | None:
    for identifier in plan.identifier or []:
        if identifier.value:
            return str(identifier.value)[:128]
    return str(plan.id)[:128] if plan.id else None


def _default_source(plans: list[tuple[int, CarePlan]]) -> str:
    for _, plan in plans:
        for identifier in plan.identifier or []:
            if identifier.system and identifier.value:
                return _short_source(str(identifier.system))
    return DEFAULT_SOURCE


def _short_source(system: str) -> str:
    """A stable, short source name from an identifier system URL."""
    name = re.sub(r"^[a-z]+://", "", system).strip("/")
    return name[-64:]


def _resolve(ref: Reference | None, patients: dict[str, _PatientEntry]) -> _PatientEntry | None:
    if ref is None:
        return None
    if ref.reference:
        target = str(ref.reference)
        if target in patients:
            return patients[target]
        match = re.search(r"Patient/[^/]+$", target)
        if match and match.group(0) in patients:
            return patients[match.group(0)]
    identifier = ref.identifier
    if identifier is not None and identifier.system == NHS_NUMBER_SYSTEM and identifier.value:
        try:
            return patients.get(f"nhs:{normalise_nhs_number(identifier.value)}")
        except IdentifierError:
            return None
    return None


def _plan_type(categories: list[CodeableConcept]) -> PlanType:
    for concept in categories:
        for coding in concept.coding or []:
            if coding.system == PLAN_TYPE_SYSTEM and coding.code:
                try:
                    return PlanType(coding.code.replace("-", "_"))
                except ValueError:
                    continue
    words = " ".join(_words(c) for c in categories)
    for plan_type, needles in _TYPE_WORDS:
        if any(needle in words for needle in needles):
            return plan_type
    return PlanType.OTHER


def _reviewed_on(plan: CarePlan) -> date | None:
    for extension in plan.extension or []:
        if extension.url == LAST_REVIEWED_URL:
            value = _as_date(extension.valueDate) or _as_date(extension.valueDateTime)
            if value is not None:
                return value
    if plan.meta is not None and plan.meta.lastUpdated is not None:
        return _as_date(plan.meta.lastUpdated)
    return _as_date(plan.created)


def _extension_text(plan: CarePlan, suffix: str) -> str | None:
    for extension in plan.extension or []:
        if extension.url and extension.url.endswith("/" + suffix):
            if extension.valueString:
                return clean_text(extension.valueString)
            if extension.valueCodeableConcept is not None:
                return _concept_text(extension.valueCodeableConcept)
    return None


def _concept_text(concept: CodeableConcept | None) -> str | None:
    if concept is None:
        return None
    if concept.text:
        return clean_text(concept.text)
    return next((clean_text(c.display) for c in concept.coding or [] if c.display), None)


def _words(concept: CodeableConcept | None) -> str:
    """Every text and display of a concept, lower-cased, for keyword matching."""
    if concept is None:
        return ""
    parts = [concept.text or ""] + [c.display or "" for c in concept.coding or []]
    return " ".join(parts).casefold()


def _is_resuscitation(concept: CodeableConcept) -> bool:
    if any(c.system == SNOMED and c.code in RESUSCITATION_CODES for c in concept.coding or []):
        return True
    words = _words(concept)
    return "resuscitat" in words or "cpr" in words.split() or "dnacpr" in words


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None  # partial dates ("1940", "1940-02") are not enough to store
