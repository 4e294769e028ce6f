"""Webhook signatures: a round trip verifies; tampering and clock skew are refused."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow.handoff.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    BadSignature,
    MissingSignature,
    SignatureError,
    StaleTimestamp,
    sign,
    signed_headers,
    verify,
)

SECRET = "s3cret"
NOW = 1_767_607_380


def headers_for(body: bytes, secret: str = SECRET, timestamp: int = NOW) -> dict[str, str]:
    return signed_headers(secret, body, idempotency_key="h-1", timestamp=timestamp)


@given(body=st.binary(max_size=2048), skew=st.integers(-300, 300))
def test_round_trip(body: bytes, skew: int) -> None:
    headers = headers_for(body)
    assert verify(SECRET, body, headers, now=NOW + skew) == NOW
    assert headers[IDEMPOTENCY_HEADER] == "h-1"


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    body = b'{"resourceType":"Bundle"}'
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, body) == f"v1={expected}"
    assert headers_for(body)[SIGNATURE_HEADER] == f"v1={expected}"
    assert headers_for(body)[TIMESTAMP_HEADER] == str(NOW)


@given(body=st.binary(min_size=1, max_size=512), flip=st.integers(0, 511))
def test_any_changed_byte_is_refused(body: bytes, flip: int) -> None:
    headers = headers_for(body)
    index = flip % len(body)
    tampered = body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1 :]
    with pytest.raises(BadSignature):
        verify(SECRET, tampered, headers, now=NOW)


def test_tampering_is_refused() -> None:
    body = b'{"a":1}'
    headers = headers_for(body)
    with pytest.raises(BadSignature):
        verify("other-secret", body, headers, now=NOW)
    moved = dict(headers, **{TIMESTAMP_HEADER: str(NOW + 1)})  # re-dated replay
    with pytest.raises(BadSignature):
        verify(SECRET, body, moved, now=NOW)
    forged = dict(headers, **{SIGNATURE_HEADER: "v1=" + "0" * 64})
    with pytest.raises(BadSignature):
        verify(SECRET, body, forged, now=NOW)


@pytest.mark.parametrize("skew", [-301, 301, 10_000, -86_400])
def test_timestamps_outside_the_window_are_refused(skew: int) -> None:
    body = b"{}"
    with pytest.raises(StaleTimestamp):
        verify(SECRET, body, headers_for(body), now=NOW + skew)
    assert verify(SECRET, body, headers_for(body), now=NOW + skew, tolerance_s=abs(skew)) == NOW


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {TIMESTAMP_HEADER: str(NOW)},
        {SIGNATURE_HEADER: "v1=ab"},
        {TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "v1=ab"},
        {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "v0=ab"},
        {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "v1=ünïcode"},
    ],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(SignatureError):
        verify(SECRET, b"{}", headers, now=NOW)


def test_missing_headers_are_their_own_error() -> None:
    with pytest.raises(MissingSignature):
        verify(SECRET, b"{}", {}, now=NOW)


def test_header_names_are_case_insensitive_and_keys_rotate() -> None:
    body = b"{}"
    lowered = {k.lower(): v for k, v in headers_for(body, secret="new").items()}
    assert verify(["old", "new"], body, lowered, now=NOW) == NOW
    both = f"{sign('old', NOW, body)}, {sign('new', NOW, body)}"
    assert verify("old", body, {TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: both}, now=NOW)
