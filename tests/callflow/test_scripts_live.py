"""LiveScripts: the published version, switched on every instance by a publish.

Both storage back ends (``database`` and ``redis_store`` run embedded and real).
The last test runs the whole service against the ARI simulator: a call that is
mid-menu when a new version is published finishes on the version it started
with, while the next call runs the new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from callflow.scripts_live import LiveScripts, announce, scripts_channel
from callflow.service import Service
from callflow.storage import Database, RedisStore
from callflow.storage.models import CallRecord
from ivr_scripts import PublishRefused, Script
from ivr_scripts.loader import SCRIPTS_DIR
from ivr_scripts.model import MenuNode
from ivr_scripts.store import ScriptPublication, ScriptStore, ScriptVersion
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import PASSWORD, USER, Lab, service_settings

LONDON = (SCRIPTS_DIR / "london.yaml").read_text()
SWAPPED = LONDON.replace('"1": dental, "2": crisis', '"1": crisis, "2": dental')
BROKEN = LONDON.replace("start: safety", "start: main")


async def publish(store: ScriptStore, redis: RedisStore, text: str, actor: str = "sam") -> int:
    saved = await store.save(text, author=actor)
    await store.publish("london", saved.info.version, actor=actor)
    await announce(redis, "london", saved.info.version, saved.info.checksum)
    return saved.info.version


def main_option(script: Script, key: str) -> str:
    menu = script.nodes["main"]
    assert isinstance(menu, MenuNode)
    return menu.options[key]


@pytest.fixture
async def two_instances(
    database: Database, redis_store: RedisStore
) -> AsyncIterator[tuple[LiveScripts, LiveScripts]]:
    # A long poll interval: only the announcement can switch them within the test.
    async with (
        LiveScripts(database, redis_store, "london", poll_interval_s=60) as first,
        LiveScripts(database, redis_store, "london", poll_interval_s=60) as second,
    ):
        for live in (first, second):
            for _ in range(100):
                if live.subscribed:
                    break
                await asyncio.sleep(0.01)
        yield first, second


async def test_without_a_publication_the_shipped_script_runs(
    two_instances: tuple[LiveScripts, LiveScripts],
) -> None:
    first, second = two_instances
    assert first.published_version is None
    assert first.current().name == "london" and first.current() is first._fallback
    assert main_option(second.current(), "1") == "dental"


async def test_both_instances_switch_after_a_publish(
    two_instances: tuple[LiveScripts, LiveScripts], database: Database, redis_store: RedisStore
) -> None:
    first, second = two_instances
    held = first.current()  # a call in progress keeps this object
    store = ScriptStore(database)
    await publish(store, redis_store, LONDON)
    version = await publish(store, redis_store, SWAPPED, actor="kim")
    for live in (first, second):
        await live.wait_for_version(version, timeout_s=5)
        assert main_option(live.current(), "1") == "crisis"
        assert live.current().version == str(version)
    assert main_option(held, "1") == "dental"


async def test_a_script_failing_the_checker_is_a_draft_and_is_never_published(
    two_instances: tuple[LiveScripts, LiveScripts], database: Database, redis_store: RedisStore
) -> None:
    first, second = two_instances
    store = ScriptStore(database)
    good = await publish(store, redis_store, LONDON)
    await first.wait_for_version(good)
    draft = await store.save(BROKEN, author="kim", comment="wip")
    assert not draft.info.publishable
    with pytest.raises(PublishRefused):
        await store.publish("london", draft.info.version, actor="kim")
    # Even a stray announcement of the draft changes nothing: the alias never moved.
    await announce(redis_store, "london", draft.info.version)
    await asyncio.sleep(0.2)
    for live in (first, second):
        await live.refresh()
        assert live.published_version == good and live.current().start == "safety"


async def test_an_instance_that_missed_the_announcement_catches_up_by_polling(
    database: Database, redis_store: RedisStore
) -> None:
    store = ScriptStore(database)
    async with LiveScripts(database, redis_store, "london", poll_interval_s=0.2) as live:
        saved = await store.save(SWAPPED, author="sam")
        await store.publish("london", saved.info.version, actor="sam")  # no announcement
        await live.wait_for_version(saved.info.version, timeout_s=5)
    async with LiveScripts(database, redis_store, "london") as late:
        assert late.published_version == saved.info.version  # loaded at start


async def test_malformed_announcements_and_other_scripts_are_ignored(
    two_instances: tuple[LiveScripts, LiveScripts], redis_store: RedisStore
) -> None:
    first, _ = two_instances
    await redis_store.client.publish(scripts_channel(redis_store), "not json")
    await redis_store.client.publish(scripts_channel(redis_store), '{"script": "other"}')
    await asyncio.sleep(0.2)
    assert first.published_version is None and first.failures == 0


async def test_a_published_version_that_no_longer_loads_keeps_the_current_script(
    database: Database, redis_store: RedisStore
) -> None:
    store = ScriptStore(database)
    async with LiveScripts(database, redis_store, "london", poll_interval_s=60) as live:
        good = await publish(store, redis_store, LONDON)
        await live.wait_for_version(good)
        now = datetime.now(UTC)
        # Only a change of code (or a hand-edited database) can do this: the store refuses.
        await database.run(
            lambda s: s.add(
                ScriptVersion(
                    script="london",
                    version=99,
                    source="name: london\n",
                    checksum="x",
                    author="db",
                    created_at=now,
                )
            )
        )
        alias = await database.run(lambda s: s.get(ScriptPublication, "london"))
        assert alias is not None
        alias.version = 99
        await database.run(lambda s: s.merge(alias))
        assert await live.refresh() is False
        assert live.published_version == good and live.failures == 1


# --------------------------------------------------------------------- the live service


@pytest.fixture
async def sim() -> AsyncIterator[AriSimulator]:
    async with AriSimulator(
        port=0,
        user=USER,
        password=PASSWORD,
        strict=True,
        provider_answer_ms=30,
        provider_hold_ms=300,
    ) as simulator:
        yield simulator


async def _record(db: Database, channel: str, timeout_s: float = 10) -> CallRecord:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        rows = await db.run(
            lambda s: s.exec(select(CallRecord).where(CallRecord.channel_id == channel)).all()
        )
        if rows:
            return rows[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no CallRecord for {channel}")


@pytest.mark.e2e
async def test_publishing_mid_call_changes_new_calls_only(
    sim: AriSimulator, database: Database, redis_store: RedisStore
) -> None:
    store = ScriptStore(database)
    first = await publish(store, redis_store, LONDON)
    lab = Lab(sim.control_url)
    settings: Any = service_settings(sim)
    # No script given: the service runs the published version and follows publishes.
    async with Service(settings, db=database, redis=redis_store) as svc:
        live = svc.live_scripts
        assert live is not None and live.published_version == first
        assert svc.events is not None and await svc.events.wait_connected(5)
        early = await lab.call("+447700900201", {"after_ms": 2500, "dtmf": "1"})
        await asyncio.sleep(1.2)  # the early call is in the menu now
        second = await publish(store, redis_store, SWAPPED, actor="kim")
        await live.wait_for_version(second, timeout_s=5)
        late = await lab.call("+447700900202", {"after_ms": 1000, "dtmf": "1"})
        early_record = await _record(database, early)
        late_record = await _record(database, late)
    assert (early_record.destination, early_record.script_version) == ("dental", str(first))
    assert (late_record.destination, late_record.script_version) == ("crisis", str(second))
    assert early_record.menu_path == late_record.menu_path == ["main:1"]
