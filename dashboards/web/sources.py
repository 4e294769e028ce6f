"""What the pages need from the rest of ``dashboards``: the ``DashboardSource`` seam.

The web part never imports the metrics, alerts or syndromic parts. The
composition root hands ``setup_dashboard`` one object with these methods, built
over the real parts; tests hand it a class holding view models they change at
will. Every method returns the frozen views of ``dashboards.views``, so nothing
here can reach patient data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from dashboards.views import (
    AlertView,
    Board,
    Figures,
    ProposalView,
    ScopeRow,
    SyndromicView,
)

History = Sequence[tuple[datetime, Figures]]
"""One scope's figures per bucket, ``(bucket_start, figures)``, oldest first."""


class DashboardSource(Protocol):
    """The read and write operations behind the supervisors' pages.

    Alert and proposal ids appear in URLs, so they must match
    ``[A-Za-z0-9._:-]{1,64}``; provider keys ``[A-Za-z0-9._-]{1,64}``.

    Errors a person can cause (an unknown id, a second acknowledgement) are
    ``callflow.errors.ApiError`` subclasses, e.g. those in
    ``dashboards.web.errors``; the pages show their message and status.
    """

    async def board(self, now: datetime) -> Board:
        """The system row and one row per provider, as of ``now``."""
        ...

    async def provider(self, key: str, now: datetime) -> ScopeRow | None:
        """One provider's row, or ``None`` when no provider has this key."""
        ...

    async def provider_history(self, key: str, now: datetime) -> History:
        """The provider's figures per bucket for its charts (empty when unknown)."""
        ...

    async def alerts(self) -> Sequence[AlertView]:
        """Alerts not yet cleared (raised or acknowledged), most urgent first."""
        ...

    async def acknowledge(self, alert_id: str, user: str) -> AlertView:
        """Record that ``user`` has seen the alert.

        Raises:
            ApiError: no such alert (404) or already acknowledged (409).
        """
        ...

    async def syndromic(self, now: datetime) -> SyndromicView:
        """Indicator counts per area, open alarms and front-end message proposals."""
        ...

    async def decide(self, proposal_id: str, approve: bool, user: str) -> ProposalView:
        """Apply or reject a proposed front-end message on a commissioner's word.

        Raises:
            ApiError: no such proposal (404) or already decided (409).
        """
        ...
