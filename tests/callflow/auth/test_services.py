"""AuthService on both back ends: passwords, tokens, sessions, and what is stored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from argon2 import PasswordHasher
from sqlmodel import SQLModel

import callflow.auth.models  # noqa: F401  (registers the tables)
from callflow.auth import AuthService, Identity, Role
from callflow.auth.errors import (
    InvalidRoleError,
    InvalidUsernameError,
    NoSuchToken,
    NoSuchUser,
    UserExistsError,
    WeakPasswordError,
)
from callflow.storage import Database

from .conftest import PASSWORD

AUTH_TABLES = {"user", "api_token", "web_session"}


def dump_tables(database: Database) -> str:
    """Every value of every auth table, as one string, for "is the secret in here?"."""
    parts: list[str] = []
    with database.engine.connect() as conn:
        for name in ("user", "api_token", "web_session"):
            for row in conn.execute(sa.select(SQLModel.metadata.tables[name])):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


async def test_migration_matches_models(database: Database) -> None:
    """Alembic's 0002 and the SQLModel tables describe the same schema."""

    def auth_name(name: str | None, type_: str, parents: Mapping[str, str | None]) -> bool:
        if type_ == "schema":
            return True
        table = name if type_ == "table" else parents.get("table_name")
        return table in AUTH_TABLES

    def auth_object(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in AUTH_TABLES

    def diff() -> list[object]:
        with database.engine.connect() as conn:
            opts = {"include_name": auth_name, "include_object": auth_object}
            context = MigrationContext.configure(conn, opts=opts)
            return list(compare_metadata(context, SQLModel.metadata))

    assert diff() == []
    with database.engine.connect() as conn:
        columns = {c["name"]: c for c in sa.inspect(conn).get_columns("web_session")}
    assert getattr(columns["expires_at"]["type"], "timezone", False) or database.backend == "sqlite"


async def test_password_is_hashed_with_argon2_and_verifies(database: Database) -> None:
    auth = AuthService(database)  # the library's default (production) parameters
    info = await auth.create_user("Sam", PASSWORD, [Role.SUPERVISOR])
    assert info.username == "sam"
    assert info.roles == {Role.SUPERVISOR}
    stored = dump_tables(database)
    assert "$argon2id$" in stored
    assert PASSWORD not in stored

    identity = await auth.authenticate_password("SAM", PASSWORD)
    assert identity == Identity(info.id, "sam", frozenset({Role.SUPERVISOR}), "session")
    assert await auth.authenticate_password("sam", PASSWORD + "x") is None
    assert await auth.authenticate_password("nobody", PASSWORD) is None


class CountingHasher(PasswordHasher):
    calls = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        type(self).calls += 1
        return super().verify(hash, password)


async def test_unknown_user_costs_a_verification(database: Database) -> None:
    """No shortcut for unknown or token-only users: timing does not reveal names."""
    hasher = CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)
    auth = AuthService(database, hasher=hasher)
    await auth.create_user("robot", None, [Role.PROVIDER])
    CountingHasher.calls = 0
    assert await auth.authenticate_password("nobody", PASSWORD) is None
    assert await auth.authenticate_password("robot", PASSWORD) is None
    assert await auth.authenticate_password("not a valid name!", PASSWORD) is None
    assert CountingHasher.calls == 3


async def test_rehash_on_sign_in_when_parameters_change(database: Database) -> None:
    weak = AuthService(database, hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    await weak.create_user("pat", PASSWORD, [Role.COMMISSIONER])
    before = dump_tables(database)
    stronger = AuthService(database, hasher=PasswordHasher(time_cost=2, memory_cost=2048))
    assert await stronger.authenticate_password("pat", PASSWORD) is not None
    after = dump_tables(database)
    assert "m=2048,t=2" in after and "m=2048,t=2" not in before


async def test_bad_user_input_is_rejected(auth: AuthService) -> None:
    await auth.create_user("sam", PASSWORD, ["supervisor"])
    with pytest.raises(UserExistsError) as exists:
        await auth.create_user("SAM", PASSWORD, ["admin"])
    assert exists.value.error_id == "user-exists"
    assert exists.value.status == 409
    with pytest.raises(WeakPasswordError):
        await auth.create_user("kim", "short", ["admin"])
    with pytest.raises(InvalidRoleError):
        await auth.create_user("kim", PASSWORD, ["superuser"])
    with pytest.raises(InvalidRoleError):
        await auth.create_user("kim", PASSWORD, [])
    with pytest.raises(InvalidUsernameError):
        await auth.create_user("kim smith", PASSWORD, ["admin"])
    with pytest.raises(NoSuchUser):
        await auth.issue_token("kim", "x")
    with pytest.raises(NoSuchUser):
        await auth.set_password("kim", PASSWORD)


async def test_token_issue_verify_revoke(auth: AuthService) -> None:
    info = await auth.create_user("wallboard", None, [Role.SUPERVISOR])
    issued = await auth.issue_token("wallboard", "screen 1")
    assert issued.token.startswith("ult_") and issued.prefix == issued.token[:12]
    assert issued.token not in repr(issued)

    identity = await auth.authenticate_token(issued.token)
    assert identity == Identity(info.id, "wallboard", frozenset({Role.SUPERVISOR}), "token")
    tampered = issued.token[:-1] + ("B" if issued.token.endswith("A") else "A")
    assert await auth.authenticate_token(tampered) is None
    assert await auth.authenticate_token("not-a-token") is None

    [listed] = await auth.list_tokens("wallboard")
    assert (listed.id, listed.name, listed.prefix) == (issued.id, "screen 1", issued.prefix)
    assert listed.last_used_at is not None and listed.revoked_at is None

    await auth.revoke_token(issued.id)
    await auth.revoke_token(issued.id)  # twice is harmless
    assert await auth.authenticate_token(issued.token) is None
    [listed] = await auth.list_tokens()
    assert listed.revoked_at is not None
    with pytest.raises(NoSuchToken):
        await auth.revoke_token(issued.id + 1000)


async def test_secrets_are_stored_only_as_hashes(database: Database, auth: AuthService) -> None:
    await auth.create_user("sam", PASSWORD, [Role.ADMIN])
    issued = await auth.issue_token("sam")
    identity = await auth.authenticate_password("sam", PASSWORD)
    assert identity is not None
    cookie, csrf = await auth.create_session(identity)

    stored = dump_tables(database)
    assert issued.token not in stored
    assert issued.token[len(issued.prefix) :] not in stored  # not even the secret part
    assert cookie not in stored
    assert PASSWORD not in stored
    assert csrf in stored  # the CSRF token is bound to the session row by design


async def test_session_lifecycle_and_expiry(
    database: Database, fast_hasher: PasswordHasher
) -> None:
    now = [datetime(2026, 11, 24, 9, 0, tzinfo=UTC)]
    auth = AuthService(
        database, hasher=fast_hasher, session_ttl=timedelta(hours=1), clock=lambda: now[0]
    )
    await auth.create_user("sam", PASSWORD, [Role.SUPERVISOR])
    identity = await auth.authenticate_password("sam", PASSWORD)
    assert identity is not None
    cookie, csrf = await auth.create_session(identity)

    active = await auth.resolve_session(cookie)
    assert active is not None and active.identity == identity and active.csrf_token == csrf
    assert csrf not in repr(active)
    assert await auth.session_identity("x" * 43) is None

    now[0] += timedelta(minutes=61)
    assert await auth.session_identity(cookie) is None

    cookie2, _ = await auth.create_session(identity)  # also sweeps the expired row
    assert await auth.session_identity(cookie2) == identity
    with database.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM web_session")).scalar_one() == 1
    await auth.end_session(cookie2)
    assert await auth.session_identity(cookie2) is None


async def test_password_change_and_disable_cut_access(auth: AuthService) -> None:
    await auth.create_user("sam", PASSWORD, [Role.SUPERVISOR])
    issued = await auth.issue_token("sam")
    identity = await auth.authenticate_password("sam", PASSWORD)
    assert identity is not None
    cookie, _ = await auth.create_session(identity)

    await auth.set_password("sam", PASSWORD + " two")
    assert await auth.session_identity(cookie) is None
    assert await auth.authenticate_password("sam", PASSWORD) is None
    assert await auth.authenticate_password("sam", PASSWORD + " two") is not None

    await auth.set_disabled("sam", True)
    assert await auth.authenticate_token(issued.token) is None
    assert await auth.authenticate_password("sam", PASSWORD + " two") is None
    await auth.set_disabled("sam", False)
    assert await auth.authenticate_token(issued.token) is not None


async def test_roles_admin_implies_all(auth: AuthService) -> None:
    await auth.create_user("root", PASSWORD, [Role.ADMIN])
    identity = await auth.authenticate_password("root", PASSWORD)
    assert identity is not None
    assert all(identity.has(role) for role in Role)
    updated = await auth.set_roles("root", ["provider", "commissioner"])
    assert updated.roles == {Role.PROVIDER, Role.COMMISSIONER}
    identity = await auth.authenticate_password("root", PASSWORD)
    assert identity is not None
    assert identity.has(Role.PROVIDER) and not identity.has(Role.SUPERVISOR)


async def test_ensure_user_creates_then_resets(auth: AuthService) -> None:
    created = await auth.ensure_user("demo", PASSWORD, ["admin"])
    assert created.roles == {Role.ADMIN}
    await auth.set_disabled("demo", True)
    again = await auth.ensure_user("demo", PASSWORD + " 2", ["supervisor"])
    assert again.id == created.id and again.roles == {Role.SUPERVISOR} and not again.disabled
    assert await auth.authenticate_password("demo", PASSWORD) is None
    assert await auth.authenticate_password("demo", PASSWORD + " 2") is not None
