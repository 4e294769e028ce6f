"""Turning a handler's result into a page: layout context, headers, errors.

Every page is rendered on the server with autoescaping, so a label coming from
configuration or a rule can never inject markup, and is sent with a strict
Content-Security-Policy: scripts and styles only from ``/dashboard/static``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from callflow.auth import Role, csrf_token_of, identity_of
from callflow.errors import ApiError
from dashboards.views import AlertView
from dashboards.web.payloads import to_json
from dashboards.web.state import DASHBOARD, TEMPLATES

NO_STORE = {"Cache-Control": "no-store"}
PAGE_HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}
"""Pages hold forms and live figures: never cached, never framed, nothing inline."""

EVENTS_PATH = "/events"


async def render_page(
    request: web.Request,
    template: str,
    *,
    page: str,
    title: str,
    status: int = 200,
    **context: Any,
) -> web.Response:
    """Render a page inside the layout (navigation, alert count, sign-out form).

    Args:
        request: the request being answered.
        template: a template of ``dashboards/web/templates``.
        page: which page this is (navigation state and the page's live behaviour).
        title: the page's title.
        status: the HTTP status.
        context: the template's own variables.
    """
    dashboard = request.app[DASHBOARD]
    alerts = await dashboard.source.alerts()
    identity = identity_of(request)
    roles = identity.roles if identity is not None else frozenset()
    full = {
        "page": page,
        "title": title,
        "alerts": alerts,
        "alert_summary": alert_summary(alerts),
        "username": identity.username if identity is not None else "",
        "can_supervise": bool(roles & {Role.SUPERVISOR, Role.ADMIN}),
        "can_decide": bool(roles & {Role.COMMISSIONER, Role.ADMIN}),
        "csrf_token": csrf_token_of(request) or "",
        "wall": request.query.get("wall") == "1",
        "here": request.path,
        "events_url": EVENTS_PATH,
        "tz": str(dashboard.zone),
        **context,
    }
    response = aiohttp_jinja2.render_template(
        template, request, full, status=status, app_key=TEMPLATES
    )
    response.headers.update(PAGE_HEADERS)
    return response


def alert_summary(alerts: Sequence[AlertView]) -> str:
    """The alert count in words, as the polite live region announces it."""
    active = [a for a in alerts if a.state != "cleared"]
    if not active:
        return "No active alerts"
    waiting = sum(1 for a in active if a.state == "raised")
    text = f"{len(active)} active alert{'s' if len(active) != 1 else ''}"
    if waiting:
        text += f", {waiting} to acknowledge"
    return text


def wants_json(request: web.Request) -> bool:
    """A script's ``fetch`` (asks for JSON), not a form posted by the browser."""
    return "application/json" in request.headers.get("Accept", "")


async def error_response(request: web.Request, exc: ApiError, *, back: str) -> web.Response:
    """An action's failure: JSON for scripts, a page with a way back for forms."""
    if wants_json(request):
        return web.json_response(exc.as_json(), status=exc.status, headers=NO_STORE)
    return await render_page(
        request,
        "error.html",
        page="error",
        title="Not done",
        status=exc.status,
        message=exc.message,
        back=back,
    )


def json_view(view: object) -> web.Response:
    """A view model as the JSON body of a script's request."""
    return web.json_response(to_json(view), headers=NO_STORE)
