"""Errors of syndromic surveillance.

::

    callflow.errors.ApiError          (HTTP clients see these, as JSON)
    ├── NoSuchProposal                404 no-such-proposal
    └── ProposalNotOpen               409 proposal-not-open
    ValueError
    └── RulesError                    messages.yaml missing or invalid (at start-up)

Details carry proposal ids and states only.
"""

from __future__ import annotations

from callflow.errors import ApiError


class NoSuchProposal(ApiError):
    status = 404
    error_id = "no-such-proposal"


class ProposalNotOpen(ApiError):
    """The proposal was already decided on, or went stale, before this decision."""

    status = 409
    error_id = "proposal-not-open"


class RulesError(ValueError):
    """The message rules cannot be loaded."""
