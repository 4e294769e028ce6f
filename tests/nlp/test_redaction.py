from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator

import pytest

from nlp import KnownIdentifiers, RedactionFilter, extract, redact
from nlp.asr import LabEngine, lab_recording, recognise
from nlp.redaction import install

from .conftest import TODAY

# The people of the simulated calls: what must never reach a log line.
CALLS = [
    (
        "hello my name is oluwaseun adeyemi my date of birth is the fourth of march nineteen "
        "forty one i live at s e one five four q t nhs number nine four three four seven six "
        "five nine one nine call me back on oh seven seven double oh nine double oh one two three",
        ["oluwaseun", "adeyemi", "1941-03-04", "SE15 4QT", "9434765919", "+447700900123",
         "fourth of march", "s e one five four q t", "nine four three four"],
    ),
    (
        "it's for my mum her name is niamh o'sullivan she was born on 12/03/1938 and her "
        "postcode is l s six two q t her number is oh one one three four nine six oh five "
        "five five",
        ["niamh", "o'sullivan", "1938-03-12", "12/03/1938", "LS6 2QT", "+441134960555",
         "l s six two q t", "oh one one three four nine six"],
    ),
]  # fmt: skip


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, KnownIdentifiers]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s %(caller)s"))
    known = KnownIdentifiers()
    install([handler], known=known)
    logger = logging.getLogger("urgentline.test.capture")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger, stream, known
    finally:
        logger.removeHandler(handler)


async def _capture_call(logger: logging.Logger, known: KnownIdentifiers, transcript: str) -> None:
    """What the capture node does, logging carelessly: the filter must still hold."""
    result = await recognise(LabEngine(), lab_recording(transcript), timeout_s=1.0)
    assert result is not None
    logger.info("transcript %s", result.text, extra={"caller": result.text})
    extraction = extract(result.text, today=TODAY)
    known.remember(extraction)
    logger.info("extracted %r", extraction.values(), extra={"caller": "-"})
    for name, field in extraction.fields.items():
        logger.debug("field %s=%s (%.2f)", name, field.value, field.confidence,
                     extra={"caller": field.value})  # fmt: skip
    given = extraction.fields["given_name"].value
    logger.warning("caller %s said something odd", given.upper(), extra={"caller": "-"})
    try:
        raise ValueError(f"could not book for {given} {extraction.values()}")
    except ValueError:
        logger.exception("booking failed", extra={"caller": "-"})


def test_no_identifier_reaches_the_log(
    captured: tuple[logging.Logger, io.StringIO, KnownIdentifiers],
) -> None:
    logger, stream, known = captured
    for transcript, _ in CALLS:
        asyncio.run(_capture_call(logger, known, transcript))
    text = stream.getvalue().lower()
    assert "booking failed" in text and "valueerror" in text
    for _, secrets in CALLS:
        for secret in secrets:
            assert secret.lower() not in text, secret
    assert "[name]" in text and "[date]" in text and "[postcode]" in text


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        ("call 7f3e9a answered after 1.25 s on port 8080", "call 7f3e9a answered after 1.25 s"),
        ("Capture completed for call 12ab; fields=['postcode']", "Capture completed for call"),
        ("ARI WebSocket closed", "ARI WebSocket closed"),
    ],
)
def test_operational_messages_survive(message: str, kept: str) -> None:
    assert kept in redact(message)


@pytest.mark.parametrize(
    ("message", "secret"),
    [
        ("caller said Grace Williams", "Grace Williams"),
        ("dob 1975-11-02", "1975-11-02"),
        ("dob 4th March 1941", "March 1941"),
        ("postcode se15 4qt", "se15 4qt"),
        ("nhs 943 476 5919", "943 476 5919"),
        ("phone +447700900123", "447700900123"),
        ("phone 07700 900123", "900123"),
        ("email grace@example.org", "grace@example.org"),
        ("heard: my name is kofi mensah", "kofi"),
        ("heard: born the ninth of september ninety nine", "ninth of september"),
        ("heard: nine four three four seven six five nine one nine", "nine four three"),
        ("heard: sierra echo one five four quebec tango", "quebec"),
    ],
)
def test_redact(message: str, secret: str) -> None:
    assert secret not in redact(message)


def test_filter_masks_args_and_never_drops() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "name=%s nhs=%s", ("Ann Lee",
                               "9434765919"), None)  # fmt: skip
    assert RedactionFilter().filter(record) is True
    assert record.args is None
    assert "9434765919" not in record.getMessage()
    bad = logging.LogRecord("x", logging.INFO, __file__, 1, "%d", ("not a number",), None)
    assert RedactionFilter().filter(bad) is True


def test_known_identifiers() -> None:
    known = KnownIdentifiers(capacity=2)
    known.add("Zebedee")
    assert redact("hello zebedee", known) == "hello [REDACTED]"
    known.add("a")  # too short to mask
    known.add("xanthe")
    known.add("yorick")
    assert len(known) == 2
    assert "zebedee" in redact("hello zebedee", known)  # evicted
