"""The typed keys under which access control keeps its objects (never string keys).

``AUTH_SERVICE`` lives on the application; ``IDENTITY`` and ``CSRF_TOKEN`` on
each request, set by the middleware before any handler runs.
"""

from __future__ import annotations

from aiohttp import web

from callflow.auth.services import AuthService, Identity
from callflow.settings import Settings

AUTH_SERVICE: web.AppKey[AuthService] = web.AppKey("auth_service", AuthService)
AUTH_SETTINGS: web.AppKey[Settings] = web.AppKey("auth_settings", Settings)
LOGIN_FORM_KEY: web.AppKey[str] = web.AppKey("auth_login_form_key", str)
"""HMAC key binding the login form's CSRF token to its pre-session cookie."""

IDENTITY: web.RequestKey[Identity] = web.RequestKey("auth_identity", Identity)
CSRF_TOKEN: web.RequestKey[str] = web.RequestKey("auth_csrf_token", str)


def identity_of(request: web.Request) -> Identity | None:
    """Who made this request, or ``None`` on a public route used anonymously."""
    value = request.get(IDENTITY)
    return value if isinstance(value, Identity) else None


def csrf_token_of(request: web.Request) -> str | None:
    """The session's CSRF token, for pages to put in their forms (``csrf_token`` field)."""
    value = request.get(CSRF_TOKEN)
    return value if isinstance(value, str) else None
