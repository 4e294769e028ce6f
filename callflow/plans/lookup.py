"""The on-call care-plan lookup: Redis cache, SQL behind it, a deadline around both.

Theory of operation. ``PlanLookup.for_call(caller, nhs_number)`` never raises
and never makes a call wait longer than its deadline (default 150 ms):

1. A valid NHS number, when captured, is the key; otherwise the caller id,
   sorted by ``careplans.identifiers.parse_caller``. Withheld and unavailable
   callers stop here (``NONE``): they are never matched, cached or queried.
2. The cache key is ``<prefix>:{careplans}:careplans:g<generation>:<kind>:<digest>``.
   The digest is an HMAC of the number under the service's secret, so Redis
   keys (visible in ``MONITOR``, slow logs, key scans) carry no NHS or phone
   numbers. Negative answers are cached too: most callers have no plan, and
   that is the answer the cache must serve fastest.
3. On a miss, SQL answers (``careplans.queries``, in a worker thread) and the
   answer is cached for ``cache_ttl_s``.
4. Invalidation is a generation counter: every import ends with ``INCR`` of
   the generation, after its transaction committed, so every later lookup
   misses the old entries (they expire on their TTL). A lookup racing an
   import can only write under the old generation, which nobody reads again.
5. A Redis failure falls through to SQL; an SQL failure, or the deadline,
   gives ``SKIPPED`` and the call goes on without a plan (DESIGN principle 2).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from callflow.storage import Database, RedisStore
from careplans import queries
from careplans.identifiers import Presentation, is_nhs_number, normalise_nhs_number, parse_caller
from careplans.lookup import LookupResult, none, skipped

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_S = 0.150
DEFAULT_CACHE_TTL_S = 300
CACHE_TAG = "careplans"


def _uk_today() -> date:
    """Plan expiry dates are UK calendar dates."""
    try:
        return datetime.now(ZoneInfo("Europe/London")).date()
    except ZoneInfoNotFoundError:  # no tz database on this machine: UTC is at most an hour off
        return datetime.now(UTC).date()


def _text(value: bytes | str | None) -> str | None:
    """Redis answers ``str`` with ``decode_responses``; be safe with ``bytes`` too."""
    return value.decode() if isinstance(value, bytes) else value


class PlanLookup:
    """Finds a caller's care or crisis plans inside a deadline.

    Args:
        db: the registry's database (migrated to 0004 or later).
        redis: the cache.
        key_secret: keys the HMAC that turns numbers into cache keys.
        deadline_s: the default deadline of ``for_call``.
        cache_ttl_s: how long an answer stays cached.
        today: the current UK date (tests replace it).

    Usage::

        lookup = PlanLookup(db, redis, key_secret=b"...")
        result = await lookup.for_call("+447700900123", None)
        if result.found:
            care_plans = frozenset(p.plan_type.value for p in result.plans)
    """

    def __init__(
        self,
        db: Database,
        redis: RedisStore,
        *,
        key_secret: bytes,
        deadline_s: float = DEFAULT_DEADLINE_S,
        cache_ttl_s: int = DEFAULT_CACHE_TTL_S,
        today: Callable[[], date] = _uk_today,
    ) -> None:
        self._db = db
        self._redis = redis
        self._secret = key_secret
        self.deadline_s = deadline_s
        self._ttl = cache_ttl_s
        self._today = today
        self.hits = 0
        self.misses = 0
        self.skipped = 0

    @property
    def generation_key(self) -> str:
        return self._redis.key("careplans", "gen", tag=CACHE_TAG)

    async def for_call(
        self, caller: str | None, nhs_number: str | None, *, deadline_s: float | None = None
    ) -> LookupResult:
        """The plans of whoever is calling, or why there are none; never raises.

        Args:
            caller: the caller id as presented (``None``, "anonymous"... are
                withheld or unavailable and never match).
            nhs_number: the NHS number once captured (an invalid one is ignored).
            deadline_s: overrides the default deadline for this lookup.

        Returns:
            ``FOUND`` (type, plan id, <=2-line summary of each plan),
            ``CONFIRM_IDENTITY`` (a number shared by several patients), ``NONE``
            or ``SKIPPED`` (deadline missed or store failed).
        """
        deadline = self.deadline_s if deadline_s is None else deadline_s
        try:
            async with asyncio.timeout(deadline):
                return await self._lookup(caller, nhs_number)
        except TimeoutError:
            self.skipped += 1
            log.warning("care-plan lookup skipped: missed its %d ms deadline", deadline * 1000)
            return skipped("deadline")
        except (SQLAlchemyError, OSError) as exc:
            self.skipped += 1
            log.warning("care-plan lookup skipped: %s", type(exc).__name__)
            return skipped("error")

    async def _lookup(self, caller: str | None, nhs_number: str | None) -> LookupResult:
        if nhs_number and is_nhs_number(nhs_number):
            kind, value = "nhs", normalise_nhs_number(nhs_number)
        else:
            caller_id = parse_caller(caller)
            if caller_id.presentation is Presentation.WITHHELD:
                return none("caller-withheld")
            if caller_id.presentation is Presentation.UNAVAILABLE or caller_id.e164 is None:
                return none("caller-unavailable")
            kind, value = "tel", caller_id.e164
        key = await self._cache_key(kind, value)
        if key is not None:
            cached = await self._cache_get(key)
            if cached is not None:
                self.hits += 1
                return cached
        self.misses += 1
        result = await self._query(kind, value)
        if key is not None:
            await self._cache_set(key, result)
        return result

    async def _query(self, kind: str, value: str) -> LookupResult:
        today = self._today()
        if kind == "nhs":
            return await self._db.run(lambda s: queries.match_nhs_number(s, value, today))
        return await self._db.run(lambda s: queries.match_phone(s, value, today))

    def _digest(self, kind: str, value: str) -> str:
        mac = hmac.new(self._secret, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:32]

    async def _cache_key(self, kind: str, value: str) -> str | None:
        try:
            generation = _text(await self._redis.client.get(self.generation_key)) or "0"
        except RedisError as exc:
            log.warning("care-plan cache unavailable (%s): asking SQL", type(exc).__name__)
            return None
        return self._redis.key("careplans", f"g{generation}", kind, self._digest(kind, value),
                               tag=CACHE_TAG)  # fmt: skip

    async def _cache_get(self, key: str) -> LookupResult | None:
        try:
            raw = await self._redis.client.get(key)
        except RedisError as exc:
            log.warning("care-plan cache read failed (%s): asking SQL", type(exc).__name__)
            return None
        if raw is None:
            return None
        try:
            return LookupResult.loads(_text(raw) or "").served_from_cache()
        except (ValueError, KeyError, TypeError):
            log.warning("care-plan cache entry unreadable: asking SQL")
            return None

    async def _cache_set(self, key: str, result: LookupResult) -> None:
        try:
            await self._redis.client.set(key, result.dumps(), ex=self._ttl)
        except RedisError as exc:
            log.warning("care-plan cache write failed (%s)", type(exc).__name__)

    async def invalidate(self) -> None:
        """Make every cached answer stale (after an import committed).

        Raises:
            RedisError: Redis is unreachable; the caller reports it (cached
                answers then live until their TTL).
        """
        await self._redis.client.incr(self.generation_key)
