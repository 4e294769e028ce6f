"""Fixtures for access control: a fast hasher, a service, and a test application.

The test application mounts ``setup_auth`` plus a few stand-in routes (an
undeclared one, role-restricted API and page routes, a class-based view, a
sub-application and static files), so the middleware is tested on the same
kinds of routes the real service registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from pytest_aiohttp import AiohttpClient

from callflow.auth import (
    AuthService,
    Role,
    authenticated,
    public,
    require,
    setup_auth,
)
from callflow.settings import Settings
from callflow.storage import Database

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-for-login-forms"


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    """Cheap argon2 parameters: the algorithm is the same, the tests are quicker."""
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture
def auth(database: Database, fast_hasher: PasswordHasher) -> AuthService:
    return AuthService(database, hasher=fast_hasher)


async def undeclared(request: web.Request) -> web.Response:
    return web.json_response({"ok": "undeclared"})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@require(Role.SUPERVISOR)
async def supervisor_api(request: web.Request) -> web.Response:
    return web.json_response({"ok": "supervisor"})


@require(Role.SUPERVISOR)
async def supervisor_action(request: web.Request) -> web.Response:
    form = await request.post() if request.content_type != "application/json" else {}
    return web.json_response({"ok": "acted", "fields": sorted(form)})


@require(Role.SUPERVISOR, Role.COMMISSIONER)
async def dashboard_page(request: web.Request) -> web.Response:
    return web.Response(text="<h1>dashboard</h1>", content_type="text/html")


@public
async def open_data(request: web.Request) -> web.Response:
    return web.json_response({"calls": 0})


class ScriptsView(web.View):
    """A class-based view with per-method declarations."""

    @authenticated
    async def get(self) -> web.Response:
        return web.json_response({"scripts": []})

    @require(Role.COMMISSIONER)
    async def post(self) -> web.Response:
        return web.json_response({"published": True})

    async def delete(self) -> web.Response:  # undeclared: admin only
        return web.Response(status=204)


@require(Role.PROVIDER)
async def provider_sub(request: web.Request) -> web.Response:
    return web.json_response({"ok": "provider"})


async def sub_undeclared(request: web.Request) -> web.Response:
    return web.json_response({"ok": "sub"})


def build_app(
    database: Database, service: AuthService, static_dir: Path, *, cookie_secure: bool = False
) -> web.Application:
    app = web.Application()
    setup_auth(
        app,
        database,
        Settings(secret_key=SECRET_KEY, cookie_secure=cookie_secure),
        service=service,
    )
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/undeclared", undeclared)
    app.router.add_get("/api/supervisor", supervisor_api)
    app.router.add_post("/api/action", supervisor_action)
    app.router.add_post("/action", supervisor_action)
    app.router.add_get("/dashboard", dashboard_page)
    app.router.add_get("/open-data", open_data)
    app.router.add_view("/api/scripts", ScriptsView)
    app.router.add_static("/static", static_dir)
    sub = web.Application()
    sub.router.add_get("/calls", provider_sub)
    sub.router.add_get("/secret", sub_undeclared)
    app.add_subapp("/providers", sub)
    return app


@dataclass
class Users:
    """Ids and tokens of one user per role, made for a test."""

    tokens: dict[Role, str]


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "app.css").write_text("body { color: black }")
    return folder


@pytest.fixture
def app(database: Database, auth: AuthService, static_dir: Path) -> web.Application:
    return build_app(database, auth, static_dir)


@pytest.fixture
async def client(
    app: web.Application, aiohttp_client: AiohttpClient
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(app)


@pytest.fixture
async def users(auth: AuthService) -> Users:
    """One user per role (password ``PASSWORD``) and a bearer token for each."""
    tokens: dict[Role, str] = {}
    for role in Role:
        await auth.create_user(role.value + "-user", PASSWORD, [role])
        tokens[role] = (await auth.issue_token(role.value + "-user", "tests")).token
    return Users(tokens)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: Client, username: str) -> str:
    """Sign in through the form like a browser; returns the session's CSRF token."""
    page = await client.get("/login")
    assert page.status == 200
    csrf = form_csrf(await page.text())
    response = await client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf, "next": "/"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    me = await client.get("/api/me")
    assert me.status == 200
    body = await me.json()
    token = body["csrf_token"]
    assert isinstance(token, str)
    return token


def form_csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
