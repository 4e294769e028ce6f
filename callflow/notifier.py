"""Publish CallEvents to the Redis Stream.

The stream feeds live views; the durable record of a call is its CallRecord in
SQL. So a publish that fails or is slow is logged and counted and the call goes
on: Redis trouble must never hold up or drop a caller.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from redis.exceptions import RedisError

from callflow.events import CallEvent
from callflow.storage import RedisStore

log = logging.getLogger(__name__)

STREAM_MAXLEN = 1_000_000


class CallEventPublisher:
    def __init__(self, redis: RedisStore, *, timeout_s: float = 0.5) -> None:
        self.redis = redis
        self.timeout_s = timeout_s
        self.failures = 0

    async def publish(self, event: CallEvent) -> None:
        try:
            async with asyncio.timeout(self.timeout_s):
                await self.redis.client.xadd(
                    self.redis.events_stream,
                    event.to_fields(),  # type: ignore[arg-type]
                    maxlen=STREAM_MAXLEN,
                    approximate=True,
                )
        except (RedisError, TimeoutError, OSError) as exc:
            self.failures += 1
            log.warning("call event %s not published: %s", event.type.value, type(exc).__name__)

    async def read_all(self, count: int = 10_000) -> list[CallEvent]:
        """Every event on the stream, oldest first (tests and the demo summary)."""
        entries = await self.redis.client.xrange(self.redis.events_stream, count=count) or []
        # decode_responses=True: ids and fields are str at run time.
        return [CallEvent.from_fields(cast(dict[str, str], fields)) for _id, fields in entries]
