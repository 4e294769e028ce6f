from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import extract, normalise_nhs_number, normalise_phone
from nlp.evaluate import read_jsonl, score_demographics
from nlp.pipeline import get_pipeline, pipeline_info, set_pipeline
from nlp.speech import digits_speech

from .conftest import DATA, TODAY


def values(text: str) -> dict[str, str]:
    return extract(text, today=TODAY).values()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "hello my name's grace williams my date of birth is the second of november "
            "nineteen seventy five i live at e one eight e q",
            {"given_name": "Grace", "family_name": "Williams", "date_of_birth": "1975-11-02",
             "postcode": "E1 8EQ"},
        ),
        (
            "My name is Anna Kowalski, D.O.B. 4th March 1941. Postcode: SE15 4QT. "
            "NHS number 943 476 5919, mobile 07700 900123.",
            {"given_name": "Anna", "family_name": "Kowalski", "date_of_birth": "1941-03-04",
             "postcode": "SE15 4QT", "nhs_number": "9434765919",
             "callback_number": "+447700900123"},
        ),
        (
            "it's for my mum her name is joan o'connor she was born on the fourth of march "
            "nineteen forty one",
            {"given_name": "Joan", "family_name": "O'Connor", "date_of_birth": "1941-03-04"},
        ),
        ("my surname is smith first name anna", {"given_name": "Anna", "family_name": "Smith"}),
        ("my name is anna smyth that's s m y t h e",
         {"given_name": "Anna", "family_name": "Smythe"}),
        ("this is dr sam mcdonald speaking", {"given_name": "Sam", "family_name": "McDonald"}),
        ("my name is maria de souza", {"given_name": "Maria", "family_name": "De Souza"}),
        ("george williams i was born on the nineteenth of march nineteen twenty eight",
         {"given_name": "George", "family_name": "Williams", "date_of_birth": "1928-03-19"}),
        ("my name is will turner", {"given_name": "Will", "family_name": "Turner"}),
        ("hi there you're speaking to helen clarke",
         {"given_name": "Helen", "family_name": "Clarke"}),
        ("hello it's mrs patel speaking", {"family_name": "Patel"}),
        ("i'm mohammed and my surname is rahman",
         {"given_name": "Mohammed", "family_name": "Rahman"}),
        ("my name is ravi kumar um my date of birth is er twenty second um of june nineteen "
         "ninety", {"given_name": "Ravi", "family_name": "Kumar", "date_of_birth": "1990-06-22"}),
        ("my wife's called sue and her date of birth is the fourth of july forty four",
         {"given_name": "Sue", "date_of_birth": "1944-07-04"}),
        ("i live at echo november seven zero zero alpha alpha", {"postcode": "EN70 0AA"}),
        ("my name is siobhan er mc carthy", {"given_name": "Siobhan", "family_name": "McCarthy"}),
        ("my name is ian mac donald", {"given_name": "Ian", "family_name": "MacDonald"}),
        ("this is patrick o hara speaking", {"given_name": "Patrick", "family_name": "O'Hara"}),
        ("my name is lucy smith hyphen jones",
         {"given_name": "Lucy", "family_name": "Smith-Jones"}),
        ("my name is anna maria van der berg",
         {"given_name": "Anna", "family_name": "Van Der Berg"}),
        ("um so my name is like faith adebayo", {"given_name": "Faith", "family_name": "Adebayo"}),
        ("it's mohammed iqbal n e one seven r u",
         {"given_name": "Mohammed", "family_name": "Iqbal", "postcode": "NE1 7RU"}),
        ("my name is jane price i'm calling about mrs edna price",
         {"given_name": "Edna", "family_name": "Price"}),
        ("i miss my mum", {}),
        ("postcode oh x one three b g", {"postcode": "OX1 3BG"}),
        ("i'm feeling really unwell", {}),
        ("it's urgent my husband has chest pain", {}),
        ("", {}),
        ("um er", {}),
    ],
)  # fmt: skip
def test_extract(text: str, expected: dict[str, str]) -> None:
    assert values(text) == expected


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("call me back on oh seven seven double oh nine hundred one two three", "+447700900123"),
        ("my mobile is zero two zero seven nine four six zero one two three", "+442079460123"),
        ("you can reach me on oh one six three two nine six zero four five six", "+441632960456"),
        (
            "my number is plus four four seven seven double oh nine double oh nine nine nine",
            "+447700900999",
        ),
        (
            "the number to call back is oh one one three four nine six oh nine eight seven",
            "+441134960987",
        ),
    ],
)
def test_callback_numbers(text: str, number: str) -> None:
    assert values(text)["callback_number"] == number


def test_nhs_number_modulus_11() -> None:
    assert values("nhs number nine four three four seven six five nine one nine") == {
        "nhs_number": "9434765919"
    }
    result = extract("nhs number nine four three four seven six five nine one eight", today=TODAY)
    assert "nhs_number" not in result.fields
    assert [(r.name, r.reason) for r in result.rejected] == [("nhs_number", "checksum")]
    assert normalise_nhs_number("9434765919") == "9434765919"
    assert normalise_nhs_number("943476591") is None


def test_nhs_number_said_where_a_phone_cue_is() -> None:
    # "my number is" usually means the phone, but ten digits passing Modulus 11 with no 0 prefix
    assert values("my number is nine four three four seven six five nine one nine") == {
        "nhs_number": "9434765919"
    }


def test_uncued_numbers_are_classified_by_validation() -> None:
    got = values("it's nine four three four seven six five nine one nine and oh seven seven "
                 "double oh nine double oh one two three")  # fmt: skip
    assert got == {"nhs_number": "9434765919", "callback_number": "+447700900123"}


def test_corrections() -> None:
    result = extract(
        "my nhs number is nine four three four seven six five nine one eight no sorry "
        "nine four three four seven six five nine one nine",
        today=TODAY,
    )
    assert result.fields["nhs_number"].value == "9434765919"
    assert result.fields["nhs_number"].corrected
    assert result.rejected == ()
    result = extract("nhs number nine four three four seven six five nine one eight sorry i "
                     "mean one nine", today=TODAY)  # fmt: skip
    assert result.fields["nhs_number"].value == "9434765919"
    assert values("my name is jon no sorry john barker") == {
        "given_name": "John", "family_name": "Barker"
    }  # fmt: skip
    assert values("my postcode is e one four no sorry e one five two q t") == {
        "postcode": "E15 2QT"
    }


@pytest.mark.parametrize(
    ("text", "relation"),
    [
        ("it's for my mum", "mother"),
        ("i'm calling about my dad", "father"),
        ("i'm phoning on behalf of my grandmother", "grandmother"),
        ("my little boy has a rash", "child"),
        ("i'm her carer", "cared_for"),
        ("my name is ann lee", None),
    ],
)
def test_on_behalf_of(text: str, relation: str | None) -> None:
    assert extract(text, today=TODAY).on_behalf_of == relation


def test_patient_name_wins_over_the_callers() -> None:
    result = extract(
        "my name is sarah jones i'm calling about my dad his name is peter jones", today=TODAY
    )
    assert result.values() == {"given_name": "Peter", "family_name": "Jones"}
    assert result.extra["caller_given_name"].value == "Sarah"
    assert result.on_behalf_of == "father"


def test_spans_and_confidence() -> None:
    text = "Hello, my name is Grace Williams; postcode SE15 4QT."
    result = extract(text, today=TODAY)
    given_name = result.fields["given_name"]
    assert text[given_name.span.start : given_name.span.end] == "Grace Williams"
    assert result.fields["postcode"].span.text == "SE15 4QT"
    assert all(0.0 < f.confidence <= 1.0 for f in result.fields.values())
    weak = extract("george williams i was born on the first of may nineteen fifty", today=TODAY)
    assert weak.fields["given_name"].confidence < given_name.confidence
    payload = result.to_json()
    assert payload["values"]["postcode"] == "SE15 4QT"
    assert payload["fields"]["postcode"]["span"]["text"] == "SE15 4QT"
    assert payload["pipeline"] == pipeline_info()["pipeline"]


def test_normalise_phone() -> None:
    assert normalise_phone("07700900123") == "+447700900123"
    assert normalise_phone("+447700900123") == "+447700900123"
    assert normalise_phone("0770090012") is None
    assert normalise_phone("7700900123") is None
    assert normalise_phone("12") is None


def test_dev_corpus_target(dev_demographics: object) -> None:
    score = score_demographics(read_jsonl(str(dev_demographics)), values)
    assert score.field_accuracy >= 0.97
    assert score.exact_match >= 0.95


def test_heldout_corpus_target() -> None:
    score = score_demographics(read_jsonl(DATA / "demographics-heldout.jsonl"), values)
    assert score.field_accuracy >= 0.97, score.errors[:3]


def test_works_without_the_statistical_model(dev_demographics: object) -> None:
    before = get_pipeline()
    try:
        rules_only = set_pipeline("none")
        assert rules_only.model is None
        assert pipeline_info() == {"pipeline": "rules-only (blank:en)", "model": "none"}
        items = read_jsonl(str(dev_demographics))[:60]
        assert score_demographics(items, values).field_accuracy >= 0.97
        assert extract("my name is ann lee").pipeline == "rules-only (blank:en)"
    finally:
        set_pipeline(before.model_name or "none")


def test_pipeline_is_loaded_once() -> None:
    assert get_pipeline() is get_pipeline()


@given(st.integers(min_value=0, max_value=999), st.sampled_from(["plain", "oh", "double", "mixed"]),
       st.randoms(use_true_random=False))  # fmt: skip
@settings(max_examples=150, deadline=None)
def test_phone_round_trip(last: int, style: str, rng: random.Random) -> None:
    national = f"07700900{last:03d}"
    cue = rng.choice(["call me back on", "my mobile is", "my number is", "ring me on"])
    assert values(f"{cue} {digits_speech(national, style, rng)}") == {
        "callback_number": "+44" + national[1:]
    }


@given(
    st.integers(min_value=900_000_000, max_value=999_999_999),
    st.sampled_from(["plain", "oh", "double", "mixed"]),
    st.randoms(use_true_random=False),
)
@settings(max_examples=150, deadline=None)
def test_nhs_round_trip(first9: int, style: str, rng: random.Random) -> None:
    total = sum(int(c) * w for c, w in zip(str(first9), range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if check == 10:
        return
    number = f"{first9}{check}"
    cue = rng.choice(["nhs number", "my nhs number is", "n h s number"])
    assert values(f"{cue} {digits_speech(number, style, rng)}") == {"nhs_number": number}
