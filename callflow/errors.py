"""Errors an HTTP client can see: one shape for every feature.

::

    ApiError                      status, kebab-case error_id, message, details
    ├── callflow.auth.errors.AuthError
    ├── callflow.plans.errors.PlanApiError
    └── callflow.handoff.errors.HandoffError

Each feature's handlers turn its own subtree into JSON with ``as_json``.
Messages and details carry ids only, never patient data or secrets.
"""

from __future__ import annotations

from collections.abc import Mapping


class ApiError(Exception):
    status: int = 400
    error_id: str = "api-error"

    def __init__(self, message: str, details: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = dict(details or {})

    def as_json(self) -> dict[str, object]:
        """The body of the HTTP error response."""
        return {"error_id": self.error_id, "message": self.message, "details": self.details}
