"""Sign-in/sign-out pages and the token API, end to end over HTTP; no secret in logs."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import ClientResponse
from hypothesis import given
from hypothesis import strategies as st
from pytest_aiohttp import AiohttpClient

from callflow.auth import AuthService, Role
from callflow.auth.http import PRESESSION_COOKIE, safe_next
from callflow.auth.middleware import SESSION_COOKIE
from callflow.storage import Database

from .conftest import PASSWORD, Client, Users, bearer, build_app, form_csrf, login


async def sign_in(
    client: Client, username: str, password: str = PASSWORD, next_url: str = "/"
) -> ClientResponse:
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": form_csrf(await page.text()),
            "next": next_url,
        },
        allow_redirects=False,
    )


async def test_login_page_is_an_accessible_form(client: Client) -> None:
    response = await client.get("/login?next=/dashboard")
    assert response.status == 200
    html = await response.text()
    for fragment in (
        '<html lang="en">',
        '<label for="username">',
        '<label for="password">',
        'autocomplete="current-password"',
        'name="next" value="/dashboard"',
        '<button type="submit">',
    ):
        assert fragment in html
    assert len(form_csrf(html)) == 64
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    cookie = response.cookies[PRESESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/login"


async def test_login_flow_with_csrf(client: Client, users: Users) -> None:
    # POST without the form's CSRF token: refused, no session.
    await client.get("/login")
    refused = await client.post(
        "/login",
        data={"username": "supervisor-user", "password": PASSWORD},
        allow_redirects=False,
    )
    assert refused.status == 403
    assert SESSION_COOKIE not in refused.cookies

    # With the token: a session, and back to `next`.
    response = await sign_in(client, "supervisor-user", next_url="/dashboard?view=today")
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard?view=today"
    cookie = response.cookies[SESSION_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and not cookie["secure"]

    me = await client.get("/api/me")
    body = await me.json()
    assert body["username"] == "supervisor-user" and body["via"] == "session"
    assert body["roles"] == ["supervisor"]
    csrf = body["csrf_token"]

    # Unsafe request with the session: CSRF token needed.
    assert (await client.post("/api/action", json={})).status == 403
    ok = await client.post("/api/action", json={}, headers={"X-CSRF-Token": csrf})
    assert ok.status == 200

    # Sign out (itself CSRF-checked), then the cookie no longer works.
    assert (await client.post("/logout", allow_redirects=False)).status == 403
    out = await client.post(
        "/logout",
        data={"csrf_token": csrf},
        headers={"Accept": "text/html"},
        allow_redirects=False,
    )
    assert out.status == 303 and out.headers["Location"] == "/login"
    assert (await client.get("/api/me")).status == 401


async def test_session_cookie_is_secure_by_default(
    database: Database, auth: AuthService, static_dir: Path, aiohttp_client: AiohttpClient
) -> None:
    await auth.create_user("sam", PASSWORD, [Role.SUPERVISOR])
    client = await aiohttp_client(build_app(database, auth, static_dir, cookie_secure=True))
    page = await client.get("/login")
    assert page.cookies[PRESESSION_COOKIE]["secure"]
    csrf = form_csrf(await page.text())
    response = await client.post(
        "/login",
        data={"username": "sam", "password": PASSWORD, "csrf_token": csrf},
        # The test client will not send a Secure cookie over http; pass it by hand.
        cookies={PRESESSION_COOKIE: page.cookies[PRESESSION_COOKIE].value},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.cookies[SESSION_COOKIE]["secure"]


async def test_wrong_password_rerenders_the_form(client: Client, users: Users) -> None:
    response = await sign_in(client, "supervisor-user", password="not the password at all")
    assert response.status == 401
    assert SESSION_COOKIE not in response.cookies
    html = await response.text()
    assert 'role="alert"' in html and "wrong" in html
    assert "not the password at all" not in html


async def test_sign_in_replaces_an_existing_session(
    client: Client, users: Users, auth: AuthService
) -> None:
    await login(client, "supervisor-user")
    old = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE].value
    await login(client, "commissioner-user")
    assert await auth.session_identity(old) is None
    body = await (await client.get("/api/me")).json()
    assert body["username"] == "commissioner-user"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%0d%0aSet-Cookie:x=1",
        "/login",
        "",
    ],
)
async def test_open_redirect_rejected(client: Client, users: Users, next_url: str) -> None:
    response = await sign_in(client, "supervisor-user", next_url=next_url)
    assert response.status == 303
    location = response.headers["Location"]
    if next_url == "/%0d%0aSet-Cookie:x=1":
        assert location == next_url  # percent-encoded: a harmless local path
    else:
        assert location == "/"


@given(st.text(max_size=80))
def test_safe_next_only_yields_local_paths(value: str) -> None:
    result = safe_next(value)
    assert result == "/" or result == value
    parts = urlsplit(result)
    assert result.startswith("/") and not result.startswith("//")
    assert not parts.scheme and not parts.netloc and "\\" not in result


async def test_token_api(client: Client, users: Users) -> None:
    admin = bearer(users.tokens[Role.ADMIN])
    created = await client.post(
        "/api/tokens", json={"username": "provider-user", "name": "dental webhook"}, headers=admin
    )
    assert created.status == 201
    assert created.headers["Cache-Control"] == "no-store"
    body = await created.json()
    token = body["token"]
    assert body["username"] == "provider-user" and body["prefix"] == token[:12]

    me = await (await client.get("/api/me", headers=bearer(token))).json()
    assert me == {
        "user_id": me["user_id"],
        "username": "provider-user",
        "roles": ["provider"],
        "via": "token",
    }

    listed = await (await client.get("/api/tokens?username=provider-user", headers=admin)).json()
    assert [t["name"] for t in listed] == ["tests", "dental webhook"]
    assert token not in str(listed)

    gone = await client.delete(f"/api/tokens/{body['id']}", headers=admin)
    assert gone.status == 204
    assert (await client.get("/api/me", headers=bearer(token))).status == 401

    for unknown in ("999999", "99999999999"):
        missing = await client.delete(f"/api/tokens/{unknown}", headers=admin)
        assert missing.status == 404
        assert (await missing.json())["error_id"] == "no-such-token"

    unknown_user = await client.post("/api/tokens", json={"username": "nobody"}, headers=admin)
    assert unknown_user.status == 404
    assert (await unknown_user.json())["error_id"] == "no-such-user"

    bad = await client.post("/api/tokens", json={"user": "x"}, headers=admin)
    assert bad.status == 422
    assert (await bad.json())["error_id"] == "invalid-request"

    supervisor = bearer(users.tokens[Role.SUPERVISOR])
    denied = await client.post("/api/tokens", json={"username": "x"}, headers=supervisor)
    assert denied.status == 403


async def test_logs_contain_no_secrets(
    client: Client, users: Users, caplog: pytest.LogCaptureFixture
) -> None:
    """Run every path that handles a secret, then scan every log record for them."""
    caplog.set_level(logging.DEBUG)
    admin = bearer(users.tokens[Role.ADMIN])
    secrets: list[str] = [PASSWORD, *users.tokens.values()]

    # A person types their password into the username box.
    typo = "my secret passphrase 42"
    secrets.append(typo)
    await sign_in(client, typo, password=typo)
    await sign_in(client, "supervisor-user", password="wrong wrong wrong")
    await client.post("/login", data={"username": "x", "password": PASSWORD, "csrf_token": "f"})

    csrf = await login(client, "supervisor-user")
    secrets.append(csrf)
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[SESSION_COOKIE]
    secrets.append(cookie.value)
    await client.post("/api/action", json={})  # CSRF failure
    await client.get("/dashboard", headers={"Accept": "text/html"})

    created = await (
        await client.post("/api/tokens", json={"username": "provider-user"}, headers=admin)
    ).json()
    secrets.append(created["token"])
    await client.get("/api/me", headers=bearer(created["token"]))
    await client.delete(f"/api/tokens/{created['id']}", headers=admin)
    await client.get("/api/me", headers=bearer(created["token"]))  # revoked
    await client.get("/api/undeclared", headers=bearer(users.tokens[Role.PROVIDER]))
    await client.get("/api/me", headers={"Authorization": "Basic " + PASSWORD})
    await client.post("/logout", headers={"X-CSRF-Token": csrf})

    assert caplog.records, "expected the flow to log something"
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.__dict__}" for r in caplog.records
    )
    for secret in secrets:
        assert secret not in logged
        assert secret[4:20] not in logged  # nor a recognisable slice of it
    assert "supervisor-user" in logged  # usernames are fine, and useful
