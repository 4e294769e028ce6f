"""One call mounts access control on the application: ``setup_auth``.

Call it from ``create_app`` before the application starts (middlewares cannot
be added to a running app). The middleware goes to the end of the list that
exists at that moment, so an error-rendering middleware added earlier still
wraps it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from aiohttp import web

from callflow.auth.http import add_routes
from callflow.auth.keys import AUTH_SERVICE, AUTH_SETTINGS, LOGIN_FORM_KEY
from callflow.auth.middleware import auth_middleware
from callflow.auth.services import AuthService
from callflow.settings import Settings
from callflow.storage.db import Database

log = logging.getLogger(__name__)

_DEFAULT_SECRET = "change-me-in-production"


def setup_auth(
    app: web.Application,
    db: Database,
    settings: Settings,
    *,
    service: AuthService | None = None,
) -> None:
    """Install the auth middleware, the sign-in/token routes and ``AUTH_SERVICE``.

    Args:
        app: the application, not yet started.
        db: a migrated database (revision 0002 or later).
        settings: the service settings (``secret_key`` keys the sign-in form's CSRF token).
        service: an ``AuthService`` to use instead of building one (tests).

    Usage::

        app = web.Application()
        setup_auth(app, db, settings)
        app.router.add_get("/dashboard", require(Role.SUPERVISOR)(dashboard))
    """
    secret = settings.secret_key.get_secret_value()
    if secret == _DEFAULT_SECRET:
        log.warning("URGENTLINE_SECRET_KEY is the default: set it before going live")
    auth = service or AuthService(db, session_ttl=timedelta(seconds=settings.session_ttl_s))
    app[AUTH_SERVICE] = auth
    app[AUTH_SETTINGS] = settings
    app[LOGIN_FORM_KEY] = "urgentline-login-form:" + secret
    app.middlewares.append(auth_middleware(auth))
    add_routes(app)
