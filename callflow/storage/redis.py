"""Redis: a real server by URL, or in-process fakeredis when none is configured.

All keys come from ``RedisStore.key`` so that every key carries the instance's
prefix and a hash tag (``{...}``): the same layout works on Redis Cluster, and a
test run can delete exactly its own keys.
"""

from __future__ import annotations

import redis.asyncio as aioredis


class RedisStore:
    """Owns the Redis connection and the key layout."""

    def __init__(
        self, url: str | None, prefix: str = "urgentline", *, client: aioredis.Redis | None = None
    ) -> None:
        self.prefix = prefix
        self.url = url
        self.client: aioredis.Redis
        if client is not None:
            self.client = client
        elif url:
            self.client = aioredis.Redis.from_url(url, decode_responses=True)
        else:
            import fakeredis

            self.client = fakeredis.FakeAsyncRedis(decode_responses=True)

    def under(self, suffix: str) -> RedisStore:
        """The same connection under ``prefix-suffix``: a benchmark keeps to its own keys."""
        return RedisStore(self.url, f"{self.prefix}-{suffix}", client=self.client)

    @property
    def embedded(self) -> bool:
        return self.url is None

    def key(self, *parts: str, tag: str | None = None) -> str:
        """``prefix:{tag}:part…``; the tag decides the cluster slot (default: the prefix)."""
        return ":".join([self.prefix, "{" + (tag or "global") + "}", *parts])

    @property
    def events_stream(self) -> str:
        """The CallEvent stream (DESIGN: ``urgentline:events``) under this instance's prefix."""
        return f"{self.prefix}:events"

    async def ping(self) -> bool:
        return bool(await self.client.ping())

    async def delete_prefix(self) -> int:
        """Delete every key of this prefix (used by tests and ``urgentline db reset``)."""
        deleted = 0
        async for key in self.client.scan_iter(match=f"{self.prefix}:*", count=500):
            deleted += int(await self.client.delete(key))
        return deleted

    async def aclose(self) -> None:
        await self.client.aclose()
