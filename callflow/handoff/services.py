"""Handoff operations shared by the HTTP API, the call session and the CLI.

``HandoffService`` owns the outbox worker of one instance (it is an async
context manager: entering starts the worker, leaving stops it) and answers
the operations the API exposes. Handlers stay thin and call it.

Usage::

    async with HandoffService(db, settings) as handoffs:
        row = handoffs.row_for(facts)
        await db.run(lambda s: write_record_and_handoff(s, record, row))
        handoffs.written()       # deliver now rather than at the next poll
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import aiohttp

from callflow.auth import Identity, Role
from callflow.handoff.bundle import HandoffFacts
from callflow.handoff.errors import NoSuchHandoff
from callflow.handoff.models import HandoffOutbox, OutboxState
from callflow.handoff.outbox import (
    HandoffStatus,
    OutboxStore,
    OutboxWorker,
    StoredHandoff,
    outbox_row,
    utcnow,
)
from callflow.handoff.settings import HandoffConfig, uses_default_secret, webhook_map
from callflow.storage.db import Database

log = logging.getLogger(__name__)


class HandoffService:
    """The outbox (store + worker) of one service instance.

    Args:
        db: a database migrated to revision 0005 or later.
        config: the handoff settings.
        http: an aiohttp session for the worker's POSTs (default: its own).
        clock: the current time.
        worker_id: the worker's name in ``claimed_by``.
    """

    def __init__(
        self,
        db: Database,
        config: HandoffConfig,
        *,
        http: aiohttp.ClientSession | None = None,
        clock: Callable[[], datetime] = utcnow,
        worker_id: str | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.store = OutboxStore(db)
        self.webhooks = webhook_map(config)
        self._clock = clock
        self.worker: OutboxWorker | None = (
            OutboxWorker(db, config, http=http, clock=clock, worker_id=worker_id)
            if config.handoff_worker_enabled
            else None
        )

    async def __aenter__(self) -> HandoffService:
        if uses_default_secret(self.config):
            log.warning("URGENTLINE_HANDOFF_SECRET is the default: set it before going live")
        if self.worker is not None:
            self.worker.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self.worker is not None:
            await self.worker.aclose()

    # -- for the call session

    def row_for(self, facts: HandoffFacts, *, now: datetime | None = None) -> HandoffOutbox:
        """The outbox row for ``facts``, addressed to its provider's webhook.

        Raises:
            BundleError: the bundle does not validate (a bug in the builder).
        """
        return outbox_row(
            facts,
            url=self.webhooks.get(facts.destination),
            now=now or self._clock(),
            source_endpoint=self.config.handoff_source_endpoint,
        )

    def written(self) -> None:
        """A row was committed in this process: let the worker look at once."""
        if self.worker is not None:
            self.worker.wake()

    # -- for the API

    def provider_of(self, identity: Identity) -> str | None:
        """The provider whose handoffs ``identity`` may read; ``None`` means all (admin)."""
        if Role.ADMIN in identity.roles:
            return None
        return self.config.handoff_provider_accounts.get(identity.username, identity.username)

    async def get_for(self, identity: Identity, handoff_id: str) -> StoredHandoff:
        """A handoff as ``identity`` may see it.

        Raises:
            NoSuchHandoff: no such handoff, or it is addressed to another provider
                (the two look the same, so ids cannot be probed).
        """
        stored = await self.store.get(handoff_id)
        scope = self.provider_of(identity)
        if stored is None or (scope is not None and stored.status.provider != scope):
            raise NoSuchHandoff(handoff_id)
        return stored

    async def list(
        self, *, state: OutboxState | None, provider: str | None, limit: int
    ) -> list[HandoffStatus]:
        return await self.store.list(state=state, provider=provider, limit=limit)

    async def replay(self, handoff_id: str) -> HandoffStatus:
        """Queue a dead or delivered handoff again, to its provider's current webhook.

        Raises:
            NoSuchHandoff, HandoffInFlight: see ``OutboxStore.replay``.
        """
        stored = await self.store.get(handoff_id)
        if stored is None:
            raise NoSuchHandoff(handoff_id)
        status = await self.store.replay(
            handoff_id, url=self.webhooks.get(stored.status.provider), now=self._clock()
        )
        log.info("handoff %s queued again by replay", handoff_id)
        self.written()
        return status
