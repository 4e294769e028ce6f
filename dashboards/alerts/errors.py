"""Errors of the alerts part.

::

    callflow.errors.ApiError            what an HTTP client sees (status, error_id, details)
    └── AlertApiError
        ├── NoSuchAlert                 404 no-such-alert
        ├── AlertNotRaised              409 alert-not-raised (already acknowledged, or cleared)
        └── InvalidRules                400 invalid-alert-rules (details.problems lists each)
    ValueError
    └── RulesError                      a rule set was refused (``problems``); loader and API
    NotRaisedError                      engine: acknowledge of an alert that is not raised
    DeliveryError                       a channel could not deliver one notice (``code``)

Messages and details carry alert ids, rule names and short codes: never a
recipient's address, never patient data.
"""

from __future__ import annotations

from collections.abc import Sequence

from callflow.errors import ApiError


class AlertApiError(ApiError):
    pass


class NoSuchAlert(AlertApiError):
    status = 404
    error_id = "no-such-alert"

    def __init__(self, alert_id: str) -> None:
        super().__init__("no such alert", {"alert_id": alert_id})


class AlertNotRaised(AlertApiError):
    status = 409
    error_id = "alert-not-raised"

    def __init__(self, alert_id: str, state: str) -> None:
        super().__init__(
            "only a raised alert can be acknowledged", {"alert_id": alert_id, "state": state}
        )


class InvalidRules(AlertApiError):
    status = 400
    error_id = "invalid-alert-rules"

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("the rule set was refused; nothing changed", {"problems": list(problems)})


class RulesError(ValueError):
    """A rule set was refused; ``problems`` lists each as ``source:line: message``."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class NotRaisedError(Exception):
    """The engine was asked to acknowledge an alert that is not raised."""

    def __init__(self, state: str) -> None:
        super().__init__(f"the alert is {state}")
        self.state = state


class DeliveryError(Exception):
    """One delivery attempt failed; ``code`` is short and safe to log (``http-500``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code
