"""The HTTP surface: probes, metrics, and no endpoint open by accident."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from callflow.app import SERVICE, create_app
from callflow.auth import AUTH_SERVICE, route_access
from callflow.service import Service
from callflow.settings import Settings
from callflow.storage import Database, RedisStore

PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    "/login",
    "/api/open/demand",  # open data: aggregates with small numbers suppressed
    "/dashboard/static",  # the pages' CSS, scripts and icon; no data
}


def _app(database: Database, redis_store: RedisStore) -> Any:
    settings = Settings(ari_url="http://127.0.0.1:9/ari", cookie_secure=False)
    service = Service(settings, db=database, redis=redis_store)
    return create_app(settings, service)


def test_every_route_but_the_probes_and_login_needs_a_role(
    database: Database, redis_store: RedisStore
) -> None:
    app = _app(database, redis_store)
    table = route_access(app)
    assert table, "the route table is not empty"
    for method, path, access in table:
        if path in PUBLIC_PATHS:
            continue
        assert not access.public, f"{method} {path} is public"


async def test_probes_answer_without_credentials(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    client: TestClient[Any, Any] = await aiohttp_client(_app(database, redis_store))
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 503
    assert (await ready.json())["ari_connected"] is False


async def test_metrics_need_a_supervisor_token(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    app = _app(database, redis_store)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    assert (await client.get("/metrics")).status == 401
    auth = app[AUTH_SERVICE]
    await auth.create_user("sup", "a-long-pass-phrase", ["supervisor"])
    await auth.create_user("prov", "a-long-pass-phrase", ["provider"])
    sup = (await auth.issue_token("sup", "prometheus")).token
    prov = (await auth.issue_token("prov", "x")).token
    denied = await client.get("/metrics", headers={"Authorization": f"Bearer {prov}"})
    assert denied.status == 403
    reply = await client.get("/metrics", headers={"Authorization": f"Bearer {sup}"})
    assert reply.status == 200
    assert "urgentline_decision_seconds_bucket" in await reply.text()
    assert app[SERVICE].active_calls == 0


async def test_openapi_document_lists_every_route_with_its_access(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    app = _app(database, redis_store)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    auth = app[AUTH_SERVICE]
    await auth.create_user("com", "a-long-pass-phrase", ["commissioner"])
    token = (await auth.issue_token("com", "docs")).token
    reply = await client.get("/api/openapi.json", headers={"Authorization": f"Bearer {token}"})
    assert reply.status == 200
    document = await reply.json()
    assert document["openapi"].startswith("3.")
    assert document["paths"]["/healthz"]["get"]["x-urgentline-access"] == "public"
    summary = document["paths"]["/api/calls/summary"]["get"]
    assert summary["x-urgentline-access"] == "roles:supervisor"
    assert {"bearer": []} in summary["security"]
