from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.numbers import read_cardinal, read_digits, read_ordinal
from nlp.speech import cardinal, digits_speech


def digits_of(text: str) -> str | None:
    run = read_digits(text.split(), 0)
    return run.digits if run else None


@pytest.mark.parametrize(
    ("spoken", "digits"),
    [
        ("nine four three four seven six five nine one nine", "9434765919"),
        ("oh seven seven double oh nine double oh one two three", "07700900123"),
        ("zero seven seven zero zero nine zero zero one two three", "07700900123"),
        ("oh seven seven oh oh nine hundred one two three", "07700900123"),
        ("nine hundred and forty three", "943"),
        ("nine hundred twelve", "912"),
        ("triple seven", "777"),
        ("treble two one", "2221"),
        ("forty two fifteen", "4215"),
        ("oh one one three four nine six oh five five five", "01134960555"),
        ("nine four um three", "943"),
        ("nine for three", "943"),
        ("07700 900123", "07700900123"),
        ("nought one", "01"),
    ],
)
def test_spoken_digit_strings(spoken: str, digits: str) -> None:
    assert digits_of(spoken) == digits


def test_digit_run_stops_at_other_words() -> None:
    run = read_digits(["nine", "two", "my", "name"], 0)
    assert run is not None and (run.digits, run.end) == ("92", 2)
    assert read_digits(["hello"], 0) is None
    assert digits_of("for three") is None  # a homophone never starts a run


@given(
    st.text(alphabet="0123456789", min_size=1, max_size=14),
    st.sampled_from(["plain", "oh", "double", "mixed", "written"]),
    st.randoms(use_true_random=False),
)
@settings(max_examples=300, deadline=None)
def test_digits_round_trip(digits: str, style: str, rng: random.Random) -> None:
    assert digits_of(digits_speech(digits, style, rng)) == digits


@given(st.integers(min_value=0, max_value=9999))
def test_cardinal_round_trip(n: int) -> None:
    words = cardinal(n).split()
    assert (n, len(words)) in read_cardinal(words, 0)


@pytest.mark.parametrize(
    ("spoken", "value"),
    [("fourth", 4), ("twenty first", 21), ("thirtieth", 30), ("19th", 19), ("2nd", 2)],
)
def test_ordinals(spoken: str, value: int) -> None:
    assert read_ordinal(spoken.split(), 0)[0][0] == value
