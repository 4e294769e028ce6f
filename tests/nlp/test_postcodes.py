from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import extract, normalise_postcode
from nlp.postcodes import AREAS
from nlp.speech import postcode_speech

from .conftest import TODAY


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("se154qt", "SE15 4QT"),
        ("SE15 4QT", "SE15 4QT"),
        ("ec1a1bb", "EC1A 1BB"),
        ("w1a 0ax", "W1A 0AX"),
        ("m1 1ae", "M1 1AE"),
        ("GIR 0AA", None),  # the Girobank code is valid format but has no area
        ("QE1 1AA", None),  # Q never starts a postcode
        ("SE15 4CT", None),  # C is not an inward letter
        ("XX1 1AA", None),
        ("SE154Q", None),
    ],
)
def test_normalise_postcode(text: str, normal: str | None) -> None:
    assert normalise_postcode(text) == normal


@pytest.mark.parametrize(
    ("spoken", "normal"),
    [
        ("s e one five four q t", "SE15 4QT"),
        ("s e fifteen four q t", "SE15 4QT"),
        ("sierra echo one five four quebec tango", "SE15 4QT"),
        ("n w ten four j g", "NW10 4JG"),
        ("e c one a one b b", "EC1A 1BB"),
        ("double u one a zero a x", "W1A 0AX"),
        ("o x four one a b", "OX4 1AB"),
        ("g four oh b a", "G4 0BA"),
        ("s for sugar e one five four q t", "SE15 4QT"),
        ("b t nine five a a", "BT9 5AA"),
        ("k y sixteen nine a j", "KY16 9AJ"),
        ("l s six two q t", "LS6 2QT"),
        ("m twenty one nine e y", "M21 9EY"),
        ("cf10 3at", "CF10 3AT"),
    ],
)
def test_spoken_postcodes(spoken: str, normal: str) -> None:
    result = extract(f"my postcode is {spoken}", today=TODAY)
    assert result.fields["postcode"].value == normal


def test_postcode_without_cue_needs_a_valid_one() -> None:
    assert extract("it is m six oh one h j", today=TODAY).fields["postcode"].value == "M60 1HJ"
    assert "postcode" not in extract("i had a cup of tea at one", today=TODAY).fields


def test_corrected_inward_code() -> None:
    result = extract("postcode s e one five four q t no sorry four q p", today=TODAY)
    assert result.fields["postcode"].value == "SE15 4QP"
    assert result.fields["postcode"].corrected


_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


@st.composite
def postcodes(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(sorted(AREAS)))
    district = str(draw(st.integers(min_value=1, max_value=99)))
    if draw(st.booleans()) and len(district) == 1:
        suffixes = "ABCDEFGHJKPSTUW" if len(area) == 1 else "ABEHMNPRVWXY"
        district += draw(st.sampled_from(suffixes))
    inward = (
        str(draw(st.integers(min_value=0, max_value=9)))
        + draw(st.sampled_from(_INWARD_LETTERS))
        + draw(st.sampled_from(_INWARD_LETTERS))
    )
    value = normalise_postcode(f"{area}{district} {inward}")
    assert value is not None
    return value


@given(postcodes(), st.sampled_from(["letters", "numbers", "nato", "mixed", "written"]),
       st.randoms(use_true_random=False))  # fmt: skip
@settings(max_examples=300, deadline=None)
def test_postcode_round_trip(postcode: str, style: str, rng: random.Random) -> None:
    spoken = postcode_speech(postcode, style, rng)
    cue = rng.choice(["my postcode is", "postcode", "i live at", "the post code is"])
    result = extract(f"{cue} {spoken}", today=TODAY)
    assert result.fields["postcode"].value == postcode, spoken
