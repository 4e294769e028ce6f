"""Identifiers: NHS numbers (Modulus 11), E.164 phone numbers, caller ids, postcodes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nhs_number.validate import calculate_checksum

from careplans.errors import InvalidNhsNumber, InvalidPhoneNumber
from careplans.identifiers import (
    Presentation,
    is_nhs_number,
    normalise_nhs_number,
    normalise_phone,
    normalise_postcode,
    parse_caller,
)


@pytest.mark.parametrize("raw", ["9434765919", "943 476 5919", "943-476-5919", " 9434765919 "])
def test_nhs_number_forms_normalise(raw: str) -> None:
    assert normalise_nhs_number(raw) == "9434765919"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("9434765918", "Modulus 11"),
        ("943476591", "10 digits"),
        ("94347659190", "10 digits"),
        ("", "10 digits"),
        ("943476591X", "10 digits"),
    ],
)
def test_bad_nhs_numbers_say_why_without_the_value(raw: str, reason: str) -> None:
    with pytest.raises(InvalidNhsNumber) as info:
        normalise_nhs_number(raw)
    assert reason in str(info.value)
    assert not raw or raw not in str(info.value)


@given(st.integers(min_value=900_000_000, max_value=999_999_999))
def test_every_synthetic_number_with_its_check_digit_is_valid(body: int) -> None:
    check = calculate_checksum(str(body))
    assert check is not None
    number = f"{body}{check}"
    if check == 10:  # no NHS number has this body
        assert not is_nhs_number(number)
    else:
        spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
        assert normalise_nhs_number(spaced) == number
        wrong = number[:9] + str((check + 1) % 10)
        assert not is_nhs_number(wrong)


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("01632 960001", "+441632960001"),
        ("020 7946 0011", "+442079460011"),
    ],
)
def test_drama_numbers_normalise_to_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize("raw", ["withheld", "anonymous", "", "123", "not known"])
def test_non_numbers_are_refused(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(raw)


@pytest.mark.parametrize(
    ("raw", "presentation"),
    [
        (None, Presentation.UNAVAILABLE),
        ("", Presentation.UNAVAILABLE),
        ("unknown", Presentation.UNAVAILABLE),
        ("Unavailable", Presentation.UNAVAILABLE),
        ("12", Presentation.UNAVAILABLE),
        ("anonymous", Presentation.WITHHELD),
        ("Withheld", Presentation.WITHHELD),
        ("PRIVATE", Presentation.WITHHELD),
        ("07700900123", Presentation.PRESENT),
    ],
)
def test_caller_ids_are_sorted(raw: str | None, presentation: Presentation) -> None:
    caller = parse_caller(raw)
    assert caller.presentation is presentation
    assert (caller.e164 is not None) == (presentation is Presentation.PRESENT)


@given(st.text(max_size=40))
def test_parse_caller_never_raises(raw: str) -> None:
    caller = parse_caller(raw)
    if caller.presentation is Presentation.PRESENT:
        assert caller.e164 is not None and caller.e164.startswith("+")
        assert normalise_phone(caller.e164) == caller.e164


@pytest.mark.parametrize(
    ("raw", "tidy"), [("se1 7pb", "SE1 7PB"), ("SW1A1AA", "SW1A 1AA"), ("ts2  4qq", "TS2 4QQ")]
)
def test_postcodes_are_tidied(raw: str, tidy: str) -> None:
    assert normalise_postcode(raw) == tidy


@pytest.mark.parametrize("raw", ["TS8 3CC", "not a postcode", "", "Q1 1AA"])
def test_bad_postcodes_are_refused(raw: str) -> None:
    with pytest.raises(ValueError):
        normalise_postcode(raw)
