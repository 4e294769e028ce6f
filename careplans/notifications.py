"""Plan-available notifications: the message, its signature, and the retry schedule.

The message says only that a plan exists for a call: the call id, the plan
type and where an authorised reader can view it. Never the plan itself, never
a name or a number (DESIGN principle 7: least data in every message).

Signature (the receiver's side is ``verify``)::

    X-Urgentline-Timestamp: <unix seconds>
    X-Urgentline-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>
    Idempotency-Key: <notification id>

Signing the timestamp with the body lets the receiver refuse replays: a
message older than the tolerance (5 minutes) fails verification even with a
good MAC. Retries are re-signed with a fresh timestamp; the idempotency key
stays the same, so a receiver can drop a message it already acted on.

Pure: no I/O, no clock (times are arguments).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

EVENT = "plan-available"
TIMESTAMP_HEADER = "X-Urgentline-Timestamp"
SIGNATURE_HEADER = "X-Urgentline-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE_S = 300


def notification_body(
    *, notification_id: str, call_id: str, plan_type: str, view_url: str, created_at: datetime
) -> bytes:
    """The JSON body (compact, keys sorted: the bytes that are signed)."""
    payload = {
        "event": EVENT,
        "id": notification_id,
        "call_id": call_id,
        "plan_type": plan_type,
        "view_url": view_url,
        "created_at": created_at.isoformat(),
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={mac}"


def signed_headers(
    secret: bytes, body: bytes, *, timestamp: int, notification_id: str
) -> dict[str, str]:
    """Every header a delivery carries."""
    return {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        IDEMPOTENCY_HEADER: notification_id,
    }


def verify(
    secret: bytes,
    body: bytes,
    *,
    timestamp: str | None,
    signature: str | None,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> bool:
    """True when ``signature`` is ours for ``body`` and ``timestamp`` is recent.

    Args:
        secret: the shared webhook secret.
        body: the raw request body, byte for byte.
        timestamp: the ``X-Urgentline-Timestamp`` header.
        signature: the ``X-Urgentline-Signature`` header.
        now: the receiver's clock, unix seconds.
        tolerance_s: how far the timestamp may be from ``now`` either way.
    """
    if not timestamp or not signature:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature.strip())


def backoff_s(attempt: int, *, base_s: float = 1.0, cap_s: float = 300.0, jitter: float) -> float:
    """Delay before retry number ``attempt`` (1 = after the first failure).

    Full jitter on an exponential schedule: ``jitter`` in [0, 1) picks a point
    between half the step and the whole step, so many failed deliveries do not
    retry in lockstep.

    Args:
        attempt: failed attempts so far (>= 1).
        base_s: the first step.
        cap_s: the largest step.
        jitter: a random number in [0, 1), drawn by the caller.
    """
    step = min(cap_s, base_s * 2.0 ** max(0, attempt - 1))
    return step / 2 + step / 2 * jitter
