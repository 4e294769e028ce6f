"""Fixtures for the dashboard pages: a migrated SQLite database, users, the app.

The pages only need access control from storage, so one embedded back end is
enough here; the storage back ends are tested under ``tests/callflow``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from callflow.auth import AuthService, Role
from callflow.storage import Database
from dashboards.hub import Hub
from tests.dashboards.web.kit import PASSWORD, Client, FakeSource, build_app, fast_auth


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture
async def auth(db: Database) -> AuthService:
    """The auth service, with one user per role named ``<role>-user``."""
    service = fast_auth(db)
    for role in Role:
        await service.create_user(f"{role.value}-user", PASSWORD, [role])
    return service


@pytest.fixture
def source() -> FakeSource:
    return FakeSource()


@pytest.fixture
def hub() -> Hub:
    return Hub()


@pytest.fixture
def app(db: Database, auth: AuthService, source: FakeSource, hub: Hub) -> web.Application:
    return build_app(db, auth, source, hub, ping_interval_s=0.2)


@pytest.fixture
async def client(app: web.Application, aiohttp_client: AiohttpClient) -> Client:
    return await aiohttp_client(app)
