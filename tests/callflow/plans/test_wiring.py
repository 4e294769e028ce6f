"""``setup_plans`` / ``build_plans`` and the settings they read (before and after the merge)."""

from __future__ import annotations

import pytest
from aiohttp import web
from pydantic import SecretStr

from callflow.plans import PLANS, build_plans, plan_settings, setup_plans
from callflow.plans.settings import PlanSettings
from callflow.settings import Settings
from callflow.storage import Database, RedisStore


def test_settings_come_from_the_environment_and_the_service_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert plan_settings(Settings()).deadline_s == 0.15
    monkeypatch.setenv("URGENTLINE_PLAN_LOOKUP_DEADLINE_MS", "80")
    monkeypatch.setenv("URGENTLINE_PLAN_NOTIFY_URL", "https://ambulance.example/hooks")
    config = plan_settings(Settings())
    assert config.deadline_s == 0.08
    assert config.plan_notify_url == "https://ambulance.example/hooks"
    monkeypatch.delenv("URGENTLINE_PLAN_LOOKUP_DEADLINE_MS")

    class Merged(Settings):
        plan_cache_ttl_s: int = 60
        lookup_deadline_ms: int = 120

    merged = plan_settings(Merged())
    assert (merged.plan_cache_ttl_s, merged.deadline_s) == (60, 0.12)
    explicit = PlanSettings(plan_lookup_deadline_ms=40)
    assert plan_settings(explicit) is explicit


def test_notifications_must_be_signed(database: Database, redis_store: RedisStore) -> None:
    unsigned = PlanSettings(plan_notify_url="https://ambulance.example/hooks")
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        build_plans(database, redis_store, unsigned)
    signed = PlanSettings(
        plan_notify_url="https://ambulance.example/hooks", webhook_secret=SecretStr("s3cret")
    )
    plans = build_plans(database, redis_store, signed)
    assert plans.notifier is not None and plans.notifier.url == "https://ambulance.example/hooks"
    assert plans.lookup.deadline_s == 0.15


async def test_setup_plans_mounts_routes_and_owns_the_notifier(
    database: Database, redis_store: RedisStore
) -> None:
    app = web.Application()
    settings = PlanSettings(
        plan_notify_url="http://127.0.0.1:9/hooks", webhook_secret=SecretStr("s3cret")
    )
    setup_plans(app, database, redis_store, settings)
    assert {r.resource.canonical for r in app.router.routes() if r.resource} >= {
        "/api/careplans",
        "/api/careplans/{plan_id}",
        "/api/careplans/import",
    }
    notifier = app[PLANS].notifier
    assert notifier is not None and len(app.cleanup_ctx) == 1
    runner = web.AppRunner(app)
    await runner.setup()  # starts the worker in its cleanup context ...
    assert notifier._task is not None and not notifier._task.done()
    await runner.cleanup()  # ... and stops it
    assert notifier._task is None
