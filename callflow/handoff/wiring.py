"""One call mounts the handoff on the application: ``setup_handoff``.

It registers the API routes and puts the ``HandoffService`` under
``HANDOFF_SERVICE``; unless told otherwise it also appends a cleanup context
that starts the outbox worker with the application and stops it (releasing
its claims) on shutdown. Append it after the database's context and before
anything that writes handoffs stops, so aiohttp tears it down in the right
order (STYLE: database, Redis, publisher, ARI, sessions, outbox worker).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from callflow.handoff.http import add_routes
from callflow.handoff.keys import HANDOFF_SERVICE
from callflow.handoff.services import HandoffService
from callflow.handoff.settings import HandoffConfig
from callflow.storage.db import Database


def setup_handoff(
    app: web.Application,
    db: Database,
    settings: HandoffConfig,
    *,
    service: HandoffService | None = None,
    run: bool = True,
) -> HandoffService:
    """Mount the handoff API and (by default) run the outbox worker with ``app``.

    Args:
        app: the application, not yet started; ``setup_auth`` must be mounted
            too (the routes declare roles).
        db: a database migrated to revision 0005 or later.
        settings: the handoff settings (``HandoffSettings`` or the merged ``Settings``).
        service: a ``HandoffService`` to use instead of building one (tests, or
            a ``Service`` that owns it and starts it itself).
        run: append the cleanup context that starts and stops the service.
            Pass ``False`` when something else (e.g. ``callflow.service.Service``)
            enters ``async with handoff_service`` itself.

    Returns:
        The service (for ``row_for`` / ``written`` in the call session).

    Usage::

        app = web.Application()
        setup_auth(app, db, settings)
        handoffs = setup_handoff(app, db, settings)
    """
    handoffs = service or HandoffService(db, settings)
    app[HANDOFF_SERVICE] = handoffs
    add_routes(app)
    if run:

        async def run_handoff(app: web.Application) -> AsyncIterator[None]:
            async with app[HANDOFF_SERVICE]:
                yield

        app.cleanup_ctx.append(run_handoff)
    return handoffs
