"""Webhook signatures: HMAC-SHA256 over ``timestamp + "." + body``.

Every delivery carries three headers::

    X-Urgentline-Timestamp: 1767607380            (Unix seconds, when it was signed)
    X-Urgentline-Signature: v1=5d41402abc4b2a76…  (hex HMAC-SHA256; may list several,
                                                   comma-separated, during key rotation)
    Idempotency-Key: 6f1c2d1e-…                   (the handoff id, the same on every retry)

A receiver recomputes the HMAC over the exact bytes it received, compares in
constant time, and refuses timestamps outside a tolerance window (replays of
an old, captured request). ``verify`` does all three; ``docs/handoff.md``
gives the same check in a few lines of standard-library Python.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "BadSignature",
    "MissingSignature",
    "SignatureError",
    "StaleTimestamp",
    "sign",
    "signed_headers",
    "verify",
]

SIGNATURE_HEADER = "X-Urgentline-Signature"
TIMESTAMP_HEADER = "X-Urgentline-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """A delivery failed verification; the receiver should answer 401 and keep nothing.

    Tree::

        SignatureError
        ├── MissingSignature   a header is absent or malformed
        ├── StaleTimestamp     signed too long ago, or in the future
        └── BadSignature       no signature matches the body under any key
    """


class MissingSignature(SignatureError):
    pass


class StaleTimestamp(SignatureError):
    pass


class BadSignature(SignatureError):
    pass


def sign(secret: bytes | str, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` signed at ``timestamp`` (``v1=<hex>``)."""
    key = secret.encode() if isinstance(secret, str) else secret
    message = str(int(timestamp)).encode() + b"." + body
    return f"{SCHEME}=" + hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_headers(
    secret: bytes | str, body: bytes, *, idempotency_key: str, timestamp: int
) -> dict[str, str]:
    """The three delivery headers for ``body`` (the sender's side of ``verify``)."""
    return {
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }


def verify(
    secrets: bytes | str | Iterable[bytes | str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """Check a delivery as a provider receives it.

    Args:
        secrets: the shared key, or several (old and new) while keys rotate.
        body: the request body exactly as received (bytes, before any JSON parsing).
        headers: the request headers (names compared case-insensitively).
        now: the receiver's clock, Unix seconds (``time.time()``).
        tolerance_s: how far the timestamp may be from ``now``, either way.

    Returns:
        The verified timestamp.

    Raises:
        MissingSignature: no timestamp or signature header, or a malformed one.
        StaleTimestamp: the timestamp is outside ``now ± tolerance_s``.
        BadSignature: no ``v1`` signature matches under any of ``secrets``.
    """
    lowered = {key.lower(): value for key, value in headers.items()}
    raw_timestamp = lowered.get(TIMESTAMP_HEADER.lower())
    raw_signature = lowered.get(SIGNATURE_HEADER.lower())
    if not raw_timestamp or not raw_signature:
        raise MissingSignature("missing signature or timestamp header")
    try:
        timestamp = int(raw_timestamp.strip())
    except ValueError:
        raise MissingSignature("malformed timestamp header") from None
    if abs(now - timestamp) > tolerance_s:
        raise StaleTimestamp("timestamp outside the tolerance window")
    offered = [
        part.strip()[len(SCHEME) + 1 :]
        for part in raw_signature.split(",")
        if part.strip().startswith(f"{SCHEME}=")
    ]
    if not offered:
        raise MissingSignature("no v1 signature in the signature header")
    keys = [secrets] if isinstance(secrets, bytes | str) else list(secrets)
    for key in keys:
        expected = sign(key, timestamp, body)[len(SCHEME) + 1 :].encode()
        if any(hmac.compare_digest(expected, c.encode("utf-8", "replace")) for c in offered):
            return timestamp
    raise BadSignature("signature does not match")
