"""The typed application keys of the care-plan feature (never string keys)."""

from __future__ import annotations

from aiohttp import web

from callflow.plans.services import PlanService

PLANS: web.AppKey[PlanService] = web.AppKey("plans", PlanService)
PLANS_IMPORT_LIMIT: web.AppKey[int] = web.AppKey("plans_import_limit", int)
"""Largest body ``POST /api/careplans/import`` accepts, bytes."""
