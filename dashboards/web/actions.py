"""What supervisors and commissioners do from the pages: acknowledge, decide.

Each action is a form ``POST`` that works without scripts (the browser follows
a 303 back to the page) and, from ``static/alerts.js``, a ``fetch`` asking for
JSON. The access middleware has already checked the role and the session's
CSRF token (``csrf_token`` field or ``X-CSRF-Token`` header) before a handler
runs. A successful action is published on the hub so every open screen shows
it, not only the one where the button was pressed.
"""

from __future__ import annotations

import logging
import re

from aiohttp import web

from callflow.auth import Role, identity_of, require
from callflow.errors import ApiError
from dashboards.web.errors import InvalidDecision
from dashboards.web.payloads import publish_view
from dashboards.web.rendering import NO_STORE, error_response, json_view, wants_json
from dashboards.web.state import DASHBOARD

log = logging.getLogger(__name__)

_BACK = re.compile(r"/dashboard(/[A-Za-z0-9._/-]*)?(\?[A-Za-z0-9=&]*)?")
"""Where a form may send the browser back to: a dashboard page, nothing else."""


@require(Role.SUPERVISOR)
async def acknowledge(request: web.Request) -> web.Response:
    """Acknowledge an alert: a supervisor has seen it and is acting."""
    dashboard = request.app[DASHBOARD]
    alert_id = request.match_info["id"]
    back = await _back(request, "/dashboard/alerts")
    user = _username(request)
    try:
        alert = await dashboard.source.acknowledge(alert_id, user)
    except ApiError as exc:
        log.info("acknowledge %s by %s refused: %s", alert_id, user, exc.error_id)
        return await error_response(request, exc, back=back)
    log.info("alert %s acknowledged by %s", alert_id, user)
    publish_view(dashboard.hub, alert)
    return json_view(alert) if wants_json(request) else _see_other(back)


@require(Role.COMMISSIONER)
async def decide(request: web.Request) -> web.Response:
    """Approve or reject a proposed front-end message (``decision`` field)."""
    dashboard = request.app[DASHBOARD]
    proposal_id = request.match_info["id"]
    back = await _back(request, "/dashboard/syndromic")
    form = await request.post()
    decision = form.get("decision")
    user = _username(request)
    try:
        if decision not in ("approve", "reject"):
            raise InvalidDecision()
        proposal = await dashboard.source.decide(proposal_id, decision == "approve", user)
    except ApiError as exc:
        log.info("decision on %s by %s refused: %s", proposal_id, user, exc.error_id)
        return await error_response(request, exc, back=back)
    log.info("proposal %s: %s by %s", proposal_id, proposal.status, user)
    publish_view(dashboard.hub, proposal)
    return json_view(proposal) if wants_json(request) else _see_other(back)


async def _back(request: web.Request, default: str) -> str:
    if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return default
    value = (await request.post()).get("back")
    return value if isinstance(value, str) and _BACK.fullmatch(value) else default


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location, **NO_STORE})


def _username(request: web.Request) -> str:
    identity = identity_of(request)
    if identity is None:  # the middleware guarantees one on these routes
        raise RuntimeError("action reached without an identity")
    return identity.username
