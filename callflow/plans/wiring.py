"""One call mounts care plans on the application: ``setup_plans``.

Builds the ``PlanService`` (lookup with its Redis cache, the notification
worker when a webhook is configured), registers the routes and, when there is
a worker, one cleanup context that starts it with the application and stops
it (awaited) on shutdown. No logic here.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from pydantic import SecretStr

from callflow.plans.http import add_routes
from callflow.plans.keys import PLANS, PLANS_IMPORT_LIMIT
from callflow.plans.lookup import PlanLookup
from callflow.plans.notify import PlanNotifier
from callflow.plans.services import PlanService
from callflow.plans.settings import PlanSettings, plan_settings
from callflow.storage import Database, RedisStore

log = logging.getLogger(__name__)


def _cache_key_secret(settings: object) -> bytes:
    """Keys the HMAC of cached numbers: derived from the service's secret key."""
    secret = getattr(settings, "secret_key", None)
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else ""
    return hashlib.sha256(b"urgentline-careplan-cache:" + str(value).encode()).digest()


def build_plans(db: Database, redis: RedisStore, settings: object) -> PlanService:
    """The ``PlanService`` for these stores and settings (the session needs it too).

    Args:
        db: the service's database.
        redis: the service's Redis.
        settings: the service's ``Settings`` (merged or not) or a ``PlanSettings``.

    Raises:
        ValueError: a notification URL without ``URGENTLINE_WEBHOOK_SECRET``.
    """
    config: PlanSettings = plan_settings(settings)
    lookup = PlanLookup(
        db,
        redis,
        key_secret=_cache_key_secret(settings),
        deadline_s=config.deadline_s,
        cache_ttl_s=config.plan_cache_ttl_s,
    )
    notifier = None
    if config.plan_notify_url:
        if config.webhook_secret is None or not config.webhook_secret.get_secret_value():
            raise ValueError(
                "URGENTLINE_PLAN_NOTIFY_URL is set but URGENTLINE_WEBHOOK_SECRET is not: "
                "plan-available notifications must be signed"
            )
        notifier = PlanNotifier(
            db,
            config.plan_notify_url,
            config.webhook_secret.get_secret_value().encode(),
            timeout_s=config.plan_notify_timeout_s,
            max_age_s=config.plan_notify_max_age_s,
            backoff_cap_s=config.plan_notify_backoff_cap_s,
        )
    else:
        log.info("plan-available notifications off (URGENTLINE_PLAN_NOTIFY_URL unset)")
    return PlanService(db, lookup, view_base_url=config.plan_view_base_url, notifier=notifier)


def setup_plans(
    app: web.Application,
    db: Database,
    redis: RedisStore,
    settings: object,
    *,
    service: PlanService | None = None,
) -> None:
    """Mount the care-plan API and its notification worker on ``app``.

    Args:
        app: the application, not yet started.
        db: the service's database (migrated by the service at start).
        redis: the service's Redis.
        settings: the service's ``Settings`` (merged or not) or a ``PlanSettings``.
        service: a ``PlanService`` built beforehand (``build_plans``), e.g. to
            share it with the call sessions.

    Usage::

        plans = build_plans(db, redis, settings)
        setup_plans(app, db, redis, settings, service=plans)
    """
    plans = service or build_plans(db, redis, settings)
    app[PLANS] = plans
    app[PLANS_IMPORT_LIMIT] = plan_settings(settings).plan_import_max_mb * 1024 * 1024
    add_routes(app)
    if plans.notifier is not None:
        app.cleanup_ctx.append(_run_notifier)


async def _run_notifier(app: web.Application) -> AsyncIterator[None]:
    notifier = app[PLANS].notifier
    assert notifier is not None
    async with notifier:
        yield
