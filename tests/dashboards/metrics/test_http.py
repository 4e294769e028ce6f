"""The metrics API behind access control; open data for anyone, with nothing about a call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from pytest_aiohttp import AiohttpClient

from callflow.auth import AuthService, Role, route_access, setup_auth
from callflow.settings import Settings
from callflow.storage import Database, RedisStore
from dashboards.metrics import LiveMetrics, MetricsService, RollupStore, setup_metrics
from dashboards.views import Figures, Rag
from tests.dashboards.metrics.kit import T0, abandoned_call, answered_call, waiting_call

Client = TestClient[web.Request, web.Application]
NOW = T0 + timedelta(hours=1)


def rag(kind: str, key: str, figures: Figures) -> Rag:
    return Rag.AMBER if figures.waiting_now else Rag.GREEN


@pytest.fixture
async def metrics(database: Database, redis_store: RedisStore) -> MetricsService:
    live = LiveMetrics(providers=["dental", "crisis"])
    service = MetricsService(live, RollupStore(database), redis_store, clock=lambda: NOW)
    events = []
    for n in range(6):
        events += answered_call(f"call-secret-{n}", n * 60, 15 * n, pathway="dental")
    events += abandoned_call("call-hidden-1", 400, 40) + waiting_call("call-hidden-2", 3000)
    live.apply(events)
    await service.flush()
    return service


@pytest.fixture
async def tokens(database: Database) -> dict[Role, dict[str, str]]:
    auth = AuthService(database, hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    headers = {}
    for role in (Role.SUPERVISOR, Role.PROVIDER):
        await auth.create_user(role.value, None, [role])
        token = (await auth.issue_token(role.value, "tests")).token
        headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, database: Database, metrics: MetricsService
) -> Client:
    app = web.Application()
    auth = AuthService(database, hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    setup_auth(
        app, database, Settings(secret_key="metrics-tests", cookie_secure=False), service=auth
    )
    setup_metrics(app, metrics, rag=rag)
    return await aiohttp_client(app)


async def test_routes_are_declared_supervisor_only_or_public(client: Client) -> None:
    rules = {path: str(access) for _, path, access in route_access(client.app)}
    assert rules["/api/metrics/board"] == "roles:supervisor"
    assert rules["/api/metrics/history"] == "roles:supervisor"
    assert rules["/api/open/demand"] == "public"


async def test_the_board_needs_a_supervisor_and_comes_as_json(
    client: Client, tokens: dict[Role, dict[str, str]]
) -> None:
    assert (await client.get("/api/metrics/board")).status == 401
    assert (await client.get("/api/metrics/board", headers=tokens[Role.PROVIDER])).status == 403
    reply = await client.get("/api/metrics/board?window_s=7200", headers=tokens[Role.SUPERVISOR])
    assert reply.status == 200 and reply.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = await reply.json()
    assert body["at"] == NOW.isoformat() and body["window_s"] == 7200 and body["bucket_s"] == 300
    system = body["system"]
    assert system["rag"] == "amber" and len(system["trend"]) == 24
    assert system["figures"]["a01_received"] == 8 and system["figures"]["waiting_now"] == 1
    assert system["figures"]["abandon_rate"] == pytest.approx(1 / 8)
    assert [r["key"] for r in body["providers"]] == ["dental", "crisis"]
    assert [r["key"] for r in body["pathways"]] == ["dental", "default111"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("window_s=abc", "window_s"),
        ("window_s=10", "window_s"),
        ("window_s=3600&bucket_s=1", "bucket_s"),
        ("window_s=86400&bucket_s=10", "bucket_s"),
    ],
)
async def test_bad_board_parameters_are_refused(
    client: Client, tokens: dict[Role, dict[str, str]], query: str, parameter: str
) -> None:
    reply = await client.get(f"/api/metrics/board?{query}", headers=tokens[Role.SUPERVISOR])
    body = await reply.json()
    assert reply.status == 400 and body["error_id"] == "invalid-metrics-query"
    assert body["details"] == {"parameter": parameter}


async def test_history_returns_the_stored_roll_ups(
    client: Client, tokens: dict[Role, dict[str, str]]
) -> None:
    supervisor = tokens[Role.SUPERVISOR]
    assert (await client.get("/api/metrics/history?kind=system")).status == 401
    since = (T0 - timedelta(hours=1)).isoformat()
    reply = await client.get(
        "/api/metrics/history", params={"kind": "provider", "key": "dental", "since": since},
        headers=supervisor,
    )  # fmt: skip
    body = await reply.json()
    assert reply.status == 200 and body["bucket_s"] == 900
    assert sum(p["figures"]["a03_answered"] for p in body["points"]) == 6
    assert body["points"][0]["bucket_start"] == T0.isoformat()
    system = await (await client.get("/api/metrics/history?kind=system", headers=supervisor)).json()
    assert system["key"] == "all"
    assert sum(p["figures"]["a01_received"] for p in system["points"]) == 8


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"kind": "region"}, "kind"),
        ({"kind": "provider"}, "key"),
        ({"kind": "system", "since": "yesterday"}, "since"),
        ({"kind": "system", "since": "2026-01-01T00:00:00Z"}, "since"),
        ({"kind": "system", "until": "2026-11-01T00:00:00Z", "since": "2026-11-02T00:00:00"},
         "since"),
    ],
)  # fmt: skip
async def test_bad_history_parameters_are_refused(
    client: Client, tokens: dict[Role, dict[str, str]], params: dict[str, str], parameter: str
) -> None:
    reply = await client.get("/api/metrics/history", params=params, headers=tokens[Role.SUPERVISOR])
    body = await reply.json()
    assert reply.status == 400 and body["details"] == {"parameter": parameter}


async def test_open_data_is_public_aggregate_and_withholds_small_numbers(client: Client) -> None:
    reply = await client.get("/api/open/demand")
    assert reply.status == 200 and reply.headers["Access-Control-Allow-Origin"] == "*"
    text = await reply.text()
    assert "call-" not in text and "secret" not in text and "hidden" not in text
    body = await reply.json()
    system = body["scopes"][0]
    assert (system["kind"], system["key"]) == ("system", "all")
    nine_o_clock = system["hours"][-2]
    assert nine_o_clock["start"] == T0.isoformat()
    assert nine_o_clock["calls_received"] == {"value": 8, "suppressed": False}
    assert nine_o_clock["calls_abandoned"] == {"value": None, "suppressed": True}
    assert datetime.fromisoformat(body["generated_at"]) == NOW.astimezone(UTC)
