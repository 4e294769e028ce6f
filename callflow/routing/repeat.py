"""Repeat-caller history in Redis.

One sorted set per caller identity (member: call id, score: time), trimmed to
the longest rule window and expiring at its end, so history is never kept
longer than a rule needs (the national service keeps 96 hours). The identity
is a keyed hash of the verified NHS number, else of the E.164 caller number:
no identifier appears in a Redis key. Withheld or unusable numbers never count.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime

import phonenumbers

from callflow.routing.policy import (
    FREQUENT_CALLER_MONTH,
    FREQUENT_CALLER_QUARTER,
    REPEAT_CALLER,
    UNIDENTIFIED,
    EncounterRule,
    RepeatStatus,
)
from callflow.storage import RedisStore

WITHHELD = {"", "anonymous", "withheld", "unknown", "unavailable", "private", "restricted"}


def normalise_cli(caller: str | None, region: str = "GB") -> str | None:
    """E.164 of a presented caller number, or None when it cannot identify anyone."""
    if caller is None or caller.strip().lower() in WITHHELD:
        return None
    try:
        number = phonenumbers.parse(caller, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class RepeatCallers:
    def __init__(
        self,
        redis: RedisStore,
        secret: bytes,
        *,
        repeat_rule: EncounterRule = REPEAT_CALLER,
        frequent_rules: Sequence[EncounterRule] = (FREQUENT_CALLER_MONTH, FREQUENT_CALLER_QUARTER),
    ) -> None:
        self.redis = redis
        self.secret = secret
        self.repeat_rule = repeat_rule
        self.frequent_rules = tuple(frequent_rules)
        self.horizon_s = max(r.window.total_seconds() for r in (repeat_rule, *frequent_rules))

    def identity(self, caller: str | None, nhs_number: str | None = None) -> str | None:
        """Keyed hash of who is calling, or None when they cannot be identified."""
        if nhs_number:
            subject = "nhs:" + nhs_number
        else:
            cli = normalise_cli(caller)
            if cli is None:
                return None
            subject = "cli:" + cli
        return hmac.new(self.secret, subject.encode(), hashlib.sha256).hexdigest()[:32]

    async def record(
        self, call_id: str, now: datetime, caller: str | None, nhs_number: str | None = None
    ) -> RepeatStatus:
        """Count this call as an encounter and say what the caller's history makes them."""
        identity = self.identity(caller, nhs_number)
        if identity is None:
            return UNIDENTIFIED
        key = self.redis.key("encounters", tag=identity)
        t = now.timestamp()
        async with self.redis.client.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, "-inf", t - self.horizon_s)
            pipe.zadd(key, {call_id: t})
            pipe.expire(key, int(self.horizon_s) + 1)
            for rule in (self.repeat_rule, *self.frequent_rules):
                pipe.zcount(key, t - rule.window.total_seconds(), "+inf")
            results = await pipe.execute()
        counts = [int(c) for c in results[3:]]
        repeat_count, frequent_counts = counts[0], counts[1:]
        return RepeatStatus(
            identified=True,
            count=repeat_count,
            repeat=self.repeat_rule.matches(repeat_count),
            frequent=any(
                rule.matches(count)
                for rule, count in zip(self.frequent_rules, frequent_counts, strict=True)
            ),
        )
