"""One call mounts the supervisors' dashboard on the application: ``setup_dashboard``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from dashboards.hub import Hub
from dashboards.web import charts, formatting
from dashboards.web.actions import acknowledge, decide
from dashboards.web.events import close_streams, events
from dashboards.web.pages import alerts_page, board_page, provider_page, syndromic_page
from dashboards.web.rendering import EVENTS_PATH
from dashboards.web.sources import DashboardSource
from dashboards.web.state import DASHBOARD, TEMPLATES, Dashboard

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PREFIX = "/dashboard/static"
_ID = r"{id:[A-Za-z0-9._:-]{1,64}}"
_KEY = r"{key:[A-Za-z0-9._-]{1,64}}"


def setup_dashboard(
    app: web.Application,
    source: DashboardSource,
    hub: Hub,
    *,
    timezone: str = "Europe/London",
    ping_interval_s: float = 15.0,
    clock: Callable[[], datetime] | None = None,
) -> None:
    """Mount the pages, the actions, ``/events`` and the static files on ``app``.

    Call it after ``callflow.auth.setup_auth`` (the routes rely on its
    middleware for sign-in, roles and CSRF) and before the application starts.

    Args:
        app: the application, not yet started.
        source: the figures, alerts and syndromic views (``DashboardSource``).
        hub: where producers publish live updates (``payloads.publish_view``).
        timezone: the zone clock times are shown in.
        ping_interval_s: keep-alive period of ``/events``; also bounds how long a
            vanished screen's stream lingers.
        clock: what "now" is (tests); UTC wall time by default.

    Usage::

        hub = Hub()
        setup_auth(app, db, settings)
        setup_dashboard(app, SourceOverRealParts(...), hub)
    """
    zone = ZoneInfo(timezone)
    env = aiohttp_jinja2.setup(
        app,
        app_key=TEMPLATES,
        loader=jinja2.PackageLoader("dashboards.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        default_helpers=False,
    )
    env.filters.update(
        duration=formatting.duration,
        percent=formatting.percent,
        number=formatting.number,
        metric_value=formatting.metric_value,
        rag_label=formatting.rag_label,
        area=formatting.area,
        sparkline=charts.sparkline_points,
        clock=lambda moment, seconds=False: formatting.clock(moment, zone, seconds=seconds),
    )
    env.globals.update(
        static=STATIC_PREFIX, spark_width=charts.SPARK_WIDTH, spark_height=charts.SPARK_HEIGHT
    )
    app[DASHBOARD] = Dashboard(
        source=source,
        hub=hub,
        zone=zone,
        clock=clock or (lambda: datetime.now(UTC)),
        ping_interval_s=ping_interval_s,
    )
    router = app.router
    router.add_get("/dashboard", board_page, name="dashboard")
    router.add_get("/dashboard/alerts", alerts_page, name="dashboard-alerts")
    router.add_post(f"/dashboard/alerts/{_ID}/ack", acknowledge, name="dashboard-alert-ack")
    router.add_get(f"/dashboard/providers/{_KEY}", provider_page, name="dashboard-provider")
    router.add_get("/dashboard/syndromic", syndromic_page, name="dashboard-syndromic")
    router.add_post(
        f"/dashboard/syndromic/proposals/{_ID}", decide, name="dashboard-proposal-decision"
    )
    router.add_get(EVENTS_PATH, events, name="dashboard-events")
    router.add_static(STATIC_PREFIX, STATIC_DIR, name="dashboard-static")
    app.on_shutdown.append(close_streams)
