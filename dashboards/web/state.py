"""The dashboard's application state, under typed keys (never string keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import jinja2
from aiohttp import web
from aiohttp_sse import EventSourceResponse

from dashboards.hub import Hub
from dashboards.web.sources import DashboardSource


@dataclass(slots=True)
class Dashboard:
    """What the handlers share: the data, the live feed, and the open streams.

    ``streams`` holds every open ``/events`` response so shutdown can end them
    at once instead of waiting for each client to go away.
    """

    source: DashboardSource
    hub: Hub
    zone: tzinfo
    clock: Callable[[], datetime]
    ping_interval_s: float
    streams: set[EventSourceResponse] = field(default_factory=set)


DASHBOARD: web.AppKey[Dashboard] = web.AppKey("dashboard", Dashboard)
TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("dashboard_templates", jinja2.Environment)
"""The dashboards' own template environment, so another package's
``aiohttp_jinja2.setup`` on the same application cannot replace it."""
