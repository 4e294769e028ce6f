"""Access control: users and roles, API tokens, browser sessions, CSRF, deny by default.

Mount it with ``setup_auth(app, db, settings)``; declare each handler's access
with ``@public``, ``@authenticated`` or ``@require(Role...)`` (undeclared means
admin only). ``docs/security.md`` describes the policy.
"""

from callflow.auth.access import (
    Access,
    authenticated,
    public,
    require,
    route_access,
)
from callflow.auth.keys import (
    AUTH_SERVICE,
    AUTH_SETTINGS,
    CSRF_TOKEN,
    IDENTITY,
    csrf_token_of,
    identity_of,
)
from callflow.auth.roles import Role
from callflow.auth.services import AuthService, Identity, IssuedToken, TokenInfo, UserInfo
from callflow.auth.wiring import setup_auth

__all__ = [
    "AUTH_SERVICE",
    "AUTH_SETTINGS",
    "CSRF_TOKEN",
    "IDENTITY",
    "Access",
    "AuthService",
    "Identity",
    "IssuedToken",
    "Role",
    "TokenInfo",
    "UserInfo",
    "authenticated",
    "csrf_token_of",
    "identity_of",
    "public",
    "require",
    "route_access",
    "setup_auth",
]
