"""The destinations in force: the configured file, until an admin saves a set in SQL.

Everything that routes (sessions, the dispatcher, the queue API) reads
``book.current`` at the moment it decides, so a saved set applies to the next
decision. Saving applies it on this instance at once; the others see the new
version on their next poll (``poll_s``, a single ``max(version)`` query). Every
saved version is kept, with who saved it, so a change can be traced and undone
by saving the previous document again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from callflow import tasks
from callflow.routing.destinations import Destinations
from callflow.routing.models import DestinationSet
from callflow.storage import Database

log = logging.getLogger(__name__)


class DestinationBook:
    def __init__(
        self, initial: Destinations, db: Database | None = None, *, poll_s: float = 5.0
    ) -> None:
        self.current = initial
        self.version: int | None = None
        """The SQL version in force, or ``None`` while the file's set is."""
        self.db = db
        self.poll_s = poll_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Take the latest saved set (if any) and keep following new versions."""
        await self.refresh()
        self._task = asyncio.create_task(self._follow(), name="destinations")

    async def aclose(self) -> None:
        task, self._task = self._task, None
        await tasks.stop(task)

    async def save(self, destinations: Destinations, by: str) -> int:
        """Store ``destinations`` as the next version and put it in force here."""
        if self.db is None:
            raise RuntimeError("this book has no database to save to")
        db = self.db
        document = destinations.model_dump(mode="json", exclude_none=True)

        def insert(session: Session) -> int:
            row = DestinationSet(document=document, saved_by=by, saved_at=datetime.now(UTC))
            session.add(row)
            session.flush()
            assert row.version is not None
            return row.version

        version = await db.run(insert)
        self.current, self.version = destinations, version
        log.info("destinations version %d saved by %s", version, by)
        return version

    async def refresh(self) -> bool:
        """Load a newer saved version if there is one; True if the set changed."""
        if self.db is None:
            return False

        def newer(session: Session) -> tuple[int, dict[str, Any]] | None:
            latest = session.exec(select(func.max(col(DestinationSet.version)))).one()
            if latest is None or latest == self.version:
                return None
            row = session.get(DestinationSet, latest)
            return None if row is None else (latest, row.document)

        found = await self.db.run(newer)
        if found is None:
            return False
        version, document = found
        try:
            destinations = Destinations.model_validate(document)
        except ValueError:
            # Saved through the API, so valid when saved; a newer code version may
            # disagree: keep routing with what is in force and say so.
            log.exception(
                "destinations version %d cannot be loaded; keeping the current set", version
            )
            self.version = version
            return False
        self.current, self.version = destinations, version
        log.info("destinations version %d in force", version)
        return True

    async def _follow(self) -> None:
        while True:
            await asyncio.sleep(self.poll_s)
            try:
                await self.refresh()
            except Exception:  # a worker's loop: the current set stays in force
                log.exception("destinations not refreshed")
