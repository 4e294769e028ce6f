"""Identifiers: NHS numbers (Modulus 11), phone numbers (E.164), caller ids, postcodes.

The checks come from well-kept libraries (``nhs-number``, ``phonenumbers``);
this module only decides what the registry stores and matches on.

Theory of operation for caller ids: what a call presents is not a phone number
until proven so. ``parse_caller`` sorts it into ``PRESENT`` (an E.164 number we
may match on), ``WITHHELD`` (the caller hid it: "anonymous", "private"...) or
``UNAVAILABLE`` (nothing usable: empty, "unknown", garbage). Only ``PRESENT``
ever reaches a lookup, so a withheld caller can never match the patient who
happens to be stored with an empty or odd number.

Ofcom's drama ranges (07700 900xxx, 01632 960xxx, 020 7946 0xxx) are *possible*
but not *valid* numbers to ``phonenumbers``; we accept possible numbers so the
synthetic examples and tests work like real ones (domain facts §5.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from nhs_number.validate import is_valid as _nhs_checksum_ok

from careplans.errors import InvalidNhsNumber, InvalidPhoneNumber

DEFAULT_REGION = "GB"

_WITHHELD = frozenset({"anonymous", "withheld", "private", "restricted", "p", "hidden"})
_UNAVAILABLE = frozenset({"", "unknown", "unavailable", "out of area", "o", "none", "null"})
_POSTCODE = re.compile(
    r"^(GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)


def normalise_nhs_number(value: str) -> str:
    """The 10-digit form of an NHS number (spaces and dashes removed).

    Args:
        value: as typed or exported (``"943 476 5919"``, ``"943-476-5919"``).

    Returns:
        ``"9434765919"``.

    Raises:
        InvalidNhsNumber: not 10 digits, or the Modulus 11 check digit is wrong.
    """
    digits = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise InvalidNhsNumber("not 10 digits")
    if not _nhs_checksum_ok(digits):
        raise InvalidNhsNumber("fails the Modulus 11 check")
    return digits


def is_nhs_number(value: str | None) -> bool:
    """True when ``value`` normalises to a valid NHS number."""
    if not value:
        return False
    try:
        normalise_nhs_number(value)
    except InvalidNhsNumber:
        return False
    return True


def normalise_phone(value: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a phone number (``+447700900123``).

    Args:
        value: national or international form, with or without spaces.
        region: the region that national numbers belong to.

    Raises:
        InvalidPhoneNumber: not a possible phone number (text such as
            "withheld" included).
    """
    text = (value or "").strip()
    if text.lower() in _WITHHELD or text.lower() in _UNAVAILABLE:
        raise InvalidPhoneNumber("withheld or unavailable, not a number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber() from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class Presentation(StrEnum):
    """How a call presented its caller id."""

    PRESENT = "present"
    WITHHELD = "withheld"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class CallerId:
    """A caller id sorted out: ``e164`` is set only when ``presentation`` is ``PRESENT``."""

    presentation: Presentation
    e164: str | None = None


def parse_caller(value: str | None, region: str = DEFAULT_REGION) -> CallerId:
    """Sort a presented caller id into present / withheld / unavailable.

    Never raises: whatever arrives on a call has a defined outcome.
    """
    text = (value or "").strip()
    lowered = text.lower()
    if lowered in _WITHHELD:
        return CallerId(Presentation.WITHHELD)
    if lowered in _UNAVAILABLE:
        return CallerId(Presentation.UNAVAILABLE)
    try:
        return CallerId(Presentation.PRESENT, normalise_phone(text, region))
    except InvalidPhoneNumber:
        return CallerId(Presentation.UNAVAILABLE)


def normalise_postcode(value: str) -> str:
    """Upper-case, single-space UK postcode (``"sw1a1aa"`` -> ``"SW1A 1AA"``).

    Syntax only (domain facts §5.2): existence needs the ONS directory.

    Raises:
        ValueError: not a UK postcode.
    """
    compact = re.sub(r"\s+", "", (value or "").upper())
    if not _POSTCODE.fullmatch(compact):
        raise ValueError("not a UK postcode")
    return compact[:-3] + " " + compact[-3:]
