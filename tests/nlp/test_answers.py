"""Spoken yes / no for read-backs: negations win, anything else is no answer."""

from __future__ import annotations

import pytest

from nlp.answers import yes_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("yeah that's correct", True),
        ("yep", True),
        ("that's right", True),
        ("no", False),
        ("no that's wrong", False),
        ("that's not right", False),
        ("it isn't", False),
        ("Nope.", False),
        ("", None),
        ("sorry what did you say", None),
        ("my postcode is se15", None),
    ],
)
def test_yes_no(text: str, expected: bool | None) -> None:
    assert yes_no(text) is expected
