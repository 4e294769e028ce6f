"""No patient data in logs: imports, lookups, reads, bad input, notifications (at DEBUG)."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from callflow.auth import AuthService, Role
from callflow.plans import PlanService, QuerylessAccessLogger, build_plans
from callflow.plans.settings import PlanSettings
from callflow.storage import Database, RedisStore

from .conftest import ADA_NHS, ADA_PHONE, CARE_HOME, EDWIN_MOBILE, PEOPLE, Users, build_app
from .test_notify import Webhook, eventually, notifications


async def test_nothing_identifying_reaches_the_logs(
    database: Database,
    redis_store: RedisStore,
    auth: AuthService,
    users: Users,
    example_bytes: dict[str, bytes],
    aiohttp_server: object,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    webhook = await Webhook([500]).start(aiohttp_server)  # type: ignore[arg-type]
    settings = PlanSettings(plan_notify_url=webhook.url, webhook_secret=SecretStr("s3cret"))
    plans: PlanService = build_plans(database, redis_store, settings)
    assert plans.notifier is not None
    plans.notifier._poll = 0.05
    plans.notifier._base = plans.notifier._cap = 0.02
    app = build_app(database, redis_store, auth, plans, settings)
    runner = web.AppRunner(app, access_log_class=QuerylessAccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    admin, provider = users.bearer(Role.ADMIN), users.bearer(Role.PROVIDER)
    try:
        async with aiohttp.ClientSession(base) as http:
            for name, content in example_bytes.items():
                async with http.post("/api/careplans/import", data=content, headers=admin) as r:
                    assert r.status == 200, name
            async with http.get(
                "/api/careplans", params={"nhs_number": ADA_NHS}, headers=provider
            ) as r:
                plan_id = (await r.json())["plans"][0]["id"]
            async with http.get(f"/api/careplans/{plan_id}", headers=provider) as r:
                assert r.status == 200
            async with http.get(
                "/api/careplans", params={"nhs_number": "9796487714"}, headers=provider
            ) as r:
                assert r.status == 422
            for caller in (ADA_PHONE, CARE_HOME, EDWIN_MOBILE, "anonymous", "07700 900666"):
                result = await plans.for_call(caller, None)
                await plans.announce("call-logs", result)
            await eventually(lambda: {n.status for n in notifications(database)} == {"delivered"})
        plans.lookup.deadline_s = 0.000001
        await plans.for_call(ADA_PHONE, None)  # a skipped lookup logs too
        await asyncio.sleep(0)
    finally:
        await runner.cleanup()

    text = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    leaked = [p for p in PEOPLE if p in text]
    assert leaked == []
    assert "nhs_number=" not in text
    assert any(
        r.name == "aiohttp.access" and "/api/careplans" in r.getMessage() for r in caplog.records
    )
    assert "care plans imported" in text and "dead-lettered" not in text
    assert "failed (http 500)" in text  # the retry was logged, with ids only
