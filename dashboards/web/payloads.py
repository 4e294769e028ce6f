"""The JSON the ``/events`` stream carries: the view models, made plain.

Each update is ``event: <kind>`` with one JSON object as ``data:``. The pages'
scripts understand these kinds:

========== ======================= ==============================================
kind       data                    effect on the pages
========== ======================= ==============================================
board      ``Board``               board rows replaced; drill-down page refreshed
alerts     ``{"alerts": [...]}``   the whole alert list (sent on connect)
alert      ``AlertView``           one alert added, changed, or removed (cleared)
syndromic  ``SyndromicView``       syndromic page refreshed
proposal   ``ProposalView``        syndromic page refreshed
========== ======================= ==============================================

A view becomes a dict as ``dataclasses.asdict`` would make it, with datetimes
as ISO 8601 strings, enums as their values, tuples as lists, and each
``Figures`` also carrying its derived rates (``abandon_rate``,
``answered_60s_rate``) so a browser never recomputes a KPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from dashboards.hub import Hub
from dashboards.views import AlertView, Board, Figures, ProposalView, SyndromicView

BOARD = "board"
ALERTS = "alerts"
ALERT = "alert"
SYNDROMIC = "syndromic"
PROPOSAL = "proposal"

View = Board | AlertView | SyndromicView | ProposalView
_KINDS: dict[type[Any], str] = {
    Board: BOARD,
    AlertView: ALERT,
    SyndromicView: SYNDROMIC,
    ProposalView: PROPOSAL,
}


def to_json(view: object) -> dict[str, Any]:
    """A view model (any dataclass of ``dashboards.views``) as a JSON-ready dict.

    Raises:
        TypeError: ``view`` is not a dataclass instance.
    """
    if not is_dataclass(view) or isinstance(view, type):
        raise TypeError(f"not a view model: {type(view).__name__}")
    converted = _plain(view)
    assert isinstance(converted, dict)
    return converted


def alerts_json(alerts: Sequence[AlertView]) -> dict[str, Any]:
    """The ``alerts`` snapshot: every alert not yet cleared."""
    return {"alerts": [to_json(alert) for alert in alerts]}


def kind_of(view: View) -> str:
    """The SSE event name for a view."""
    return _KINDS[type(view)]


def publish_view(hub: Hub, view: View) -> None:
    """Send a view to every open dashboard, under its kind.

    Usage::

        publish_view(hub, await metrics.board(now))   # event: board
        publish_view(hub, alert)                      # event: alert
    """
    hub.publish(kind_of(view), to_json(view))


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, Figures):
            out["abandon_rate"] = value.abandon_rate
            out["answered_60s_rate"] = value.answered_60s_rate
        return out
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    return value
