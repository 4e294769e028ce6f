"""Availability reports and queue status over HTTP, with roles enforced."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from callflow.app import create_app
from callflow.auth import AUTH_SERVICE
from callflow.service import Service
from callflow.settings import Settings
from callflow.storage import Database, RedisStore


async def _client(aiohttp_client: Any, database: Database, redis_store: RedisStore) -> Any:
    settings = Settings(ari_url="http://127.0.0.1:9/ari", cookie_secure=False)
    app = create_app(settings, Service(settings, db=database, redis=redis_store))
    client: TestClient[Any, Any] = await aiohttp_client(app)
    auth = app[AUTH_SERVICE]
    tokens = {}
    for role in ("provider", "supervisor"):
        await auth.create_user(role, "a-long-pass-phrase", [role])
        tokens[role] = {"Authorization": f"Bearer {(await auth.issue_token(role, 't')).token}"}
    return client, tokens


async def test_a_provider_reports_clinicians_on_duty(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    client, tokens = await _client(aiohttp_client, database, redis_store)
    url = "/api/providers/dental/availability"
    reply = await client.post(url, json={"clinicians_on_duty": 3}, headers=tokens["provider"])
    assert reply.status == 200
    assert await reply.json() == {"provider": "dental", "clinicians_on_duty": 3, "busy": 0}
    status = await client.get("/api/queues", headers=tokens["supervisor"])
    body = await status.json()
    assert body["providers"]["dental"]["clinicians_on_duty"] == 3
    assert body["pathways"]["dental"] == {"waiting": 0, "longest_wait_s": 0.0}


async def test_bad_reports_change_nothing(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    client, tokens = await _client(aiohttp_client, database, redis_store)
    url = "/api/providers/dental/availability"
    bad = await client.post(url, json={"clinicians_on_duty": -1}, headers=tokens["provider"])
    assert bad.status == 400 and (await bad.json())["error_id"] == "invalid-body"
    unknown = await client.post(
        "/api/providers/nowhere/availability",
        json={"clinicians_on_duty": 1},
        headers=tokens["provider"],
    )
    assert unknown.status == 404
    denied = await client.post(url, json={"clinicians_on_duty": 1}, headers=tokens["supervisor"])
    assert denied.status == 403
    status = await client.get("/api/queues", headers=tokens["supervisor"])
    assert (await status.json())["providers"]["dental"]["clinicians_on_duty"] == 10
