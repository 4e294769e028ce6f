"""Plan-available messages: least data, HMAC over timestamp + body, bounded backoff."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from careplans.notifications import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    backoff_s,
    notification_body,
    sign,
    signed_headers,
    verify,
)

SECRET = b"shared-webhook-secret"
BODY = notification_body(
    notification_id="n1",
    call_id="call-1",
    plan_type="end_of_life",
    view_url="https://urgentline.example/api/careplans/" + "a" * 32,
    created_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
)


def test_body_carries_call_type_and_link_only() -> None:
    assert set(json.loads(BODY)) == {
        "event",
        "id",
        "call_id",
        "plan_type",
        "view_url",
        "created_at",
    }


def test_signature_verifies_and_binds_body_and_timestamp() -> None:
    headers = signed_headers(SECRET, BODY, timestamp=1_800_000_000, notification_id="n1")
    assert headers[IDEMPOTENCY_HEADER] == "n1"
    ts, sig = headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER]
    assert sig.startswith("v1=") and len(sig) == 3 + 64
    assert verify(SECRET, BODY, timestamp=ts, signature=sig, now=1_800_000_010)
    assert not verify(SECRET, BODY + b" ", timestamp=ts, signature=sig, now=1_800_000_010)
    assert not verify(b"other", BODY, timestamp=ts, signature=sig, now=1_800_000_010)
    assert not verify(SECRET, BODY, timestamp="1800000001", signature=sig, now=1_800_000_010)
    assert not verify(SECRET, BODY, timestamp=ts, signature=sig, now=1_800_000_000 + 301)
    assert not verify(SECRET, BODY, timestamp=None, signature=sig, now=1_800_000_000)
    assert not verify(SECRET, BODY, timestamp="soon", signature=sig, now=1_800_000_000)


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET, b"42." + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, 42, BODY) == "v1=" + expected


@given(st.integers(1, 60), st.floats(0, 1, exclude_max=True))
def test_backoff_grows_and_stays_under_the_cap(attempt: int, jitter: float) -> None:
    delay = backoff_s(attempt, base_s=1.0, cap_s=300.0, jitter=jitter)
    step = min(300.0, 2.0 ** (attempt - 1))
    assert step / 2 <= delay <= step <= 300.0
