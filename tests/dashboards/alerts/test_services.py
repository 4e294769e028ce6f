"""AlertService on both back ends: transitions in SQL, on the board, to channels; restarts.

Each test that takes ``database`` runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from callflow.storage import Database
from dashboards.alerts import (
    AlertEngine,
    AlertNotRaised,
    AlertService,
    NoSuchAlert,
    Notice,
    Notifier,
    Rule,
    RuleStore,
)
from dashboards.alerts.channels import EVERY_KIND
from dashboards.alerts.models import Alert, AlertTransition
from dashboards.hub import Hub, Update
from dashboards.views import Figures

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
OUR_TABLES = {"alert", "alert_transition", "alert_rule_set"}


def rule(**fields: Any) -> Rule:
    values: dict[str, Any] = {
        "name": "wait",
        "title": "Long wait",
        "metric": "longest_wait_s",
        "scope": "provider",
        "comparison": ">",
        "threshold": 600,
        "clear_at": 300,
        "severity": "critical",
        "recipients": ["dashboard", "webhook:http://127.0.0.1:9/hook"],
    }
    values.update(fields)
    return Rule.model_validate(values)


class Waits:
    """A FigureSource of longest waits (and calls waiting) per provider."""

    def __init__(self, **waits: float) -> None:
        self.waits = dict(waits)
        self.queues: dict[str, int] = {}

    def figures(self, kind: str, key: str, window_s: int, now: datetime) -> Figures:
        return Figures(longest_wait_s=self.waits.get(key, 0.0), waiting_now=self.queues.get(key, 0))

    def scopes(self, kind: str) -> Sequence[str]:
        return sorted(self.waits) if kind == "provider" else ()


class Recorder:
    """A webhook channel that keeps what it is given instead of posting it."""

    scheme = "webhook"
    kinds = EVERY_KIND

    def __init__(self) -> None:
        self.sent: list[tuple[str, Notice]] = []

    async def send(self, target: str, notice: Notice) -> None:
        self.sent.append((target, notice))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Instance:
    """One running alerts service: engine, notifier with a recording channel, hub."""

    def __init__(self, database: Database, rules: Sequence[Rule], clock: Clock) -> None:
        self.channel = Recorder()
        self.notifier = Notifier([self.channel])
        self.hub = Hub()
        self.service = AlertService(
            database, AlertEngine(rules), self.notifier, self.hub, clock=clock
        )

    async def delivered(self) -> list[tuple[str, str]]:
        await self.notifier.drain()
        return [(n.kind.value, n.alert.scope) for _, n in self.channel.sent]


def rows(database: Database, table: type[Alert] | type[AlertTransition]) -> list[Any]:
    return list(database.run_sync(lambda s: s.exec(select(table)).all()))


async def test_the_migration_matches_the_models(database: Database) -> None:
    def ours(name: str | None, type_: str, parents: Mapping[str, str | None]) -> bool:
        if type_ == "schema":
            return True
        table = name if type_ == "table" else parents.get("table_name")
        return table in OUR_TABLES

    def ours_object(obj: object, name: str | None, type_: str, *_: object) -> bool:
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in OUR_TABLES

    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_name": ours, "include_object": ours_object}
        )
        assert list(compare_metadata(context, SQLModel.metadata)) == []


async def test_a_tick_persists_shows_and_delivers_each_transition(database: Database) -> None:
    clock = Clock()
    one = Instance(database, [rule()], clock)
    await one.service.start()
    source = Waits(dental=700, crisis=20)
    async with one.hub.subscribe() as board:
        (raised,) = await one.service.tick(T0, source)
        assert (raised.state, raised.scope, raised.value, raised.threshold) == (
            "raised", "dental", 700, 600,
        )  # fmt: skip
        assert await one.service.tick(T0 + timedelta(seconds=1), source) == []
        source.waits["dental"] = 800
        (updated,) = await one.service.tick(T0 + timedelta(seconds=2), source)
        source.waits["dental"] = 100
        (cleared,) = await one.service.tick(T0 + timedelta(seconds=3), source)
        shown: list[Update] = [board.get_nowait() for _ in range(board.qsize())]

    assert updated.id == cleared.id == raised.id
    assert (cleared.state, cleared.value, cleared.cleared_at) == (
        "cleared",
        100,
        T0 + timedelta(seconds=3),
    )
    assert [(u.kind, u.data["state"], u.data["value"]) for u in shown] == [
        ("alert", "raised", 700),
        ("alert", "raised", 800),
        ("alert", "cleared", 100),
    ]
    assert shown[0].data["raised_at"] == T0.isoformat()
    assert await one.delivered() == [
        ("raised", "dental"),
        ("updated", "dental"),
        ("cleared", "dental"),
    ]
    assert {target for target, _ in one.channel.sent} == {"http://127.0.0.1:9/hook"}
    (alert,) = rows(database, Alert)
    assert alert.state == "cleared" and alert.value == 100
    trail = sorted(rows(database, AlertTransition), key=lambda t: t.id)
    assert [(t.alert_id, t.kind, t.value) for t in trail] == [
        (raised.id, "raised", 700), (raised.id, "updated", 800), (raised.id, "cleared", 100),
    ]  # fmt: skip
    assert [n.transition_id for _, n in one.channel.sent] == [t.id for t in trail]


async def test_a_rule_without_dashboard_is_not_published(database: Database) -> None:
    one = Instance(database, [rule(recipients=["webhook:http://127.0.0.1:9/hook"])], Clock())
    async with one.hub.subscribe() as board:
        assert len(await one.service.tick(T0, Waits(dental=700))) == 1
        assert board.empty()
    assert await one.delivered() == [("raised", "dental")]


async def test_a_restart_does_not_raise_open_alerts_again(database: Database) -> None:
    clock = Clock()
    before = Instance(database, [rule()], clock)
    await before.service.start()
    (raised,) = await before.service.tick(T0, Waits(dental=700))

    after = Instance(database, [rule()], clock)
    assert await after.service.start() == []
    assert await after.service.tick(T0 + timedelta(minutes=1), Waits(dental=700)) == []
    (cleared,) = await after.service.tick(T0 + timedelta(minutes=2), Waits(dental=0))
    assert cleared.id == raised.id and cleared.state == "cleared"
    assert await after.delivered() == [("cleared", "dental")]
    assert len(rows(database, Alert)) == 1


async def test_a_restart_keeps_a_running_cooldown(database: Database) -> None:
    clock = Clock()
    rules = [rule(cooldown_s=600)]
    before = Instance(database, rules, clock)
    await before.service.tick(T0, Waits(dental=700))
    await before.service.tick(T0 + timedelta(seconds=10), Waits(dental=0))

    clock.now = T0 + timedelta(minutes=5)
    after = Instance(database, rules, clock)
    await after.service.start()
    assert await after.service.tick(clock.now, Waits(dental=900)) == []
    (again,) = await after.service.tick(T0 + timedelta(seconds=610), Waits(dental=900))
    assert again.state == "raised" and len(rows(database, Alert)) == 2


async def test_an_open_alert_whose_rule_is_gone_is_cleared_at_start(database: Database) -> None:
    clock = Clock()
    before = Instance(database, [rule()], clock)
    (raised,) = await before.service.tick(T0, Waits(dental=700))
    after = Instance(database, [rule(name="other")], clock)
    async with after.hub.subscribe() as board:
        (cleared,) = await after.service.start()
        assert board.get_nowait().data["state"] == "cleared"
    assert cleared.id == raised.id and cleared.state == "cleared"
    assert await after.service.active() == []


async def test_a_second_instance_follows_the_first_ones_alert(database: Database) -> None:
    clock = Clock()
    one, two = Instance(database, [rule()], clock), Instance(database, [rule()], clock)
    await one.service.start()
    await two.service.start()
    (raised,) = await one.service.tick(T0, Waits(dental=700))
    async with two.hub.subscribe() as board:
        assert await two.service.tick(T0, Waits(dental=700)) == []  # the open-alert index refuses
        shown: list[Update] = [board.get_nowait() for _ in range(board.qsize())]
    assert await two.delivered() == []  # no channel hears it twice
    assert [(u.kind, u.data["id"]) for u in shown] == [("alert", raised.id)]  # two's pages do
    (cleared,) = await two.service.tick(T0 + timedelta(seconds=5), Waits(dental=0))
    assert cleared.id == raised.id
    assert len(rows(database, Alert)) == 1


async def test_two_instances_announce_each_change_once(database: Database) -> None:
    """Both evaluate the same figures; the channels hear one raise, update and clear."""
    clock = Clock()
    one, two = Instance(database, [rule()], clock), Instance(database, [rule()], clock)
    await one.service.start()
    await two.service.start()
    timeline = [(0, 700), (5, 900), (6, 905), (10, 0)]  # raise, a material rise, noise, clear
    for seconds, wait in timeline:
        at = T0 + timedelta(seconds=seconds)
        first, second = (one, two) if seconds % 2 == 0 else (two, one)  # either may be first
        await first.service.tick(at, Waits(dental=wait))
        await second.service.tick(at, Waits(dental=wait))
    heard = await one.delivered() + await two.delivered()
    assert sorted(heard) == [("cleared", "dental"), ("raised", "dental"), ("updated", "dental")]
    kinds = [t.kind for t in rows(database, AlertTransition)]
    assert sorted(kinds) == ["cleared", "raised", "updated"]


async def test_an_alert_raised_by_one_instance_is_acknowledged_on_another(
    database: Database,
) -> None:
    clock = Clock()
    one, two = Instance(database, [rule()], clock), Instance(database, [rule()], clock)
    await one.service.start()
    await two.service.start()
    (raised,) = await one.service.tick(T0, Waits(dental=700))
    await two.service.tick(T0, Waits(dental=700))  # two adopts the open alert
    acknowledged = await two.service.acknowledge(raised.id, "supervisor-on-two")
    assert (acknowledged.state, acknowledged.acknowledged_by) == (
        "acknowledged",
        "supervisor-on-two",
    )
    with pytest.raises(AlertNotRaised):
        await one.service.acknowledge(raised.id, "supervisor-on-one")


async def test_acknowledge(database: Database) -> None:
    clock = Clock()
    one = Instance(database, [rule()], clock)
    (raised,) = await one.service.tick(T0, Waits(dental=700))
    with pytest.raises(NoSuchAlert):
        await one.service.acknowledge("0" * 32, "sup")
    with pytest.raises(NoSuchAlert):
        await one.service.acknowledge("../etc", "sup")

    clock.now = T0 + timedelta(seconds=30)
    acked = await one.service.acknowledge(raised.id, "sup")
    assert (acked.state, acked.acknowledged_by, acked.acknowledged_at) == (
        "acknowledged", "sup", clock.now,
    )  # fmt: skip
    with pytest.raises(AlertNotRaised) as twice:
        await one.service.acknowledge(raised.id, "other")
    assert twice.value.status == 409 and twice.value.details["state"] == "acknowledged"
    assert ("acknowledged", raised.scope) in await one.delivered()

    await one.service.tick(T0 + timedelta(seconds=40), Waits(dental=0))
    with pytest.raises(AlertNotRaised):
        await one.service.acknowledge(raised.id, "sup")
    trail = sorted(rows(database, AlertTransition), key=lambda t: t.id)
    assert [(t.kind, t.by) for t in trail] == [
        ("raised", None), ("acknowledged", "sup"), ("cleared", None),
    ]  # fmt: skip


async def test_active_lists_open_alerts_critical_first_and_history_newest_first(
    database: Database,
) -> None:
    queue = rule(name="queue", metric="waiting_now", threshold=5, clear_at=None, severity="info")
    one = Instance(database, [rule(), queue], Clock())
    source = Waits(dental=700, crisis=0)
    await one.service.tick(T0, source)
    source.queues["crisis"] = 9
    await one.service.tick(T0 + timedelta(seconds=1), source)
    source.waits["crisis"] = 700
    await one.service.tick(T0 + timedelta(seconds=2), source)

    active = await one.service.active()
    assert [(a.rule, a.scope) for a in active] == [
        ("wait", "crisis"), ("wait", "dental"), ("queue", "crisis"),
    ]  # fmt: skip
    source.waits["dental"] = 0
    await one.service.tick(T0 + timedelta(seconds=3), source)
    assert len(await one.service.active()) == 2
    history = await one.service.history(limit=3)
    assert [(a.rule, a.scope, a.state) for a in history] == [
        ("wait", "crisis", "raised"), ("queue", "crisis", "raised"), ("wait", "dental", "cleared"),
    ]  # fmt: skip
    assert [a.rule for a in await one.service.history(limit=1)] == ["wait"]


async def test_replaced_rules_are_saved_and_clear_what_they_no_longer_cover(
    database: Database,
) -> None:
    one = Instance(database, [rule()], Clock())
    store = RuleStore(database, [rule()])
    assert (await store.current()).source == "default"
    await one.service.tick(T0, Waits(dental=700))

    saved, cleared = await one.service.replace_rules([rule(name="other")], store, "admin")
    assert [(a.rule, a.state) for a in cleared] == [("wait", "cleared")]
    assert [r.name for r in one.service.rules] == ["other"]
    current = await RuleStore(database, [rule()]).current()  # as after a restart
    assert current.rules == saved.rules == (rule(name="other"),)
    assert (current.source, current.saved_by, current.saved_at) == ("saved", "admin", T0)
