"""The middleware: deny by default, roles, 401/302/403, CSRF, and the route table."""

from __future__ import annotations

import pytest
from aiohttp import web

from callflow.auth import AuthService, Role, authenticated, public, require, route_access
from callflow.auth.access import DEFAULT_ACCESS, PUBLIC
from callflow.auth.access import declared_access as route_access_of

from .conftest import Client, Users, bearer, login


async def test_undeclared_route_is_admin_only(client: Client, users: Users) -> None:
    anonymous = await client.get("/api/undeclared")
    assert anonymous.status == 401
    assert (await anonymous.json())["error_id"] == "authentication-required"
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="urgentline"'

    for role in (Role.SUPERVISOR, Role.COMMISSIONER, Role.PROVIDER):
        denied = await client.get("/api/undeclared", headers=bearer(users.tokens[role]))
        assert denied.status == 403, role
        assert (await denied.json())["error_id"] == "forbidden"

    allowed = await client.get("/api/undeclared", headers=bearer(users.tokens[Role.ADMIN]))
    assert allowed.status == 200


async def test_undeclared_route_in_sub_application_is_admin_only(
    client: Client, users: Users
) -> None:
    denied = await client.get("/providers/secret", headers=bearer(users.tokens[Role.PROVIDER]))
    assert denied.status == 403
    ok = await client.get("/providers/calls", headers=bearer(users.tokens[Role.PROVIDER]))
    assert ok.status == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
        (Role.COMMISSIONER, 403),
        (Role.PROVIDER, 403),
    ],
)
async def test_role_checks(client: Client, users: Users, role: Role, status: int) -> None:
    response = await client.get("/api/supervisor", headers=bearer(users.tokens[role]))
    assert response.status == status


async def test_class_based_view_methods_are_declared_apart(client: Client, users: Users) -> None:
    supervisor = bearer(users.tokens[Role.SUPERVISOR])
    commissioner = bearer(users.tokens[Role.COMMISSIONER])
    assert (await client.get("/api/scripts", headers=supervisor)).status == 200
    assert (await client.post("/api/scripts", headers=supervisor)).status == 403
    assert (await client.post("/api/scripts", headers=commissioner)).status == 200
    assert (await client.delete("/api/scripts", headers=commissioner)).status == 403
    admin = bearer(users.tokens[Role.ADMIN])
    assert (await client.delete("/api/scripts", headers=admin)).status == 204


async def test_revoked_or_bad_token_is_401(client: Client, users: Users, auth: AuthService) -> None:
    [token_info] = await auth.list_tokens("supervisor-user")
    await auth.revoke_token(token_info.id)
    for headers in (
        bearer(users.tokens[Role.SUPERVISOR]),
        bearer("ult_" + "x" * 43),
        {"Authorization": "Basic c2FtOnB3"},
        {"Authorization": "Bearer"},
    ):
        response = await client.get("/api/supervisor", headers=headers)
        assert response.status == 401, headers
        assert "invalid_token" in response.headers["WWW-Authenticate"]
        assert (await response.json())["error_id"] == "authentication-required"


async def test_bad_bearer_never_falls_back_to_the_cookie(client: Client, users: Users) -> None:
    await login(client, "supervisor-user")
    assert (await client.get("/api/supervisor")).status == 200
    response = await client.get("/api/supervisor", headers=bearer("ult_" + "y" * 43))
    assert response.status == 401


async def test_pages_redirect_to_login_and_api_does_not(client: Client) -> None:
    page = await client.get(
        "/dashboard?view=today",
        headers={"Accept": "text/html,application/xhtml+xml"},
        allow_redirects=False,
    )
    assert page.status == 302
    assert page.headers["Location"] == "/login?next=%2Fdashboard%3Fview%3Dtoday"

    api = await client.get(
        "/api/supervisor", headers={"Accept": "text/html"}, allow_redirects=False
    )
    assert api.status == 401
    assert api.content_type == "application/json"

    plain = await client.get("/dashboard", allow_redirects=False)
    assert plain.status == 401  # no Accept: text/html, so not a browser page view


async def test_wrong_role_on_a_page_is_a_403_page(client: Client, users: Users) -> None:
    await login(client, "provider-user")
    response = await client.get("/dashboard", headers={"Accept": "text/html"})
    assert response.status == 403
    assert response.content_type == "text/html"
    assert "Not allowed" in await response.text()


async def test_public_routes_need_nothing(client: Client) -> None:
    assert (await client.get("/healthz")).status == 200  # undeclared, but a probe
    assert (await client.get("/open-data")).status == 200
    assert (await client.get("/static/app.css")).status == 200
    assert (await client.get("/login")).status == 200


async def test_unknown_paths_need_a_signed_in_user(client: Client, users: Users) -> None:
    assert (await client.get("/no/such/page")).status == 401
    supervisor = bearer(users.tokens[Role.SUPERVISOR])
    assert (await client.get("/no/such/page", headers=supervisor)).status == 404
    assert (await client.put("/api/supervisor", headers=supervisor)).status == 405


async def test_session_post_needs_csrf_token(client: Client, users: Users) -> None:
    csrf = await login(client, "supervisor-user")

    missing = await client.post("/api/action", json={"x": 1})
    assert missing.status == 403
    assert (await missing.json())["error_id"] == "csrf-failed"

    wrong = await client.post("/api/action", json={}, headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status == 403

    header = await client.post("/api/action", json={}, headers={"X-CSRF-Token": csrf})
    assert header.status == 200

    form = await client.post("/action", data={"csrf_token": csrf, "note": "hello"})
    assert form.status == 200
    assert (await form.json())["fields"] == ["csrf_token", "note"]  # handler still reads it

    form_missing = await client.post("/action", data={"note": "hello"})
    assert form_missing.status == 403


async def test_bearer_requests_are_exempt_from_csrf(client: Client, users: Users) -> None:
    response = await client.post(
        "/api/action", json={}, headers=bearer(users.tokens[Role.SUPERVISOR])
    )
    assert response.status == 200


def test_route_table_walk(app: web.Application) -> None:
    """Every route is either on the public list or needs a signed-in role."""
    table = route_access(app)
    public_routes = {(m, p) for m, p, a in table if a.public}
    assert public_routes == {
        ("GET", "/healthz"),
        ("HEAD", "/healthz"),
        ("GET", "/login"),
        ("HEAD", "/login"),
        ("POST", "/login"),
        ("GET", "/open-data"),
        ("HEAD", "/open-data"),
        ("GET", "/static"),
        ("HEAD", "/static"),
    }
    for method, path, access in table:
        if (method, path) not in public_routes:
            assert not access.public, (method, path)

    rules = {(m, p): str(a) for m, p, a in table}
    assert rules[("GET", "/api/undeclared")] == "roles:admin"
    assert rules[("GET", "/providers/secret")] == "roles:admin"
    assert rules[("GET", "/providers/calls")] == "roles:provider"
    assert rules[("GET", "/dashboard")] == "roles:commissioner|supervisor"
    assert rules[("GET", "/api/me")] == "authenticated"
    assert rules[("POST", "/api/tokens")] == "roles:admin"
    assert rules[("DELETE", "/api/tokens/{id}")] == "roles:admin"
    assert rules[("GET", "/api/scripts")] == "authenticated"
    assert rules[("POST", "/api/scripts")] == "roles:commissioner"
    assert rules[("DELETE", "/api/scripts")] == "roles:admin"


def test_declaration_helpers_refuse_mistakes() -> None:
    with pytest.raises(TypeError):
        require()

    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    assert public(handler) is handler
    with pytest.raises(ValueError, match="conflicting"):
        authenticated(handler)

    class Holder:
        async def method(self, request: web.Request) -> web.Response:
            return web.Response()

    with pytest.raises(TypeError, match="bound method"):
        require(Role.ADMIN)(Holder().method)

    assert str(DEFAULT_ACCESS) == "roles:admin" and str(PUBLIC) == "public"


def test_require_takes_role_names() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    require("supervisor", Role.ADMIN)(handler)
    assert str(route_access_of(handler)) == "roles:admin|supervisor"
    with pytest.raises(ValueError, match="unknown role"):
        require("superuser")
