"""Live flags (``flu_surge``, ``major_incident`` …) that routing scripts branch on.

A Redis set shared by every instance: a supervisor (or, later, the syndromic
loop) raises a flag and the next call on any instance sees it.
"""

from __future__ import annotations

from typing import cast

from callflow.storage import RedisStore


class LiveFlags:
    def __init__(self, redis: RedisStore) -> None:
        self.redis = redis
        self.key = redis.key("flags", tag="flags")

    async def current(self) -> frozenset[str]:
        return frozenset(cast(set[str], await self.redis.client.smembers(self.key)))

    async def raise_flag(self, name: str) -> None:
        await self.redis.client.sadd(self.key, name)

    async def clear(self, name: str) -> None:
        await self.redis.client.srem(self.key, name)
