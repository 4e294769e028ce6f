"""The syndromic API behind access control: supervisors read, commissioners decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from pytest_aiohttp import AiohttpClient

from callflow.auth import AuthService, Role, route_access, setup_auth
from callflow.settings import Settings
from callflow.storage import Database
from dashboards.syndromic import SyndromicMonitor, setup_syndromic
from tests.dashboards.syndromic.kit import NOW, Hooks, routing

Client = TestClient[web.Request, web.Application]
USERS = {"sup": Role.SUPERVISOR, "com": Role.COMMISSIONER, "prov": Role.PROVIDER}


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, database: Database, monitor: SyndromicMonitor
) -> Client:
    app = web.Application()
    auth = AuthService(database, hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    setup_auth(app, database, Settings(secret_key="test-secret", cookie_secure=False), service=auth)
    setup_syndromic(app, monitor)
    return await aiohttp_client(app)


@pytest.fixture
async def headers(database: Database) -> dict[str, dict[str, str]]:
    auth = AuthService(database, hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    issued = {}
    for name, role in USERS.items():
        await auth.create_user(name, None, [role])
        token = (await auth.issue_token(name, "tests")).token
        issued[name] = {"Authorization": f"Bearer {token}"}
    return issued


async def outbreak(monitor: SyndromicMonitor) -> str:
    for index in range(30):
        at = NOW.replace(minute=0) + timedelta(seconds=10 * index)
        await monitor.handle(routing(f"dv-{index}", at, "diarrhoea,vomiting", "SE15"))
    await monitor.evaluate(NOW)
    (proposal,) = (await monitor.view(NOW)).proposals
    return proposal.id


def test_routes_declare_who_may_use_them(monitor: SyndromicMonitor) -> None:
    app = web.Application()
    setup_syndromic(app, monitor)
    assert {(method, path): str(access) for method, path, access in route_access(app)} == {
        ("GET", "/api/syndromic"): "roles:supervisor",
        ("HEAD", "/api/syndromic"): "roles:supervisor",
        ("POST", "/api/syndromic/proposals/{id}/approve"): "roles:commissioner",
        ("POST", "/api/syndromic/proposals/{id}/reject"): "roles:commissioner",
    }


async def test_supervisors_read_the_view(
    client: Client, headers: dict[str, dict[str, str]], monitor: SyndromicMonitor
) -> None:
    await outbreak(monitor)
    assert (await client.get("/api/syndromic")).status == 401
    assert (await client.get("/api/syndromic", headers=headers["prov"])).status == 403
    response = await client.get("/api/syndromic", headers=headers["sup"])
    assert response.status == 200
    body = await response.json()
    assert body["at"] == NOW.isoformat()
    assert {(c["indicator"], c["area"], c["today"], c["alarm"]) for c in body["cells"]} == {
        ("diarrhoea", "SE15", 30, True),
        ("vomiting", "SE15", 30, True),
        ("diarrhoea", "ALL", 30, False),  # the same rise: SE15's alarm says where
        ("vomiting", "ALL", 30, False),
    }
    assert {a["detector"] for a in body["alarms"]} == {"cusum"}
    assert [(p["flag"], p["status"]) for p in body["proposals"]] == [("dv_surge", "proposed")]


async def test_commissioners_approve_once(
    client: Client,
    headers: dict[str, dict[str, str]],
    monitor: SyndromicMonitor,
    hooks: Hooks,
) -> None:
    proposal_id = await outbreak(monitor)
    url = f"/api/syndromic/proposals/{proposal_id}/approve"
    assert (await client.post(url, headers=headers["sup"])).status == 403
    assert hooks.flags == []

    approved = await client.post(url, headers=headers["com"])
    assert approved.status == 200
    body = await approved.json()
    assert (body["id"], body["status"], body["decided_by"]) == (proposal_id, "applied", "com")
    assert hooks.flags == [("dv_surge", 24 * 3600.0)]

    again = await client.post(url, headers=headers["com"])
    assert again.status == 409
    assert (await again.json())["error_id"] == "proposal-not-open"
    rejected_late = await client.post(
        f"/api/syndromic/proposals/{proposal_id}/reject", headers=headers["com"]
    )
    assert rejected_late.status == 409
    assert hooks.flags == [("dv_surge", 24 * 3600.0)]


async def test_commissioners_reject_and_unknown_ids_are_404(
    client: Client,
    headers: dict[str, dict[str, str]],
    monitor: SyndromicMonitor,
    hooks: Hooks,
) -> None:
    proposal_id = await outbreak(monitor)
    rejected = await client.post(
        f"/api/syndromic/proposals/{proposal_id}/reject", headers=headers["com"]
    )
    assert rejected.status == 200
    assert (await rejected.json())["status"] == "rejected"
    assert hooks.flags == []
    missing = await client.post("/api/syndromic/proposals/nope/approve", headers=headers["com"])
    assert missing.status == 404
    assert await missing.json() == {
        "error_id": "no-such-proposal",
        "message": "no such proposal",
        "details": {"proposal": "nope"},
    }
