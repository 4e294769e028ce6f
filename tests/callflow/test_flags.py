"""Supervisors raise and clear live flags; unknown names change nothing."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from callflow.app import create_app
from callflow.auth import AUTH_SERVICE
from callflow.flags import LiveFlags
from callflow.service import Service
from callflow.settings import Settings
from callflow.storage import Database, RedisStore


async def test_a_supervisor_raises_and_clears_a_flag_the_next_call_sees(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    settings = Settings(ari_url="http://127.0.0.1:9/ari", cookie_secure=False)
    service = Service(settings, db=database, redis=redis_store)
    app = create_app(settings, service)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    auth = app[AUTH_SERVICE]
    await auth.create_user("sup", "a-long-pass-phrase", ["supervisor"])
    await auth.create_user("prov", "a-long-pass-phrase", ["provider"])
    sup = {"Authorization": f"Bearer {(await auth.issue_token('sup', 't')).token}"}
    prov = {"Authorization": f"Bearer {(await auth.issue_token('prov', 't')).token}"}

    assert (await client.put("/api/flags/flu_surge", headers=prov)).status == 403
    raised = await client.put("/api/flags/flu_surge", headers=sup)
    assert raised.status == 200 and (await raised.json())["flags"] == ["flu_surge"]
    assert await service.flags.current() == frozenset({"flu_surge"})

    typo = await client.put("/api/flags/flu_srge", headers=sup)
    assert typo.status == 404 and (await typo.json())["error_id"] == "unknown-flag"
    assert await service.flags.current() == frozenset({"flu_surge"})

    cleared = await client.delete("/api/flags/flu_surge", headers=sup)
    assert (await cleared.json())["flags"] == []


async def test_a_flag_raised_for_a_while_expires_by_itself(redis_store: RedisStore) -> None:
    now = [1_000_000.0]
    flags = LiveFlags(redis_store, clock=lambda: now[0])
    await flags.raise_flag("dv_surge", ttl_s=3600)
    await flags.raise_flag("major_incident")
    assert await flags.current() == frozenset({"dv_surge", "major_incident"})
    assert await flags.expiries() == {"dv_surge": 1_003_600.0, "major_incident": None}
    now[0] += 3600
    assert await flags.current() == frozenset({"major_incident"})
    await flags.raise_flag("dv_surge", ttl_s=60)  # raising again starts a new period
    assert await flags.current() == frozenset({"dv_surge", "major_incident"})


async def test_a_bad_ttl_is_refused_and_changes_nothing(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    settings = Settings(ari_url="http://127.0.0.1:9/ari", cookie_secure=False)
    service = Service(settings, db=database, redis=redis_store)
    app = create_app(settings, service)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    auth = app[AUTH_SERVICE]
    await auth.create_user("sup", "a-long-pass-phrase", ["supervisor"])
    sup = {"Authorization": f"Bearer {(await auth.issue_token('sup', 't')).token}"}
    for ttl in ("-5", "soon", "99999999"):
        refused = await client.put(f"/api/flags/flu_surge?ttl_s={ttl}", headers=sup)
        assert refused.status == 400 and (await refused.json())["error_id"] == "bad-ttl"
    assert await service.flags.current() == frozenset()
    raised = await client.put("/api/flags/flu_surge?ttl_s=600", headers=sup)
    body = await raised.json()
    assert body["flags"] == ["flu_surge"] and body["expires_at"]["flu_surge"] is not None
