"""One queue across every provider and every instance, in Redis.

Layout (all keys share the ``{queue}`` hash tag, so they live in one Redis
Cluster slot and a claim touches one node):

- ``q:<pathway>``     sorted set: call id -> score (arrival minus boost; lowest first)
- ``call:<call id>``  hash: owner instance, pathway, score, enqueued time, callback flag
- ``busy:<provider>`` set of the call ids a provider is handling now
- ``cap:<provider>``  clinicians on duty, as last reported (else the configured capacity)

redis-py's return types are unions over its RESP2/RESP3 modes; with
``decode_responses=True`` they are plain str/int/float, hence the casts.

Claiming is ``ZREM``: exactly one instance gets 1 back for a given call, so two
instances can never deliver the same call. Capacity is checked optimistically
(``SADD`` then ``SCARD``) and undone when over: a lost race costs one retry,
never a double delivery.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import cast

from callflow.storage import RedisStore

TAG = "queue"
SERVED_WINDOW_S = 900.0
"""Expected waits use the rate calls left the queue over the last 15 minutes."""
MIN_SERVED = 5


@dataclass(frozen=True, slots=True)
class Claim:
    """A queued call given to a provider: the owner instance must now connect it."""

    call_id: str
    pathway: str
    score: float
    owner: str
    provider: str
    resume: str | None = None
    """A released caller's promised call back, as ``sessions.resume.resume_state`` wrote it:
    present when the owner handed the call over (shut down) so any instance can keep it."""


@dataclass(frozen=True, slots=True)
class QueueStats:
    pathway: str
    waiting: int
    longest_wait_s: float


class QueueStore:
    def __init__(self, redis: RedisStore) -> None:
        self.redis = redis

    def _key(self, *parts: str) -> str:
        return self.redis.key(*parts, tag=TAG)

    def offers_channel(self, instance: str) -> str:
        return self._key("offers", instance)

    async def enqueue(
        self, call_id: str, pathway: str, score: float, owner: str, *, callback: bool = False
    ) -> None:
        """Put (or put back) a call in its pathway's queue with its score."""
        client = self.redis.client
        async with client.pipeline(transaction=True) as pipe:
            pipe.hset(
                self._key("call", call_id),
                mapping={
                    "owner": owner,
                    "pathway": pathway,
                    "score": repr(score),
                    "enqueued_at": repr(time.time()),
                    "callback": "1" if callback else "0",
                },
            )
            pipe.zadd(self._key("q", pathway), {call_id: score})
            await pipe.execute()

    async def rescore(self, call_id: str, pathway: str, score: float) -> bool:
        """Re-rank a waiting call at once; False if it is no longer waiting."""
        changed = await self.redis.client.zadd(
            self._key("q", pathway), {call_id: score}, xx=True, ch=True
        )
        await self.redis.client.hset(self._key("call", call_id), "score", repr(score))
        return bool(changed) or await self.position(call_id, pathway) is not None

    async def keep_resume(self, call_id: str, resume: str, *, ttl_s: int = 24 * 3600) -> None:
        """Store how to call a released caller back, so any instance can if the owner dies.

        ``resume`` holds the number among other things, so the entry expires
        after ``ttl_s`` like any other patient data in Redis.
        """
        key = self._key("call", call_id)
        async with self.redis.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, "resume", resume)
            pipe.expire(key, ttl_s)
            await pipe.execute()

    async def hand_over(self, call_id: str) -> bool:
        """The owner is shutting down: its released caller's place goes to whoever claims it.

        False when the call is no longer waiting (a clinician took it meanwhile).
        """
        key = self._key("call", call_id)
        if not await self.redis.client.exists(key):
            return False
        await self.redis.client.hset(key, "owner", "")
        return True

    async def cancel(self, call_id: str, pathway: str) -> bool:
        """The caller left the queue; True if the call was still waiting."""
        async with self.redis.client.pipeline(transaction=True) as pipe:
            pipe.zrem(self._key("q", pathway), call_id)
            pipe.delete(self._key("call", call_id))
            removed, _ = await pipe.execute()
        return bool(removed)

    async def position(self, call_id: str, pathway: str) -> int | None:
        """1-based place in the pathway's queue, or None when not waiting."""
        rank = await self.redis.client.zrank(self._key("q", pathway), call_id)
        return None if rank is None else int(cast(int, rank)) + 1

    async def stats(self, pathway: str, now: float | None = None) -> QueueStats:
        key = self._key("q", pathway)
        waiting = int(await self.redis.client.zcard(key))
        longest = 0.0
        if waiting:
            members = cast(list[str], await self.redis.client.zrange(key, 0, -1))
            async with self.redis.client.pipeline(transaction=False) as pipe:
                for member in members:
                    pipe.hget(self._key("call", member), "enqueued_at")
                times = [float(t) for t in await pipe.execute() if t is not None]
            if times:
                longest = max(0.0, (now or time.time()) - min(times))
        return QueueStats(pathway, waiting, longest)

    async def _note_served(self, pathway: str) -> None:
        """Remember when the pathway's queue gave a call to a clinician (for wait estimates)."""
        now = time.time()
        key = self._key("served", pathway)
        async with self.redis.client.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {f"{now!r}:{uuid.uuid4().hex[:8]}": now})
            pipe.zremrangebyscore(key, "-inf", now - SERVED_WINDOW_S)
            pipe.expire(key, int(SERVED_WINDOW_S))
            await pipe.execute()

    async def expected_wait_s(self, call_id: str, pathway: str) -> tuple[int, float | None] | None:
        """The call's place and its expected wait, from how fast the queue moved lately.

        ``None`` when the call is not waiting; the wait is ``None`` until the
        pathway has served ``MIN_SERVED`` calls in the last ``SERVED_WINDOW_S``
        seconds (an estimate from two calls would mislead more than silence).
        """
        position = await self.position(call_id, pathway)
        if position is None:
            return None
        now = time.time()
        served = int(
            await self.redis.client.zcount(
                self._key("served", pathway), now - SERVED_WINDOW_S, "+inf"
            )
        )
        if served < MIN_SERVED:
            return position, None
        return position, position * SERVED_WINDOW_S / served

    async def set_capacity(self, provider: str, clinicians: int) -> None:
        await self.redis.client.set(self._key("cap", provider), str(clinicians))

    async def capacity(self, provider: str, default: int) -> int:
        value = await self.redis.client.get(self._key("cap", provider))
        return default if value is None else int(value)

    async def busy(self, provider: str) -> int:
        return int(await self.redis.client.scard(self._key("busy", provider)))

    async def release(self, provider: str, call_id: str) -> None:
        """The provider's clinician is free again (call ended or connection failed)."""
        await self.redis.client.srem(self._key("busy", provider), call_id)

    async def claim(
        self, provider: str, pathways: list[str], default_capacity: int
    ) -> Claim | None:
        """The best call among ``pathways`` for ``provider``, if a clinician is free."""
        capacity = await self.capacity(provider, default_capacity)
        busy_key = self._key("busy", provider)
        client = self.redis.client
        for _attempt in range(3):
            if int(await client.scard(busy_key)) >= capacity:
                return None
            best: tuple[float, str, str] | None = None
            for pathway in pathways:
                head = cast(
                    list[tuple[str, float]],
                    await client.zrange(self._key("q", pathway), 0, 0, withscores=True),
                )
                if head:
                    member, score = head[0]
                    if best is None or score < best[0]:
                        best = (float(score), str(member), pathway)
            if best is None:
                return None
            score, call_id, pathway = best
            if not await client.zrem(self._key("q", pathway), call_id):
                continue  # another instance took it first: look again
            await client.sadd(busy_key, call_id)
            if int(await client.scard(busy_key)) > capacity:
                # Lost a capacity race: undo, keeping the call's place.
                await client.srem(busy_key, call_id)
                await client.zadd(self._key("q", pathway), {call_id: score}, nx=True)
                return None
            details = cast(dict[str, str], await client.hgetall(self._key("call", call_id)))
            await client.delete(self._key("call", call_id))
            await self._note_served(pathway)
            return Claim(
                call_id,
                pathway,
                score,
                details.get("owner", ""),
                provider,
                resume=details.get("resume"),
            )
        return None
