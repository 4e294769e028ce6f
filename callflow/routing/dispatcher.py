"""Matches free clinicians with waiting calls; one dispatcher per service instance.

Every instance runs one, over the shared Redis queue. A claim is atomic
(``QueueStore.claim``), so whichever instance makes it, the call is delivered
once: to the instance that owns the call's channel, directly when that is us,
else as a message on the owner's offers channel. An offer nobody can take (the
call ended meanwhile) frees the clinician at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from redis.exceptions import RedisError

from callflow import tasks
from callflow.routing.book import DestinationBook
from callflow.routing.queues import Claim, QueueStore

log = logging.getLogger(__name__)

Deliver = Callable[[Claim], bool]


class Dispatcher:
    def __init__(
        self,
        store: QueueStore,
        destinations: DestinationBook,
        instance: str,
        deliver: Deliver,
        *,
        tick_s: float = 0.1,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.clock = clock
        self.store = store
        self.destinations = destinations
        self.instance = instance
        self.deliver = deliver
        self.tick_s = tick_s
        self._wake = asyncio.Event()
        self.claims = 0

    def poke(self) -> None:
        """Something changed (a call queued, a clinician freed): look now, not at the tick."""
        self._wake.set()

    async def run(self) -> None:
        """Match and listen until cancelled; Redis trouble is logged and retried."""
        listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.tick_s)
                self._wake.clear()
                try:
                    await self.match()
                except (RedisError, OSError) as exc:
                    log.warning("dispatcher: %s; retrying", type(exc).__name__)
                    await asyncio.sleep(min(1.0, self.tick_s * 10))
        finally:
            await tasks.stop(listener)

    async def match(self) -> int:
        """Give every free clinician the best call it can take; returns how many moved."""
        moved = 0
        now = self.clock()
        book = self.destinations.current
        for key, destination in book.destinations.items():
            if not book.is_open(key, now):
                continue  # closed: its clinicians take no calls; the pathway's others may
            pathways = list(book.serves(key))
            while claim := await self.store.claim(key, pathways, destination.capacity):
                moved += 1
                self.claims += 1
                await self._hand_over(claim)
        return moved

    async def _hand_over(self, claim: Claim) -> None:
        if claim.owner == self.instance or (claim.resume is not None and not claim.owner):
            # Ours, or a call back its owner handed over on shutdown: whoever claims it keeps it.
            await self._release_if_undelivered(claim)
            return
        payload = json.dumps(
            {
                "call_id": claim.call_id,
                "pathway": claim.pathway,
                "score": claim.score,
                "owner": claim.owner,
                "provider": claim.provider,
            }
        )
        receivers = await self.store.redis.client.publish(
            self.store.offers_channel(claim.owner), payload
        )
        if not receivers:
            if claim.resume is not None:
                log.warning("dispatcher: owner of call %s is gone; calling back", claim.call_id)
                await self._release_if_undelivered(claim)
                return
            log.warning("dispatcher: owner of call %s is gone; freeing", claim.call_id)
            await self.store.release(claim.provider, claim.call_id)

    async def _listen(self) -> None:
        """Receive offers for our calls from other instances; resubscribe after Redis trouble."""
        while True:
            try:
                await self._listen_once()
            except (RedisError, OSError) as exc:
                log.warning(
                    "dispatcher: offers channel lost (%s); resubscribing", type(exc).__name__
                )
                await asyncio.sleep(min(1.0, self.tick_s * 10))

    async def _listen_once(self) -> None:
        pubsub = self.store.redis.client.pubsub()
        await pubsub.subscribe(self.store.offers_channel(self.instance))
        try:
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                data = json.loads(message["data"])
                await self._release_if_undelivered(Claim(**data))
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _release_if_undelivered(self, claim: Claim) -> None:
        if not self.deliver(claim):
            # The call ended between queueing and now: the clinician is free again.
            await self.store.release(claim.provider, claim.call_id)
            self.poke()
