"""The gate every request passes: who is calling, may they, and did they mean to.

Theory of operation, per request:

1. Find the route's rule (``callflow.auth.access``). Undeclared handlers need
   ``admin`` (deny by default); a path that matches no route needs any
   signed-in user, so 404s are not a map of the service for strangers.
2. Resolve the identity: ``Authorization: Bearer <token>`` first; otherwise the
   session cookie. A bearer header that fails is a failure: it never falls back
   to the cookie.
3. Refuse without an identity (401 JSON with ``WWW-Authenticate: Bearer`` for
   the API, a redirect to ``/login`` for a browser asking for a page) or
   without a matching role (403).
4. For requests authenticated by the session cookie with an unsafe method,
   require the session's CSRF token in ``X-CSRF-Token`` or a ``csrf_token``
   form field. Bearer requests are exempt: a browser never adds that header on
   its own, so a cross-site page cannot forge one.

Nothing here logs a credential: only usernames, methods and route patterns.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from callflow.auth.access import Access, access_of_route
from callflow.auth.credentials import secrets_match
from callflow.auth.errors import AuthenticationRequired, AuthError, CsrfError, Forbidden
from callflow.auth.keys import CSRF_TOKEN, IDENTITY
from callflow.auth.pages import render
from callflow.auth.roles import grants
from callflow.auth.services import AuthService, Identity

log = logging.getLogger(__name__)

SESSION_COOKIE = "urgentline_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_ANY_USER = Access()


def auth_middleware(service: AuthService) -> Middleware:
    """Build the middleware over one ``AuthService`` (``setup_auth`` installs it)."""

    @web.middleware
    async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            access = _access_for(request)
            if access.public and _is_static(request):
                return await handler(request)
            identity, csrf, bad_bearer = await _resolve(request, service)
            if identity is not None:
                request[IDENTITY] = identity
            if csrf is not None:
                request[CSRF_TOKEN] = csrf
            if not access.public:
                if identity is None:
                    return _unauthenticated(request, bad_bearer)
                if not grants(identity.roles, access.roles):
                    log.warning(
                        "access denied: user %s, %s %s needs %s",
                        identity.username,
                        request.method,
                        _route_pattern(request),
                        access,
                    )
                    return _error(request, Forbidden())
                if identity.via == "session" and request.method not in SAFE_METHODS:
                    assert csrf is not None
                    if not await _csrf_ok(request, csrf):
                        log.warning(
                            "CSRF check failed: user %s, %s %s",
                            identity.username,
                            request.method,
                            _route_pattern(request),
                        )
                        return _error(request, CsrfError())
            return await handler(request)
        except AuthError as exc:
            return _error(request, exc)

    return authenticate


def _access_for(request: web.Request) -> Access:
    match_info = request.match_info
    if match_info.http_exception is not None:
        return _ANY_USER
    return access_of_route(match_info.route, request.method)


def _is_static(request: web.Request) -> bool:
    return isinstance(request.match_info.route.resource, web.StaticResource)


def _route_pattern(request: web.Request) -> str:
    """The route's pattern (``/api/tokens/{id}``), never the raw path or query."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "(no route)"


async def _resolve(
    request: web.Request, service: AuthService
) -> tuple[Identity | None, str | None, bool]:
    """``(identity, csrf_token, bad_bearer)`` from the request's credentials."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return None, None, True
        identity = await service.authenticate_token(value.strip())
        return identity, None, identity is None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        active = await service.resolve_session(cookie)
        if active is not None:
            return active.identity, active.csrf_token, False
    return None, None, False


async def _csrf_ok(request: web.Request, expected: str) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.content_type in _FORM_TYPES:
        value = (await request.post()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    return given is not None and secrets_match(given, expected)


def wants_page(request: web.Request) -> bool:
    """A browser navigating to a page (not the JSON API): it gets HTML and redirects."""
    if request.path == "/api" or request.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("Accept", "")


def _unauthenticated(request: web.Request, bad_bearer: bool) -> web.StreamResponse:
    if wants_page(request) and not bad_bearer:
        if request.method in ("GET", "HEAD"):
            location = "/login?next=" + quote(request.path_qs, safe="")
            return web.Response(status=302, headers={"Location": location})
        return web.Response(status=303, headers={"Location": "/login"})
    return _error(request, AuthenticationRequired(), bad_bearer=bad_bearer)


def _error(request: web.Request, exc: AuthError, *, bad_bearer: bool = False) -> web.Response:
    headers = {"Cache-Control": "no-store"}
    if exc.status == 401:
        challenge = 'Bearer realm="urgentline"'
        if bad_bearer:
            challenge += ', error="invalid_token"'
        headers["WWW-Authenticate"] = challenge
    if wants_page(request) and exc.status == 403:
        html = render("error.html", title="Not allowed", message=exc.message)
        return web.Response(status=exc.status, text=html, content_type="text/html", headers=headers)
    return web.json_response(exc.as_json(), status=exc.status, headers=headers)
