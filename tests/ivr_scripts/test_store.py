"""The version store on both back ends: immutable versions, one alias, an audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from callflow.storage import Database
from ivr_scripts import NoSuchScript, NoSuchVersion, NothingToRollBack, PublishRefused, ScriptError
from ivr_scripts.loader import SCRIPTS_DIR
from ivr_scripts.store import ScriptAudit, ScriptPublication, ScriptStore, ScriptVersion

LONDON = (SCRIPTS_DIR / "london.yaml").read_text()
SWAPPED = LONDON.replace('"1": dental, "2": crisis', '"1": crisis, "2": dental')
BROKEN = LONDON.replace("start: safety", "start: main")  # menu before the 999 message


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def store(database: Database) -> ScriptStore:
    return ScriptStore(database, clock=Clock())


def test_the_migration_creates_exactly_the_store_tables(database: Database) -> None:
    mine = {ScriptVersion.__tablename__, ScriptPublication.__tablename__, ScriptAudit.__tablename__}
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        diff = compare_metadata(context, SQLModel.metadata)

    def touches_mine(change: object) -> bool:
        item = change[0] if isinstance(change, list) else change
        parts = item if isinstance(item, tuple) else ()
        names = {p if isinstance(p, str) else getattr(p, "name", None) for p in parts}
        names |= {getattr(getattr(p, "table", None), "name", None) for p in parts}
        return bool(names & mine)

    assert [d for d in diff if touches_mine(d)] == []


async def test_every_save_is_a_new_immutable_version(store: ScriptStore) -> None:
    first = await store.save(LONDON, author="sam", comment="first")
    again = await store.save(LONDON, author="sam", comment="same text")
    second = await store.save(SWAPPED, author="kim", comment="swap 1 and 2")
    assert (first.info.version, first.created, first.info.publishable) == (1, True, True)
    assert (again.info.version, again.created) == (1, False)
    assert (second.info.version, second.info.author, second.info.comment) == (
        2,
        "kim",
        "swap 1 and 2",
    )
    assert len(second.info.checksum) == 64 and second.info.checksum != first.info.checksum
    history = await store.history("london")
    assert [v.version for v in history] == [1, 2]
    assert (await store.get("london", 1)).source == LONDON
    assert (await store.latest("london")).info.version == 2
    assert await store.names() == ["london"]
    with pytest.raises(NoSuchVersion):
        await store.get("london", 9)
    with pytest.raises(NoSuchScript):
        await store.history("nope")


async def test_a_draft_that_fails_the_checker_is_saved_but_never_published(
    store: ScriptStore,
) -> None:
    await store.save(LONDON, author="sam")
    await store.publish("london", 1, actor="sam")
    draft = await store.save(BROKEN, author="kim", comment="wip")
    assert not draft.info.publishable and draft.info.errors >= 1
    assert any("without the 999 safety message" in p.message for p in draft.problems)
    with pytest.raises(PublishRefused) as refused:
        await store.publish("london", draft.info.version, actor="kim")
    assert "fails the checker" in str(refused.value) and refused.value.problems
    published = await store.published("london")
    assert published is not None and published.info.version == 1
    actions = [(e.action, e.version) for e in await store.audit("london")]
    assert actions[0] == ("publish-refused", 2)


async def test_unreadable_drafts_are_kept_if_they_say_whose_they_are(store: ScriptStore) -> None:
    saved = await store.save("name: london\nnodes: [\n", author="sam")
    assert (saved.info.version, saved.info.publishable) == (1, False)
    with pytest.raises(ScriptError):
        await store.save("just: [text", author="sam")


async def test_publish_and_rollback_move_the_alias_and_are_audited(store: ScriptStore) -> None:
    for text in (LONDON, SWAPPED, LONDON.replace("max_visits: 3", "max_visits: 4")):
        await store.save(text, author="sam")
    assert await store.published("london") is None
    with pytest.raises(NothingToRollBack):
        await store.rollback("london", actor="sam")
    await store.publish("london", 1, actor="sam", comment="go live")
    await store.publish("london", 2, actor="kim", comment="swap")
    moved = await store.publish("london", 3, actor="kim", comment="more visits")
    assert (moved.version, moved.previous) == (3, 2)
    back = await store.rollback("london", actor="ops", comment="calls going astray")
    assert (back.version, back.previous) == (2, 3)
    back = await store.rollback("london", actor="ops")
    assert (back.version, back.previous) == (1, 2)
    with pytest.raises(NothingToRollBack):
        await store.rollback("london", actor="ops")
    chosen = await store.rollback("london", actor="ops", to=3)
    assert chosen.version == 3 and await store.published_version("london") == 3
    audit = await store.audit("london")
    assert [(e.action, e.version, e.previous_version, e.actor) for e in audit[:4]] == [
        ("rollback", 3, 1, "ops"),
        ("rollback", 1, 2, "ops"),
        ("rollback", 2, 3, "ops"),
        ("publish", 3, 2, "kim"),
    ]
    assert audit[3].comment == "more visits" and audit[0].at > audit[1].at
    assert sum(1 for e in audit if e.action == "save") == 3
