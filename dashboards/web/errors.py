"""Errors a supervisor's action can meet, in the service's ``ApiError`` shape.

Tree::

    ApiError (callflow.errors)
    └── DashboardError
        ├── NoSuchAlert                404 no-such-alert
        ├── AlertAlreadyAcknowledged   409 alert-already-acknowledged
        ├── NoSuchProposal             404 no-such-proposal
        ├── ProposalAlreadyDecided     409 proposal-already-decided
        └── InvalidDecision            422 invalid-decision

A ``DashboardSource`` raises these (or any other ``ApiError``); the pages turn
them into a status and a message. Details carry ids only.
"""

from __future__ import annotations

from callflow.errors import ApiError


class DashboardError(ApiError):
    """Base of the errors the dashboard's actions raise on purpose."""

    error_id = "dashboard-error"


class NoSuchAlert(DashboardError):
    status = 404
    error_id = "no-such-alert"

    def __init__(self, alert_id: str) -> None:
        super().__init__("No such alert", {"alert_id": alert_id})


class AlertAlreadyAcknowledged(DashboardError):
    status = 409
    error_id = "alert-already-acknowledged"

    def __init__(self, alert_id: str, by: str | None = None) -> None:
        message = "This alert has already been acknowledged"
        if by:
            message += f" by {by}"
        super().__init__(message, {"alert_id": alert_id})


class NoSuchProposal(DashboardError):
    status = 404
    error_id = "no-such-proposal"

    def __init__(self, proposal_id: str) -> None:
        super().__init__("No such proposal", {"proposal_id": proposal_id})


class ProposalAlreadyDecided(DashboardError):
    status = 409
    error_id = "proposal-already-decided"

    def __init__(self, proposal_id: str, status: str) -> None:
        super().__init__(f"This proposal is already {status}", {"proposal_id": proposal_id})


class InvalidDecision(DashboardError):
    status = 422
    error_id = "invalid-decision"

    def __init__(self) -> None:
        super().__init__('The decision must be "approve" or "reject"')
