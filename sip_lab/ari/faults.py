"""Injected faults: dropped or refused event sockets, slow or failing REST replies.

The client must survive a switch that misbehaves, so the lab can make this one
misbehave on demand (``POST /_lab/faults``) and stop (``DELETE /_lab/faults``).
Rules match the request path (``/ari/...``) with a regular expression and,
optionally, the HTTP method.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from sip_lab.ari.errors import ControlError
from sip_lab.ari.types import JsonObject


@dataclass(slots=True)
class _Rule:
    pattern: re.Pattern[str]
    method: str | None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))


@dataclass(slots=True)
class DelayRule(_Rule):
    """Hold matching requests for ``delay_ms`` before handling them."""

    delay_ms: int = 0


@dataclass(slots=True)
class FailRule(_Rule):
    """Answer the next ``remaining`` matching requests with ``status`` and ``body``."""

    status: int = 500
    remaining: int = 1
    body: JsonObject = field(default_factory=dict)


class Faults:
    """The active fault rules."""

    def __init__(self) -> None:
        self.delays: list[DelayRule] = []
        self.failures: list[FailRule] = []
        self.refuse_ws_until = 0.0

    def add(self, spec: JsonObject) -> None:
        """Add the rules of one ``POST /_lab/faults`` body (``drop_ws`` is handled by the caller).

        Raises:
            ControlError: when the body asks for nothing known or has bad values.
        """
        known = {
            "drop_ws",
            "abrupt",
            "refuse_ws_ms",
            "delay_ms",
            "fail_status",
            "fail_count",
            "path_regex",
            "method",
            "body",
        }
        unknown = set(spec) - known
        if unknown:
            raise ControlError(f"unknown fault keys: {', '.join(sorted(unknown))}")
        try:
            pattern = re.compile(str(spec.get("path_regex", ".*")))
        except re.error as exc:
            raise ControlError(f"bad path_regex: {exc}") from exc
        method = str(spec["method"]).upper() if spec.get("method") else None
        if "refuse_ws_ms" in spec:
            self.refuse_ws_until = time.monotonic() + _int(spec, "refuse_ws_ms") / 1000
        if "delay_ms" in spec:
            self.delays.append(DelayRule(pattern, method, delay_ms=_int(spec, "delay_ms")))
        if "fail_status" in spec:
            status = _int(spec, "fail_status")
            if not 100 <= status <= 599:
                raise ControlError("fail_status must be an HTTP status")
            body = spec.get("body") or {"message": "Injected fault (sip_lab)"}
            if not isinstance(body, dict):
                raise ControlError("body must be a JSON object")
            count = _int(spec, "fail_count") if "fail_count" in spec else 1
            self.failures.append(
                FailRule(pattern, method, status=status, remaining=count, body=body)
            )

    def clear(self) -> None:
        """``DELETE /_lab/faults``."""
        self.delays.clear()
        self.failures.clear()
        self.refuse_ws_until = 0.0

    def ws_refused(self) -> bool:
        """Whether new event sockets are being refused right now."""
        return time.monotonic() < self.refuse_ws_until

    def delay_for(self, method: str, path: str) -> float:
        """Seconds to hold this request (the longest matching delay)."""
        delays = [r.delay_ms for r in self.delays if r.matches(method, path)]
        return max(delays, default=0) / 1000

    def failure_for(self, method: str, path: str) -> tuple[int, JsonObject] | None:
        """The injected reply for this request, if a failure rule still has uses left."""
        for rule in self.failures:
            if rule.remaining > 0 and rule.matches(method, path):
                rule.remaining -= 1
                return rule.status, rule.body
        return None

    def to_json(self) -> JsonObject:
        """The control plane's view of the active rules."""
        remaining = max(0.0, self.refuse_ws_until - time.monotonic())
        return {
            "refuse_ws_ms": int(remaining * 1000),
            "delays": [
                {"path_regex": r.pattern.pattern, "method": r.method, "delay_ms": r.delay_ms}
                for r in self.delays
            ],
            "failures": [
                {
                    "path_regex": r.pattern.pattern,
                    "method": r.method,
                    "fail_status": r.status,
                    "remaining": r.remaining,
                }
                for r in self.failures
            ],
        }


def _int(spec: JsonObject, key: str) -> int:
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ControlError(f"{key} must be a non-negative integer")
    return value
