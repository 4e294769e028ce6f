"""Live flags (``flu_surge``, ``major_incident`` …) that routing scripts branch on.

Shared by every instance in Redis: a supervisor, or a commissioner approving a
syndromic proposal, raises a flag (optionally until a given time) and the next
call on any instance sees it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import cast

from callflow.storage import RedisStore


class LiveFlags:
    """A sorted set of flag -> expiry (Unix seconds; ``+inf`` for "until cleared").

    An expiry per member (rather than a key per flag) keeps one read per call:
    ``current`` is a single range query from now upwards, so a flag the
    surveillance loop raised for 24 hours simply stops being seen.
    """

    def __init__(self, redis: RedisStore, *, clock: Callable[[], float] = time.time) -> None:
        self.redis = redis
        self.key = redis.key("flags", tag="flags")
        self._clock = clock

    async def current(self) -> frozenset[str]:
        now = self._clock()
        names = await self.redis.client.zrangebyscore(self.key, f"({now}", "+inf")
        return frozenset(cast(list[str], names))

    async def raise_flag(self, name: str, ttl_s: float | None = None) -> None:
        """Raise ``name`` until cleared, or for ``ttl_s`` seconds; raising again re-sets it."""
        now = self._clock()
        until = "+inf" if ttl_s is None else now + ttl_s
        async with self.redis.client.pipeline(transaction=True) as pipe:
            pipe.zadd(self.key, {name: until})
            pipe.zremrangebyscore(self.key, "-inf", now)
            await pipe.execute()

    async def expiries(self) -> dict[str, float | None]:
        """Live flags and when each expires (``None``: until cleared)."""
        now = self._clock()
        pairs = await self.redis.client.zrangebyscore(self.key, f"({now}", "+inf", withscores=True)
        return {
            str(name): None if math.isinf(score) else float(score)
            for name, score in cast(list[tuple[str, float]], pairs)
        }

    async def clear(self, name: str) -> None:
        await self.redis.client.zrem(self.key, name)
