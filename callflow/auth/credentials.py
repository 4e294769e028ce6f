"""Making and checking secrets: API tokens, session cookies, CSRF tokens.

Every secret is 256 bits from ``secrets``. Because they are random (not chosen
by people), a single SHA-256 is a sound verifier: there is nothing to guess,
so the slow argon2 hash is kept for passwords only. Comparisons of secrets
use ``hmac.compare_digest``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_SCHEME = "ult_"
"""Start of every API token: lets secret scanners and log filters recognise them."""

_TOKEN_BODY_LENGTH = 43  # token_urlsafe(32)
PREFIX_LENGTH = len(TOKEN_SCHEME) + 8
"""How much of a token is kept for display: the scheme and 48 of its 256 random bits."""


def new_secret() -> str:
    """A 256-bit URL-safe random string (cookie values, CSRF tokens)."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """A fresh bearer token: ``ult_`` + 43 URL-safe characters."""
    return TOKEN_SCHEME + new_secret()


def token_prefix(token: str) -> str:
    """The non-secret part of a token shown in listings."""
    return token[:PREFIX_LENGTH]


def looks_like_api_token(value: str) -> bool:
    """Cheap shape check so junk never reaches the database."""
    return (
        value.startswith(TOKEN_SCHEME)
        and len(value) == len(TOKEN_SCHEME) + _TOKEN_BODY_LENGTH
        and value.isascii()
    )


def digest(secret: str) -> str:
    """The stored verifier of a random secret: lower-case hex SHA-256."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secrets_match(given: str, expected: str) -> bool:
    """Constant-time equality of two secrets given as text."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def bound_token(key: str, value: str) -> str:
    """A token derived from ``value`` under ``key`` (HMAC-SHA-256, URL-safe hex).

    Used for the login form's CSRF token, bound to a pre-session cookie, so the
    server stores nothing before someone signs in.
    """
    return hmac.new(key.encode("utf-8"), value.encode("utf-8"), hashlib.sha256).hexdigest()
