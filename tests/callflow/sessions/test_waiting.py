"""What a queuing caller hears: place and wait, and read-backs Asterisk can say."""

from __future__ import annotations

import pytest

from callflow.sessions.waiting import position_media, readback_media


def test_place_alone_until_the_queue_has_a_pace() -> None:
    assert position_media(3, None) == [
        "sound:urgentline/queue-position",
        "number:3",
        "sound:urgentline/queue-in-the-queue",
    ]


@pytest.mark.parametrize(("wait_s", "minutes"), [(1, 1), (60, 1), (61, 2), (599, 10)])
def test_expected_wait_is_rounded_up_to_whole_minutes(wait_s: float, minutes: int) -> None:
    assert position_media(2, wait_s)[3:] == [
        "sound:urgentline/queue-expected-wait",
        f"number:{minutes}",
        "sound:urgentline/queue-minutes",
    ]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("postcode", "SE15 4QT", "characters:SE154QT"),
        ("date_of_birth", "1941-03-04", "digits:19410304"),
        ("nhs_number", "943 476 5919", "digits:9434765919"),
        ("callback_number", "+447700900123", "digits:447700900123"),
    ],
)
def test_readable_fields_are_spelled_back(field: str, value: str, said: str) -> None:
    media = readback_media(field, value)
    assert media is not None and media[1] == said
    assert media[0] == f"sound:urgentline/readback-{field.replace('_', '-')}"
    assert media[-1] == "sound:urgentline/readback-confirm"


def test_names_cannot_be_read_back_without_speech_synthesis() -> None:
    assert readback_media("given_name", "Martha") is None
    assert readback_media("postcode", "  ") is None
