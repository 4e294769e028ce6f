"""Errors of access control, as data an HTTP client (or the CLI) can act on.

Tree::

    AuthError (status, error_id, message, details)
    ├── AuthenticationRequired   401 authentication-required
    ├── Forbidden                403 forbidden
    ├── CsrfError                403 csrf-failed
    ├── InvalidRequest           422 invalid-request
    ├── InvalidRoleError         422 invalid-role
    ├── InvalidUsernameError     422 invalid-username
    ├── WeakPasswordError        422 weak-password
    ├── NoSuchUser               404 no-such-user
    ├── NoSuchToken              404 no-such-token
    └── UserExistsError          409 user-exists

Each has the shape of the service's ``ApiError`` (status, kebab-case
``error_id``, message, details) so the middleware renders them all the same
way. Messages and details carry usernames and ids only: never a password, a
token, a cookie or anything typed into a form.
"""

from __future__ import annotations

from callflow.errors import ApiError


class AuthError(ApiError):
    """Base of every error this package raises on purpose."""

    error_id = "auth-error"


class AuthenticationRequired(AuthError):
    status = 401
    error_id = "authentication-required"

    def __init__(self, message: str = "Sign in or send a bearer token") -> None:
        super().__init__(message)


class Forbidden(AuthError):
    status = 403
    error_id = "forbidden"

    def __init__(self, message: str = "Your roles do not allow this") -> None:
        super().__init__(message)


class CsrfError(AuthError):
    status = 403
    error_id = "csrf-failed"

    def __init__(self) -> None:
        super().__init__(
            "Missing or wrong CSRF token: send the X-CSRF-Token header or a csrf_token field"
        )


class InvalidRequest(AuthError):
    status = 422
    error_id = "invalid-request"


class InvalidRoleError(AuthError):
    status = 422
    error_id = "invalid-role"

    def __init__(self, role: str) -> None:
        super().__init__(
            "Unknown role; use commissioner, supervisor, provider or admin", {"role": role[:32]}
        )


class InvalidUsernameError(AuthError):
    status = 422
    error_id = "invalid-username"

    def __init__(self) -> None:
        super().__init__("Usernames are 1-64 characters: letters, digits and . _ @ - (not first)")


class WeakPasswordError(AuthError):
    status = 422
    error_id = "weak-password"

    def __init__(self, minimum: int, maximum: int) -> None:
        super().__init__(
            f"Passwords must be {minimum} to {maximum} characters long",
            {"min_length": minimum, "max_length": maximum},
        )


class NoSuchUser(AuthError):
    status = 404
    error_id = "no-such-user"

    def __init__(self, username: str) -> None:
        super().__init__("No such user", {"username": username})


class NoSuchToken(AuthError):
    status = 404
    error_id = "no-such-token"

    def __init__(self, token_id: int) -> None:
        super().__init__("No such token", {"token_id": token_id})


class UserExistsError(AuthError):
    status = 409
    error_id = "user-exists"

    def __init__(self, username: str) -> None:
        super().__init__("A user with this name already exists", {"username": username})
