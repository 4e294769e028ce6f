"""The typed key under which the handoff service lives on the application."""

from __future__ import annotations

from aiohttp import web

from callflow.handoff.services import HandoffService

HANDOFF_SERVICE: web.AppKey[HandoffService] = web.AppKey("handoff_service", HandoffService)
