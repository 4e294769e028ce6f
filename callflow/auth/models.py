"""SQL tables of access control: users, API tokens and browser sessions.

Only verifiers are stored, never a secret that could be replayed: an argon2
hash for passwords, a SHA-256 hash for API tokens and session cookies (they are
random 256-bit values, so a fast hash is enough and lookups stay indexed). The
schema is created by ``alembic/versions/0002_auth.py``; keep the two in step.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    """A person or system that signs in.

    ``password_hash`` is ``None`` for accounts that only use API tokens (a
    provider's system, a metrics scraper): they cannot sign in with a password.
    ``roles`` is a sorted comma list (``callflow.auth.roles.encode_roles``).
    """

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    roles: str = Field(max_length=255)
    created_at: datetime
    disabled: bool = False


class ApiToken(SQLModel, table=True):
    """A bearer token; the plaintext is shown once when issued and never stored.

    ``prefix`` is the first characters of the token, kept so an operator can
    tell tokens apart in ``users list`` without the secret part.
    """

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=64)
    prefix: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class WebSession(SQLModel, table=True):
    """A signed-in browser; ``id`` is the SHA-256 of the cookie, not the cookie.

    ``csrf_token`` is bound to this session: unsafe requests made with the
    cookie must echo it (see ``callflow.auth.middleware``).
    """

    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime
    expires_at: datetime = Field(index=True)
