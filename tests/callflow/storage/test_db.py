"""The schema comes from Alembic and round-trips on both back ends."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from callflow.storage import Database, RedisStore
from callflow.storage.models import CallRecord


async def test_call_record_round_trips(database: Database) -> None:
    now = datetime.now(UTC)
    record = CallRecord(
        call_id="c1",
        channel_id="lab-1.1",
        script="london",
        script_version="1",
        arrived_at=now,
        menu_path=["1"],
        outcome="routed",
        destination="dental",
    )
    await database.run(lambda s: s.add(record))
    rows = await database.run(lambda s: s.exec(select(CallRecord)).all())
    assert [(r.call_id, r.menu_path, r.destination) for r in rows] == [("c1", ["1"], "dental")]


async def test_redis_keys_carry_prefix_and_hash_tag(redis_store: RedisStore) -> None:
    key = redis_store.key("calls", tag="c1")
    assert key == f"{redis_store.prefix}:{{c1}}:calls"
    await redis_store.client.set(key, "x")
    assert await redis_store.delete_prefix() == 1
    assert await redis_store.client.get(key) is None
