"""The supervisors' pages: board, alerts, provider drill-down, syndromic surveillance.

Handlers stay thin: ask the ``DashboardSource`` for views, shape what the
templates need, render. The pages then keep themselves current from
``/events`` (``static/main.js``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from aiohttp import web

from callflow.auth import Role, require
from dashboards.views import ALL_AREAS, Figures, IndicatorCell
from dashboards.web import charts
from dashboards.web.formatting import clock, duration, number, percent
from dashboards.web.rendering import render_page
from dashboards.web.sources import History
from dashboards.web.state import DASHBOARD


@require(Role.SUPERVISOR)
async def board_page(request: web.Request) -> web.Response:
    """The system-wide board: every provider's calls now, live."""
    dashboard = request.app[DASHBOARD]
    board = await dashboard.source.board(dashboard.clock())
    return await render_page(request, "board.html", page="board", title="Board", board=board)


@require(Role.SUPERVISOR)
async def alerts_page(request: web.Request) -> web.Response:
    """Active alerts, with a button to acknowledge each."""
    return await render_page(request, "alerts.html", page="alerts", title="Alerts")


@require(Role.SUPERVISOR)
async def provider_page(request: web.Request) -> web.Response:
    """One provider's figures and charts per bucket."""
    dashboard = request.app[DASHBOARD]
    key = request.match_info["key"]
    now = dashboard.clock()
    row = await dashboard.source.provider(key, now)
    if row is None:
        return await render_page(
            request,
            "error.html",
            page="error",
            title="No such provider",
            status=404,
            message="There is no provider with this name.",
            back="/dashboard",
        )
    history = await dashboard.source.provider_history(key, now)
    labels = [clock(start, dashboard.zone) for start, _ in history]
    return await render_page(
        request,
        "provider.html",
        page="provider",
        title=row.label,
        row=row,
        items=figure_items(row.figures),
        history=[(label, figures) for label, (_, figures) in zip(labels, history, strict=True)],
        counts=counts_chart(labels, history),
        rates=charts.bar_chart(labels, [f.answered_60s_rate for _, f in history]),
    )


@require(Role.SUPERVISOR, Role.COMMISSIONER)
async def syndromic_page(request: web.Request) -> web.Response:
    """Syndromic indicators by area, alarms, and front-end messages to decide."""
    dashboard = request.app[DASHBOARD]
    view = await dashboard.source.syndromic(dashboard.clock())
    return await render_page(
        request,
        "syndromic.html",
        page="syndromic",
        title="Syndromic surveillance",
        view=view,
        grid=IndicatorGrid.of(view.cells),
    )


@dataclass(frozen=True, slots=True)
class FigureItem:
    """A row of the figures table: IUC ADC item id (or ``""``), name, value."""

    code: str
    name: str
    value: str


def figure_items(f: Figures) -> list[FigureItem]:
    """The drill-down table, in IUC ADC order, then the live extras."""
    return [
        FigureItem("A01", "Calls received", number(f.a01_received)),
        FigureItem("A02", "Calls routed through IVR", number(f.a02_ivr_routed)),
        FigureItem("A03", "Calls answered", number(f.a03_answered)),
        FigureItem("B01", "Calls answered within 60 seconds", number(f.b01_answered_60s)),
        FigureItem("", "Answered within 60 seconds (B01 / A03)", percent(f.answered_60s_rate)),
        FigureItem("B02", "Calls abandoned", number(f.b02_abandoned)),
        FigureItem("", "Abandonment rate (B02 / A01)", percent(f.abandon_rate)),
        FigureItem("B03", "Abandoned within 30 seconds", number(f.b03_abandoned_30s)),
        FigureItem("B04", "Abandoned after 30 to 60 seconds", number(f.b04_abandoned_30_60s)),
        FigureItem("B05", "Abandoned after more than 60 seconds", number(f.b05_abandoned_over_60s)),
        FigureItem("B06", "Mean time to answer", duration(f.b06_mean_answer_s)),
        FigureItem("B07", "95th centile time to answer", duration(f.b07_p95_answer_s)),
        FigureItem("B09", "Total time of abandoned calls", duration(f.b09_abandoned_time_s)),
        FigureItem("", "Calls waiting now", number(f.waiting_now)),
        FigureItem("", "Longest wait now", duration(f.longest_wait_s)),
        FigureItem("", "Call-backs offered", number(f.callbacks_offered)),
        FigureItem("", "Call-backs made", number(f.callbacks_made)),
        FigureItem("", "Calls sent to the fallback", number(f.fallbacks)),
    ]


def counts_chart(labels: Sequence[str], history: History) -> charts.LineChart:
    """Received, answered and answered-in-60-s calls per bucket."""
    return charts.line_chart(
        labels,
        [
            ("Received", "received", [f.a01_received for _, f in history]),
            ("Answered", "answered", [f.a03_answered for _, f in history]),
            ("Answered in 60 s", "answered-60s", [f.b01_answered_60s for _, f in history]),
        ],
    )


@dataclass(frozen=True, slots=True)
class IndicatorGrid:
    """Indicator by area: rows are indicators, columns areas; a gap is ``None``."""

    areas: tuple[str, ...]
    rows: tuple[tuple[str, tuple[IndicatorCell | None, ...]], ...]

    @classmethod
    def of(cls, cells: Sequence[IndicatorCell]) -> IndicatorGrid:
        # All areas first, then the districts and pathways.
        areas = tuple(sorted({c.area for c in cells}, key=lambda a: (a != ALL_AREAS, a)))
        by_indicator: dict[str, dict[str, IndicatorCell]] = defaultdict(dict)
        for cell in cells:
            by_indicator[cell.indicator][cell.area] = cell
        rows = tuple(
            (indicator, tuple(by_indicator[indicator].get(area) for area in areas))
            for indicator in sorted(by_indicator)
        )
        return cls(areas, rows)
