"""Access-control operations: users, passwords, API tokens and browser sessions.

``AuthService`` is the one object the HTTP layer and the CLI share, as wazo's
services are: both stay thin and call it. Its answers are frozen values
(``Identity``, ``UserInfo``...), never table rows, so nothing outside this
module holds a password hash or a token hash.

Failed checks return ``None`` rather than raising: "who is this?" has a normal
answer of "nobody", and the caller decides between 401 and a login form.
Mistakes an operator can fix (unknown user, duplicate name, bad role) raise the
errors of ``callflow.auth.errors``.

Usage::

    auth = AuthService(Database(settings.database_url))
    await auth.create_user("sam", "a long passphrase", ["supervisor"])
    issued = await auth.issue_token("sam", "wallboard")
    identity = await auth.authenticate_token(issued.token)
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from callflow.auth import credentials
from callflow.auth.errors import (
    InvalidRoleError,
    InvalidUsernameError,
    NoSuchToken,
    NoSuchUser,
    UserExistsError,
    WeakPasswordError,
)
from callflow.auth.models import ApiToken, User, WebSession
from callflow.auth.roles import Role, decode_roles, encode_roles, grants, parse_roles
from callflow.storage.db import Database

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
DEFAULT_SESSION_TTL = timedelta(hours=8)
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most this often per token, not on every request."""

_MAX_ID = 2**31 - 1
"""Largest id an integer column holds: larger ids cannot exist (PostgreSQL rejects them)."""
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")

Via = Literal["token", "session"]


@dataclass(frozen=True, slots=True)
class Identity:
    """Who made a request, and how they proved it."""

    user_id: int
    username: str
    roles: frozenset[Role]
    via: Via

    def has(self, *roles: Role) -> bool:
        """True when this identity holds any of ``roles`` (``admin`` holds them all)."""
        return grants(self.roles, frozenset(roles))


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A valid browser session: who it is and the CSRF token bound to it."""

    identity: Identity
    csrf_token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token just issued; ``token`` is the only copy of the secret anywhere."""

    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    token: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as listings show it: never the secret, only its prefix."""

    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class UserInfo:
    id: int
    username: str
    roles: frozenset[Role]
    created_at: datetime
    disabled: bool
    has_password: bool


def normalise_username(username: str) -> str:
    """Usernames compare case-insensitively, so store them lower-case.

    Raises:
        InvalidUsernameError: empty, too long or with characters outside ``[a-z0-9._@-]``.
    """
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidUsernameError
    return name


def check_password_policy(password: str) -> None:
    """Length is the rule (NCSC guidance: long passphrases over composition rules).

    Raises:
        WeakPasswordError: shorter than 12 or longer than 1024 characters.
    """
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class AuthService:
    """Users, passwords, API tokens and sessions over one ``Database``.

    Args:
        db: a migrated database (revision 0002 or later).
        session_ttl: how long a browser session lasts from sign-in.
        hasher: the argon2 parameters; the library defaults unless a test wants speed.
        clock: the source of "now" (UTC), replaceable in tests of expiry.
    """

    def __init__(
        self,
        db: Database,
        *,
        session_ttl: timedelta = DEFAULT_SESSION_TTL,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._db = db
        self._ttl = session_ttl
        self._hasher = hasher or PasswordHasher()
        self._now = clock
        self._dummy_hash: str | None = None

    @property
    def session_ttl(self) -> timedelta:
        return self._ttl

    # -- users ---------------------------------------------------------------

    async def create_user(
        self, username: str, password: str | None, roles: Iterable[Role | str]
    ) -> UserInfo:
        """Add a user; ``password=None`` makes a token-only account.

        Raises:
            InvalidUsernameError, WeakPasswordError, InvalidRoleError: bad input.
            UserExistsError: the name is taken.
        """
        name = normalise_username(username)
        role_set = parse_roles(str(r) for r in roles)
        if not role_set:
            raise InvalidRoleError("")
        password_hash = None
        if password is not None:
            check_password_policy(password)
            password_hash = await asyncio.to_thread(self._hasher.hash, password)
        user = User(
            username=name,
            password_hash=password_hash,
            roles=encode_roles(role_set),
            created_at=self._now(),
        )

        def insert(session: Session) -> UserInfo:
            if _find_user(session, name) is not None:
                raise UserExistsError(name)
            session.add(user)
            session.flush()
            return _user_info(user)

        try:
            info = await self._db.run(insert)
        except IntegrityError:
            raise UserExistsError(name) from None
        log.info("user created: %s", name)
        return info

    async def ensure_user(
        self, username: str, password: str | None, roles: Iterable[Role | str]
    ) -> UserInfo:
        """Create the user, or make an existing one match: password, roles, enabled.

        For set-up code that must leave a known account behind whatever was there
        (the demo's admin, provisioning); people's accounts use ``create_user``.

        Raises:
            InvalidUsernameError, WeakPasswordError, InvalidRoleError: bad input.
        """
        role_list = list(roles)
        try:
            return await self.create_user(username, password, role_list)
        except UserExistsError:
            pass
        await self.set_password(username, password)
        await self.set_disabled(username, False)
        return await self.set_roles(username, role_list)

    async def set_password(self, username: str, password: str | None) -> None:
        """Replace a user's password (``None`` removes it) and end their sessions.

        Raises:
            WeakPasswordError: the new password breaks the policy.
            NoSuchUser: no such user.
        """
        name = normalise_username(username)
        password_hash = None
        if password is not None:
            check_password_policy(password)
            password_hash = await asyncio.to_thread(self._hasher.hash, password)

        def update(session: Session) -> None:
            user = _get_user(session, name)
            user.password_hash = password_hash
            session.add(user)
            session.execute(sa.delete(WebSession).where(col(WebSession.user_id) == user.id))

        await self._db.run(update)
        log.info("password changed: %s", name)

    async def set_roles(self, username: str, roles: Iterable[Role | str]) -> UserInfo:
        """Replace a user's roles; takes effect on their next request.

        Raises:
            InvalidRoleError: an unknown role, or none at all.
            NoSuchUser: no such user.
        """
        name = normalise_username(username)
        role_set = parse_roles(str(r) for r in roles)
        if not role_set:
            raise InvalidRoleError("")

        def update(session: Session) -> UserInfo:
            user = _get_user(session, name)
            user.roles = encode_roles(role_set)
            session.add(user)
            return _user_info(user)

        return await self._db.run(update)

    async def set_disabled(self, username: str, disabled: bool) -> None:
        """Lock (or unlock) an account: its password, tokens and sessions stop working.

        Raises:
            NoSuchUser: no such user.
        """
        name = normalise_username(username)

        def update(session: Session) -> None:
            user = _get_user(session, name)
            user.disabled = disabled
            session.add(user)
            if disabled:
                session.execute(sa.delete(WebSession).where(col(WebSession.user_id) == user.id))

        await self._db.run(update)
        log.info("user %s: %s", "disabled" if disabled else "enabled", name)

    async def list_users(self) -> list[UserInfo]:
        def query(session: Session) -> list[UserInfo]:
            users = session.exec(select(User).order_by(col(User.username))).all()
            return [_user_info(u) for u in users]

        return await self._db.run(query)

    # -- passwords -----------------------------------------------------------

    async def authenticate_password(self, username: str, password: str) -> Identity | None:
        """Check a username and password; ``None`` for any failure, with the same cost.

        An unknown user, a token-only account or a disabled one still costs one
        argon2 verification (against a dummy hash), so response time does not
        tell an attacker which usernames exist.
        """
        try:
            name = normalise_username(username)
        except InvalidUsernameError:
            name = ""
        user = await self._db.run(lambda s: _find_user(s, name)) if name else None
        stored = user.password_hash if user is not None else None
        ok = await asyncio.to_thread(self._verify, stored, password)
        if user is None or user.disabled or not ok:
            # Only a name that exists is logged: people type passwords into the
            # username field, and an unknown "name" may be one.
            log.warning(
                "password sign-in failed for %s",
                f"user {user.username}" if user is not None else "an unknown user",
            )
            return None
        assert user.id is not None and stored is not None
        if self._hasher.check_needs_rehash(stored):
            await self._rehash(user.id, password)
        return Identity(user.id, user.username, decode_roles(user.roles), "session")

    def _verify(self, stored: str | None, password: str) -> bool:
        """argon2 verify that never raises; runs on a worker thread."""
        if stored is None:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(credentials.new_secret())
            stored = self._dummy_hash
            real = False
        else:
            real = True
        try:
            return self._hasher.verify(stored, password) and real
        except (VerificationError, InvalidHashError):
            return False

    async def _rehash(self, user_id: int, password: str) -> None:
        """Upgrade a hash made with older argon2 parameters after a good sign-in."""
        new_hash = await asyncio.to_thread(self._hasher.hash, password)

        def update(session: Session) -> None:
            session.execute(
                sa.update(User).where(col(User.id) == user_id).values(password_hash=new_hash)
            )

        await self._db.run(update)

    # -- API tokens ----------------------------------------------------------

    async def issue_token(self, username: str, name: str = "default") -> IssuedToken:
        """Make a bearer token for a user; the plaintext is in the result only.

        Raises:
            NoSuchUser: no such user.
        """
        user_name = normalise_username(username)
        label = name.strip()[:64] or "default"
        token = credentials.new_api_token()
        now = self._now()

        def insert(session: Session) -> IssuedToken:
            user = _get_user(session, user_name)
            assert user.id is not None
            row = ApiToken(
                user_id=user.id,
                name=label,
                prefix=credentials.token_prefix(token),
                token_hash=credentials.digest(token),
                created_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return IssuedToken(row.id, user.username, label, row.prefix, now, token)

        issued = await self._db.run(insert)
        log.info("token %d issued for user %s", issued.id, issued.username)
        return issued

    async def revoke_token(self, token_id: int) -> None:
        """Revoke a token at once; revoking twice is harmless.

        Raises:
            NoSuchToken: no token has this id.
        """
        if not 0 < token_id <= _MAX_ID:
            raise NoSuchToken(token_id)
        now = self._now()

        def update(session: Session) -> None:
            row = session.get(ApiToken, token_id)
            if row is None:
                raise NoSuchToken(token_id)
            if row.revoked_at is None:
                row.revoked_at = now
                session.add(row)

        await self._db.run(update)
        log.info("token %d revoked", token_id)

    async def list_tokens(self, username: str | None = None) -> list[TokenInfo]:
        """Tokens (revoked ones too), oldest first; optionally one user's."""
        user_name = normalise_username(username) if username is not None else None

        def query(session: Session) -> list[TokenInfo]:
            stmt = (
                select(ApiToken, User)
                .join(User, col(User.id) == col(ApiToken.user_id))
                .order_by(col(ApiToken.id))
            )
            if user_name is not None:
                stmt = stmt.where(col(User.username) == user_name)
            return [
                TokenInfo(
                    id=t.id or 0,
                    username=u.username,
                    name=t.name,
                    prefix=t.prefix,
                    created_at=t.created_at,
                    last_used_at=t.last_used_at,
                    revoked_at=t.revoked_at,
                )
                for t, u in session.exec(stmt).all()
            ]

        return await self._db.run(query)

    async def authenticate_token(self, bearer: str) -> Identity | None:
        """Who holds this bearer token; ``None`` if unknown, revoked or the user is disabled."""
        if not credentials.looks_like_api_token(bearer):
            return None
        token_hash = credentials.digest(bearer)
        now = self._now()

        def lookup(session: Session) -> Identity | None:
            found = session.exec(
                select(ApiToken, User)
                .join(User, col(User.id) == col(ApiToken.user_id))
                .where(col(ApiToken.token_hash) == token_hash)
            ).first()
            if found is None:
                return None
            token, user = found
            if token.revoked_at is not None or user.disabled or user.id is None:
                return None
            if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
                token.last_used_at = now
                session.add(token)
            return Identity(user.id, user.username, decode_roles(user.roles), "token")

        identity = await self._db.run(lookup)
        if identity is None:
            log.info("bearer token rejected")
        return identity

    # -- browser sessions ----------------------------------------------------

    async def create_session(self, identity: Identity) -> tuple[str, str]:
        """Start a browser session for someone who just proved who they are.

        Returns:
            ``(cookie_value, csrf_token)``: the cookie goes to the browser, the
            database keeps only its SHA-256.
        """
        cookie = credentials.new_secret()
        csrf = credentials.new_secret()
        now = self._now()
        row = WebSession(
            id=credentials.digest(cookie),
            user_id=identity.user_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + self._ttl,
        )

        def insert(session: Session) -> None:
            # Sweep expired rows here: sign-ins are rare, so this costs nothing.
            session.execute(sa.delete(WebSession).where(col(WebSession.expires_at) <= now))
            session.add(row)

        await self._db.run(insert)
        log.info("session started for user %s", identity.username)
        return cookie, csrf

    async def resolve_session(self, cookie_value: str) -> ActiveSession | None:
        """The live session a cookie names; ``None`` when unknown, expired or disabled."""
        if not cookie_value or len(cookie_value) > 128:
            return None
        session_id = credentials.digest(cookie_value)
        now = self._now()

        def lookup(session: Session) -> ActiveSession | None:
            found = session.exec(
                select(WebSession, User)
                .join(User, col(User.id) == col(WebSession.user_id))
                .where(col(WebSession.id) == session_id)
            ).first()
            if found is None:
                return None
            web, user = found
            if web.expires_at <= now or user.disabled or user.id is None:
                return None
            identity = Identity(user.id, user.username, decode_roles(user.roles), "session")
            return ActiveSession(identity, web.csrf_token, web.expires_at)

        return await self._db.run(lookup)

    async def session_identity(self, cookie_value: str) -> Identity | None:
        """Who a session cookie belongs to (``resolve_session`` without the CSRF token)."""
        active = await self.resolve_session(cookie_value)
        return active.identity if active is not None else None

    async def end_session(self, cookie_value: str) -> None:
        """Sign out: forget the session; unknown cookies are ignored."""
        session_id = credentials.digest(cookie_value)

        def delete(session: Session) -> None:
            session.execute(sa.delete(WebSession).where(col(WebSession.id) == session_id))

        await self._db.run(delete)


def _find_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(col(User.username) == username)).first()


def _get_user(session: Session, username: str) -> User:
    user = _find_user(session, username)
    if user is None:
        raise NoSuchUser(username)
    return user


def _user_info(user: User) -> UserInfo:
    assert user.id is not None
    return UserInfo(
        id=user.id,
        username=user.username,
        roles=decode_roles(user.roles),
        created_at=user.created_at,
        disabled=user.disabled,
        has_password=user.password_hash is not None,
    )
