"""Errors of the handoff API, as data an HTTP client can act on.

Tree::

    HandoffError (status, error_id, message, details)
    ├── NoSuchHandoff        404 no-such-handoff
    ├── HandoffInFlight      409 handoff-in-flight
    └── InvalidQuery         422 invalid-query

    BundleError (ValueError)         callflow.handoff.bundle: facts or bundle break FHIR/BaRS
    SignatureError (ValueError)      callflow.handoff.signing: a delivery fails verification

Messages and details carry handoff ids, states and parameter names: never a
payload, a patient detail or a secret.
"""

from __future__ import annotations

from callflow.errors import ApiError


class HandoffError(ApiError):
    """Base of the errors the handoff API renders as JSON."""

    error_id = "handoff-error"


class NoSuchHandoff(HandoffError):
    status = 404
    error_id = "no-such-handoff"

    def __init__(self, handoff_id: str) -> None:
        super().__init__("No such handoff", {"handoff_id": handoff_id[:64]})


class HandoffInFlight(HandoffError):
    status = 409
    error_id = "handoff-in-flight"

    def __init__(self, handoff_id: str, state: str) -> None:
        super().__init__(
            "Only dead or delivered handoffs can be replayed; this one is still queued",
            {"handoff_id": handoff_id[:64], "state": state},
        )


class InvalidQuery(HandoffError):
    status = 422
    error_id = "invalid-query"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message, {"parameter": parameter})
