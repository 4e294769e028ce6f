"""HTTP resources of access control: sign-in and sign-out pages, ``/api/me``, tokens.

Handlers stay thin, as wazo's ``http.py`` modules do: read the request, call
``AuthService``, shape the answer. Each declares who may call it.

The sign-in form has a CSRF token too ("login CSRF": a hostile page must not
sign a victim in to the attacker's account). There is no session yet, so the
token is an HMAC of a random pre-session cookie under the service's secret key:
nothing is stored before someone signs in.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from callflow.auth.access import authenticated, public, require
from callflow.auth.credentials import bound_token, new_secret, secrets_match
from callflow.auth.errors import InvalidRequest
from callflow.auth.keys import (
    AUTH_SERVICE,
    AUTH_SETTINGS,
    LOGIN_FORM_KEY,
    csrf_token_of,
    identity_of,
)
from callflow.auth.middleware import SESSION_COOKIE, wants_page
from callflow.auth.pages import PAGE_HEADERS, render
from callflow.auth.roles import Role
from callflow.auth.services import Identity, TokenInfo

log = logging.getLogger(__name__)

PRESESSION_COOKIE = "urgentline_presession"
PRESESSION_MAX_AGE = 3600
DEFAULT_NEXT = "/"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a local path, or ``/`` for anything else.

    Rejects absolute and scheme-relative URLs (``https://x``, ``//x``), backslash
    tricks that browsers read as ``//`` (``/\\x``), control characters, and the
    login page itself.
    """
    if not value or len(value) > 2048 or not value.startswith("/") or value.startswith("//"):
        return DEFAULT_NEXT
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return DEFAULT_NEXT
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path == "/login":
        return DEFAULT_NEXT
    return value


# -- sign-in / sign-out ----------------------------------------------------------


@public
async def login_form(request: web.Request) -> web.Response:
    """GET /login: the sign-in form."""
    return _login_page(request, next_url=safe_next(request.query.get("next")))


@public
async def login_submit(request: web.Request) -> web.Response:
    """POST /login: check the form, start a session, go back to ``next``."""
    form = await request.post()
    username = _field(form, "username")
    password = _field(form, "password")
    next_url = safe_next(_field(form, "next"))
    presession = request.cookies.get(PRESESSION_COOKIE, "")
    expected = bound_token(request.app[LOGIN_FORM_KEY], presession)
    if not presession or not secrets_match(_field(form, "csrf_token"), expected):
        log.warning("sign-in form rejected: missing or wrong CSRF token")
        return _login_page(
            request,
            next_url=next_url,
            error="The sign-in form had expired. Please try again.",
            status=403,
            fresh=True,
        )
    service = request.app[AUTH_SERVICE]
    identity = await service.authenticate_password(username, password)
    if identity is None:
        return _login_page(
            request,
            next_url=next_url,
            error="The username or password is wrong.",
            status=401,
            username=username,
        )
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await service.end_session(old)  # never keep a session id across a sign-in
    cookie, _csrf = await service.create_session(identity)
    response = web.Response(status=303, headers={"Location": next_url, **PAGE_HEADERS})
    settings = request.app[AUTH_SETTINGS]
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        path="/",
        max_age=settings.session_ttl_s,
        httponly=True,
        samesite="Strict",
        secure=settings.cookie_secure,
    )
    _clear_cookie(request, response, PRESESSION_COOKIE, path="/login")
    log.info("signed in: user %s", identity.username)
    return response


@authenticated
async def logout(request: web.Request) -> web.Response:
    """POST /logout: end this browser's session (CSRF-checked by the middleware)."""
    identity = _identity(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie and identity.via == "session":
        await request.app[AUTH_SERVICE].end_session(cookie)
        log.info("signed out: user %s", identity.username)
    if wants_page(request):
        response = web.Response(status=303, headers={"Location": "/login"})
    else:
        response = web.Response(status=204)
    _clear_cookie(request, response, SESSION_COOKIE, path="/")
    return response


def _login_page(
    request: web.Request,
    *,
    next_url: str,
    error: str | None = None,
    status: int = 200,
    username: str = "",
    fresh: bool = False,
) -> web.Response:
    presession = "" if fresh else request.cookies.get(PRESESSION_COOKIE, "")
    if not (20 <= len(presession) <= 64 and presession.isascii()):
        presession = new_secret()
    csrf = bound_token(request.app[LOGIN_FORM_KEY], presession)
    html = render(
        "login.html",
        title="Sign in",
        error=error,
        csrf_token=csrf,
        next=next_url,
        username=username[:64],
    )
    headers = dict(PAGE_HEADERS)
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="urgentline"'
    response = web.Response(status=status, text=html, content_type="text/html", headers=headers)
    response.set_cookie(
        PRESESSION_COOKIE,
        presession,
        path="/login",
        max_age=PRESESSION_MAX_AGE,
        httponly=True,
        samesite="Strict",
        secure=request.app[AUTH_SETTINGS].cookie_secure,
    )
    return response


def _clear_cookie(
    request: web.Request, response: web.StreamResponse, name: str, *, path: str
) -> None:
    response.del_cookie(
        name,
        path=path,
        httponly=True,
        samesite="Strict",
        secure=request.app[AUTH_SETTINGS].cookie_secure,
    )


def _field(form: Mapping[str, object], name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# -- JSON API ------------------------------------------------------------------


class TokenRequest(BaseModel):
    """Body of ``POST /api/tokens``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1, max_length=64)
    name: str = Field("default", min_length=1, max_length=64)


@authenticated
async def me(request: web.Request) -> web.Response:
    """GET /api/me: who you are; a browser session also gets its CSRF token for scripts."""
    identity = _identity(request)
    body: dict[str, object] = {
        "user_id": identity.user_id,
        "username": identity.username,
        "roles": sorted(r.value for r in identity.roles),
        "via": identity.via,
    }
    csrf = csrf_token_of(request)
    if csrf is not None:
        body["csrf_token"] = csrf
    return web.json_response(body, headers={"Cache-Control": "no-store"})


@require(Role.ADMIN)
async def list_tokens(request: web.Request) -> web.Response:
    """GET /api/tokens[?username=]: every token's id, owner, name and prefix."""
    username = request.query.get("username")
    tokens = await request.app[AUTH_SERVICE].list_tokens(username)
    return web.json_response([_token_json(t) for t in tokens])


@require(Role.ADMIN)
async def issue_token(request: web.Request) -> web.Response:
    """POST /api/tokens ``{"username", "name"}``: 201 with the token, shown this once."""
    try:
        body = TokenRequest.model_validate_json(await request.read())
    except ValidationError as exc:
        raise InvalidRequest(
            'The body must be JSON: {"username": ..., "name": ...}',
            {"errors": [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]},
        ) from None
    issued = await request.app[AUTH_SERVICE].issue_token(body.username, body.name)
    log.info("token %d issued by %s", issued.id, _identity(request).username)
    return web.json_response(
        {
            "id": issued.id,
            "username": issued.username,
            "name": issued.name,
            "prefix": issued.prefix,
            "created_at": issued.created_at.isoformat(),
            "token": issued.token,
        },
        status=201,
        headers={"Cache-Control": "no-store"},
    )


@require(Role.ADMIN)
async def revoke_token(request: web.Request) -> web.Response:
    """DELETE /api/tokens/{id}: revoke at once; 404 when no such token."""
    token_id = int(request.match_info["id"])
    await request.app[AUTH_SERVICE].revoke_token(token_id)
    log.info("token %d revoked by %s", token_id, _identity(request).username)
    return web.Response(status=204)


def _identity(request: web.Request) -> Identity:
    identity = identity_of(request)
    if identity is None:  # the middleware guarantees one on non-public routes
        raise RuntimeError("handler reached without an identity")
    return identity


def _token_json(token: TokenInfo) -> dict[str, object]:
    return {
        "id": token.id,
        "username": token.username,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def add_routes(app: web.Application) -> None:
    """Register this module's routes on ``app``."""
    app.router.add_get("/login", login_form, name="login")
    app.router.add_post("/login", login_submit)
    app.router.add_post("/logout", logout, name="logout")
    app.router.add_get("/api/me", me, name="api-me")
    app.router.add_get("/api/tokens", list_tokens, name="api-tokens")
    app.router.add_post("/api/tokens", issue_token)
    app.router.add_delete(r"/api/tokens/{id:\d{1,12}}", revoke_token, name="api-token")
