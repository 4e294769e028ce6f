"""The shared queue end to end: priority overtakes, first free clinician, many instances."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from callflow.routing.repeat import RepeatCallers
from callflow.service import Service
from callflow.storage import Database, RedisStore
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab, fast_london, service_settings
from tests.e2e.test_call_flow import record_for

pytestmark = pytest.mark.e2e

PRESS_1 = {"after_ms": 1300, "dtmf": "1"}  # inside the menu's input window


async def test_a_repeat_caller_overtakes_a_standard_caller(service: Service, lab: Lab) -> None:
    """Both wait for the one clinician; the repeat caller, who came later, goes first."""
    await lab.send("PUT", "/endpoints/PJSIP/dental", {"behaviour": "answer", "hold_ms": 1500})
    await service.queues.set_capacity("dental", 0)  # nobody free until both are waiting
    repeat_number = "+447700900202"
    history = RepeatCallers(service.redis, service.settings.secret_key.get_secret_value().encode())
    for i, hours_ago in enumerate((50, 20)):
        await history.record(f"earlier-{i}", _hours_ago(hours_ago), repeat_number)

    standard = await lab.call("+447700900201", PRESS_1)
    await asyncio.sleep(0.3)
    repeat = await lab.call(repeat_number, PRESS_1)
    for _ in range(100):
        if (await service.queues.stats("dental")).waiting == 2:
            break
        await asyncio.sleep(0.1)
    assert (await service.queues.stats("dental")).waiting == 2
    await service.queues.set_capacity("dental", 1)
    assert service.dispatcher is not None
    service.dispatcher.poke()

    later = await record_for(service, standard, timeout_s=15)
    overtaker = await record_for(service, repeat, timeout_s=15)
    for record in (later, overtaker):
        assert (record.outcome, record.destination) == ("routed", "dental")
    assert overtaker.arrived_at > later.arrived_at
    assert overtaker.connected_at and later.connected_at
    assert overtaker.connected_at < later.connected_at
    events = await service.publisher.read_all()
    routing = [e for e in events if e.call_id == overtaker.call_id and e.type == "call.routing"]
    assert routing[0].attributes["priority_classes"] == "repeat_caller"


async def test_two_instances_share_one_queue_without_double_delivery(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    await lab.send("PUT", "/endpoints/PJSIP/dental", {"behaviour": "answer", "hold_ms": 300})
    services = [
        Service(
            service_settings(sim, ari_app=f"urgentline-{name}", instance=name),
            db=database,
            redis=redis_store,
            script=fast_london(),
        )
        for name in ("a", "b")
    ]
    async with services[0] as a, services[1] as b:
        for svc in (a, b):
            assert svc.events is not None and await svc.events.wait_connected(5)
        await a.queues.set_capacity("dental", 1)
        channels = [
            await lab.call(f"+44770090030{i}", PRESS_1, app=f"urgentline-{'ab'[i % 2]}")
            for i in range(6)
        ]
        records = [await record_for(a, channel, timeout_s=30) for channel in channels]
    assert all((r.outcome, r.destination) == ("routed", "dental") for r in records)
    originations = await lab.get("/originations")
    dental = [o for o in originations if o.get("endpoint") == "PJSIP/dental"]
    assert len(dental) == len(channels), "each call dialled the provider exactly once"
    spans = sorted((r.connected_at, r.ended_at) for r in records)
    for (_, ended), (connected, _) in itertools.pairwise(spans):
        assert ended is not None and connected is not None
        assert connected >= ended, "one clinician never took two calls at once"


def _hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


async def test_a_callback_keeps_the_callers_place(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """B accepts a call back and hangs up; C arrives later and stays on; B is served first."""
    await lab.send("PUT", "/endpoints/PJSIP/dental", {"behaviour": "answer", "hold_ms": 6000})
    settings = service_settings(sim, callback_offer_after_s=0.3)
    async with Service(settings, db=database, redis=redis_store, script=fast_london()) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        await svc.queues.set_capacity("dental", 1)
        busy = await lab.call("+447700900400", PRESS_1)
        await asyncio.sleep(0.2)
        keeper = await lab.call("+447700900401", PRESS_1, {"after_ms": 2000, "dtmf": "1"})
        for _ in range(80):  # B accepts the call back and the overlay releases the line
            if (await lab.get(f"/calls/{keeper}"))["hangup_by"] == "app":
                break
            await asyncio.sleep(0.1)
        assert (await lab.get(f"/calls/{keeper}"))["hangup_by"] == "app"
        later = await lab.call("+447700900402", PRESS_1)
        records = {
            name: await record_for(svc, channel, timeout_s=20)
            for name, channel in (("busy", busy), ("keeper", keeper), ("later", later))
        }
        events = await svc.publisher.read_all()
    keeper_events = [e.type for e in events if e.call_id == records["keeper"].call_id]
    assert "callback.accepted" in keeper_events and "callback.made" in keeper_events
    for record in records.values():
        assert (record.outcome, record.destination) == ("routed", "dental")
    assert records["keeper"].connected_at and records["later"].connected_at
    assert records["keeper"].connected_at < records["later"].connected_at
    originations = await lab.get("/originations")
    assert any(o.get("endpoint", "").startswith("PJSIP/+447700900401") for o in originations)
