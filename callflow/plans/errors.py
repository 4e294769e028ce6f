"""Errors of the care-plan API, as data an HTTP client can act on.

Tree::

    PlanApiError (status, error_id, message, details)
    ├── InvalidNhsNumberError   422 invalid-nhs-number
    ├── InvalidParameterError   422 invalid-parameter
    ├── UnreadableImportError   422 unreadable-file
    ├── ImportTooLargeError     413 import-too-large
    └── NoSuchPlan              404 no-such-plan

Same shape as ``callflow.auth.errors.AuthError`` (status, kebab-case
``error_id``, message, details). Messages and details name parameters, lines
and ids, never an NHS number, a name or a phone number.
"""

from __future__ import annotations

from callflow.errors import ApiError


class PlanApiError(ApiError):
    error_id = "plan-error"


class InvalidNhsNumberError(PlanApiError):
    status = 422
    error_id = "invalid-nhs-number"

    def __init__(self, reason: str) -> None:
        super().__init__(f"nhs_number: {reason}", {"parameter": "nhs_number"})


class InvalidParameterError(PlanApiError):
    status = 422
    error_id = "invalid-parameter"

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}", {"parameter": parameter})


class UnreadableImportError(PlanApiError):
    status = 422
    error_id = "unreadable-file"

    def __init__(self, reason: str, line: int | None) -> None:
        super().__init__(reason, {"line": line})


class ImportTooLargeError(PlanApiError):
    status = 413
    error_id = "import-too-large"

    def __init__(self, limit_bytes: int) -> None:
        super().__init__("The import is larger than allowed", {"limit_bytes": limit_bytes})


class NoSuchPlan(PlanApiError):
    status = 404
    error_id = "no-such-plan"

    def __init__(self, plan_id: str) -> None:
        super().__init__("No such plan", {"plan_id": plan_id[:64]})
