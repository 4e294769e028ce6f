"""The shared queue end to end: priority overtakes, first free clinician, many instances."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from callflow.handoff.models import HandoffOutbox
from callflow.routing.repeat import RepeatCallers
from callflow.service import Service
from callflow.storage import Database, RedisStore
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab, fast_london, service_settings
from tests.e2e.test_call_flow import record_for, sim_call

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
        await sim_call(lab, busy, "bridged")  # the one clinician is taken before B queues
        keeper = await lab.call("+447700900401", PRESS_1)
        await lab.accept_call_back(keeper)  # the overlay releases B's line
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


async def test_a_pathway_whose_providers_are_all_closed_goes_to_the_fallback(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    from callflow.routing.destinations import Destinations, load_destinations

    data = load_destinations().model_dump()
    data["destinations"]["dental"]["hours"] = {}  # no day listed: closed all week
    destinations = Destinations.model_validate(data)
    async with Service(
        service_settings(sim),
        db=database,
        redis=redis_store,
        script=fast_london(),
        destinations=destinations,
    ) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        channel = await lab.call("+447700900301", PRESS_1)
        record = await record_for(svc, channel, timeout_s=15)
    assert (record.outcome, record.destination) == ("fallback", "default111")
    assert record.fallback_reason == "pathway-closed"


async def test_a_call_back_promised_by_a_stopped_instance_is_kept_by_another(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """A caller accepts a call back, the instance is redeployed: the next one rings them."""
    settings = service_settings(sim, callback_offer_after_s=0.3, queue_capture_fields="")
    async with Service(
        settings.model_copy(update={"instance": "a"}),
        db=database,
        redis=redis_store,
        script=fast_london(),
    ) as a:
        assert a.events is not None and await a.events.wait_connected(5)
        await a.queues.set_capacity("dental", 0)
        keeper = await lab.call("+447700900411", PRESS_1)
        await lab.accept_call_back(keeper)
    # a has stopped; the place is still held, by nobody in particular.
    assert (await a.queues.stats("dental")).waiting == 1
    async with Service(
        settings.model_copy(update={"instance": "b"}),
        db=database,
        redis=redis_store,
        script=fast_london(),
    ) as b:
        assert b.events is not None and await b.events.wait_connected(5)
        await b.queues.set_capacity("dental", 1)
        assert b.dispatcher is not None
        b.dispatcher.poke()
        record = await record_for(b, keeper, timeout_s=20)
        events = await b.publisher.read_all()
    assert (record.outcome, record.destination) == ("routed", "dental")
    kinds = [e.type for e in events if e.call_id == record.call_id]
    assert kinds.count("callback.accepted") == 1 and kinds.count("callback.made") == 1
    assert kinds.count("call.ended") == 1  # a wrote nothing; b wrote the one record
    originations = await lab.get("/originations")
    assert any(o.get("endpoint", "").startswith("PJSIP/+447700900411") for o in originations)


async def test_a_call_back_nobody_answers_still_reaches_a_clinician_as_a_handoff(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """Three unanswered call backs: the call is not lost, the provider is asked to ring."""
    number = "+447700900421"
    await lab.send("PUT", f"/endpoints/PJSIP/{number}@national111", {"behaviour": "noanswer"})
    settings = service_settings(sim, callback_offer_after_s=0.3, queue_capture_fields="")
    async with Service(settings, db=database, redis=redis_store, script=fast_london()) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        await svc.queues.set_capacity("dental", 0)
        channel = await lab.call(number, PRESS_1)
        await lab.accept_call_back(channel)
        await svc.queues.set_capacity("dental", 1)
        assert svc.dispatcher is not None
        svc.dispatcher.poke()
        record = await record_for(svc, channel, timeout_s=30)
        assert (await svc.queues.stats("dental")).waiting == 0  # the place is given up
    assert (record.outcome, record.destination) == ("abandoned", "dental")
    assert record.fallback_reason == "callback-destination-cause-19"  # 19: no answer
    rings = [o for o in await lab.get("/originations") if number in o["endpoint"]]
    assert len(rings) == 3 and {o["caller_id"] for o in rings} == {'"NHS 111" <111>'}
    rows = await database.run(
        lambda s: s.exec(select(HandoffOutbox).where(HandoffOutbox.call_id == record.call_id)).all()
    )
    (row,) = rows
    assert row.provider == "dental"
    flags = [
        e["resource"]["code"] for e in row.payload["entry"]
        if e["resource"]["resourceType"] == "Flag"
    ]  # fmt: skip
    assert [f["coding"][0]["code"] for f in flags] == ["callback-failed"]
    assert "3 call backs not answered" in flags[0]["text"]


async def test_a_queue_expected_to_take_too_long_overflows_to_the_fallback(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    settings = service_settings(sim, queue_overflow_expected_s=60, queue_capture_fields="")
    async with Service(settings, db=database, redis=redis_store, script=fast_london()) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        # The dental queue served 5 calls in the last 15 minutes: about 3 minutes a place.
        for i in range(5):
            await svc.queues.enqueue(f"earlier-{i}", "dental", float(i), owner="elsewhere")
            claim = await svc.queues.claim("dental", ["dental"], default_capacity=10)
            assert claim is not None
            await svc.queues.release("dental", claim.call_id)
        await svc.queues.set_capacity("dental", 0)
        channel = await lab.call("+447700900451", PRESS_1)
        record = await record_for(svc, channel, timeout_s=30)
    assert (record.outcome, record.destination) == ("fallback", "default111")
    assert record.fallback_reason == "expected-wait-overflow"


async def test_destinations_saved_by_an_admin_route_the_very_next_call(
    service: Service, lab: Lab
) -> None:
    from callflow.routing.destinations import Destinations

    data = service.destinations.model_dump()
    data["destinations"]["dental"]["hours"] = {}  # the dental service is closed from now
    await service.book.save(Destinations.model_validate(data), "admin")
    channel = await lab.call("+447700900461", PRESS_1)
    record = await record_for(service, channel, timeout_s=15)
    assert (record.outcome, record.destination) == ("fallback", "default111")
    assert record.fallback_reason == "pathway-closed"


async def test_a_called_back_caller_nobody_can_take_is_handed_to_the_dialplan_not_dropped(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """Every destination is busy once the caller is rung back: the last resort's continue
    must reach the dialplan's default route. Asterisk hangs up a channel originated
    straight into the app when it leaves Stasis, so the call back is originated into the
    dialplan context that runs Stasis()."""
    number = "+447700900431"
    await lab.send("PUT", f"/endpoints/PJSIP/{number}@national111", {"hold_ms": -1})
    settings = service_settings(sim, callback_offer_after_s=0.3, queue_capture_fields="")
    async with Service(settings, db=database, redis=redis_store, script=fast_london()) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        await svc.queues.set_capacity("dental", 0)
        channel = await lab.call(number, PRESS_1)
        await lab.accept_call_back(channel)
        for endpoint in ("dental", "default111"):
            await lab.send("PUT", f"/endpoints/PJSIP/{endpoint}", {"behaviour": "busy"})
        await svc.queues.set_capacity("dental", 1)
        assert svc.dispatcher is not None
        svc.dispatcher.poke()
        record = await record_for(svc, channel, timeout_s=20)
    assert (record.outcome, record.destination) == ("continued", "dialplan:default111")
    (ring,) = [o for o in await lab.get("/originations") if number in o["endpoint"]]
    for _ in range(100):
        if ring["ended_at"] is not None:
            break
        await asyncio.sleep(0.05)
        (ring,) = [o for o in await lab.get("/originations") if number in o["endpoint"]]
    assert ring["result"] == "answered"
    assert ring["hangup_by"] == "dialplan"  # it reached the default route; "app": dropped


async def test_a_call_back_survives_dropped_event_sockets_before_and_after_it_is_made(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """Resync after a reconnect must neither take a released caller for gone (they have
    no channel while they wait to be rung back) nor adopt the call back's channel as a
    new call (it is the session's caller channel now, not the one it started on)."""
    number = "+447700900441"
    await lab.send("PUT", f"/endpoints/PJSIP/{number}@national111", {"hold_ms": -1})
    await lab.send("PUT", "/endpoints/PJSIP/dental", {"hold_ms": 2500})
    settings = service_settings(sim, callback_offer_after_s=0.3, queue_capture_fields="")
    async with Service(settings, db=database, redis=redis_store, script=fast_london()) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        await svc.queues.set_capacity("dental", 0)
        channel = await lab.call(number, PRESS_1)
        await lab.accept_call_back(channel)
        await lab.send("POST", "/faults", {"drop_ws": True})  # the released caller waits
        await asyncio.sleep(0.05)
        assert await svc.events.wait_connected(5)
        await asyncio.sleep(0.2)
        await svc.queues.set_capacity("dental", 1)
        assert svc.dispatcher is not None
        svc.dispatcher.poke()
        for _ in range(100):  # the call back is bridged with the clinician
            rings = [o for o in await lab.get("/originations") if "dental" in o["endpoint"]]
            if rings and rings[0]["result"] == "answered":
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        await lab.send("POST", "/faults", {"drop_ws": True})  # mid-conversation
        await asyncio.sleep(0.05)
        assert await svc.events.wait_connected(5)
        record = await record_for(svc, channel, timeout_s=20)
        await asyncio.sleep(0.3)
        assert svc.sessions is not None and svc.sessions.active == 0
    assert (record.outcome, record.destination) == ("routed", "dental")
    endpoints = [o["endpoint"] for o in await lab.get("/originations")]
    assert endpoints == [f"PJSIP/{number}@national111", "PJSIP/dental"]  # nothing re-routed
