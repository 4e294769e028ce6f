"""The supervisors' and commissioners' web pages, live through Server-Sent Events.

Mount with ``setup_dashboard(app, source, hub)`` after ``setup_auth``; feed it
a ``DashboardSource`` and publish live views with ``publish_view(hub, view)``.
Pages: ``/dashboard`` (board), ``/dashboard/alerts``,
``/dashboard/providers/{key}``, ``/dashboard/syndromic``; feed: ``/events``.
"""

from dashboards.web.errors import (
    AlertAlreadyAcknowledged,
    DashboardError,
    InvalidDecision,
    NoSuchAlert,
    NoSuchProposal,
    ProposalAlreadyDecided,
)
from dashboards.web.payloads import (
    ALERT,
    ALERTS,
    BOARD,
    PROPOSAL,
    SYNDROMIC,
    alerts_json,
    kind_of,
    publish_view,
    to_json,
)
from dashboards.web.sources import DashboardSource, History
from dashboards.web.wiring import setup_dashboard

__all__ = [
    "ALERT",
    "ALERTS",
    "BOARD",
    "PROPOSAL",
    "SYNDROMIC",
    "AlertAlreadyAcknowledged",
    "DashboardError",
    "DashboardSource",
    "History",
    "InvalidDecision",
    "NoSuchAlert",
    "NoSuchProposal",
    "ProposalAlreadyDecided",
    "alerts_json",
    "kind_of",
    "publish_view",
    "setup_dashboard",
    "to_json",
]
