"""A call end to end: simulator -> ARI -> CallSession -> destination, with a record.

Each promise gets a test that tries to break it: failing destinations,
dependency errors and a dropped event socket must still end with the caller
connected somewhere (never dropped), and every ended call leaves one CallRecord
whose story matches the event stream.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from sqlmodel import select

from callflow.events import CallEventType
from callflow.handoff.models import HandoffOutbox
from callflow.service import Service
from callflow.storage import RedisStore
from callflow.storage.models import CallRecord
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab, fast_london, service_settings

pytestmark = pytest.mark.e2e


async def record_for(service: Service, channel_id: str, timeout_s: float = 10) -> CallRecord:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        rows = await service.db.run(
            lambda s: s.exec(select(CallRecord).where(CallRecord.channel_id == channel_id)).all()
        )
        if rows:
            return rows[0]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no CallRecord for {channel_id} within {timeout_s}s")


async def sim_call(
    lab: Lab, channel_id: str, outcome: str, timeout_s: float = 10
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    call: dict[str, Any] = {}
    while asyncio.get_running_loop().time() < deadline:
        call = await lab.get(f"/calls/{channel_id}")
        if call["outcome"] == outcome:
            return call
        await asyncio.sleep(0.05)
    raise AssertionError(f"simulator says {call.get('outcome')!r}, wanted {outcome!r}")


@pytest.mark.parametrize(("key", "destination"), [("1", "dental"), ("2", "crisis")])
async def test_menu_choice_routes_to_its_destination(
    service: Service, lab: Lab, key: str, destination: str
) -> None:
    channel = await lab.call("+447700900123", {"after_ms": 1000, "dtmf": key})
    call = await sim_call(lab, channel, "bridged")
    assert call["endpoint"] == f"PJSIP/{destination}"
    record = await record_for(service, channel)
    assert (record.outcome, record.destination) == ("routed", destination)
    assert record.menu_path == [f"main:{key}"]
    assert record.caller == "+447700900123" and not record.caller_withheld
    assert record.answered_at and record.routed_at and record.connected_at and record.ended_at
    assert record.arrived_at <= record.answered_at <= record.routed_at <= record.connected_at


async def test_no_input_goes_to_the_default_provider(service: Service, lab: Lab) -> None:
    channel = await lab.call("")
    call = await sim_call(lab, channel, "bridged")
    assert call["endpoint"] == "PJSIP/default111"
    record = await record_for(service, channel)
    assert (record.outcome, record.destination) == ("routed", "default111")
    assert record.menu_path == ["main:timeout", "main:timeout"]
    assert record.caller is None and record.caller_withheld


async def test_a_number_the_caller_withheld_is_neither_kept_nor_passed_on(
    service: Service, lab: Lab
) -> None:
    """The feed asserts the number but the caller withheld it: the choice holds."""
    number = "+447700900124"
    channel = await lab.call(
        number, {"after_ms": 1000, "dtmf": "1"}, args=["inbound", "prohib_passed_screen"]
    )
    record = await record_for(service, channel, timeout_s=15)
    assert (record.outcome, record.destination) == ("routed", "dental")
    assert record.caller is None and record.caller_withheld
    rows = await service.db.run(
        lambda s: s.exec(select(HandoffOutbox).where(HandoffOutbox.call_id == record.call_id)).all()
    )
    assert number not in json.dumps(rows[0].payload)  # no telecom for the provider either


async def test_caller_hanging_up_during_the_safety_message_is_abandoned(
    service: Service, lab: Lab
) -> None:
    channel = await lab.call("+447700900124", {"after_ms": 10, "hangup": True})
    record = await record_for(service, channel)
    assert (record.outcome, record.ended_by, record.destination) == ("abandoned", "caller", None)


async def test_busy_destination_falls_back_to_default(service: Service, lab: Lab) -> None:
    await lab.send("PUT", "/endpoints/PJSIP/dental", {"behaviour": "busy"})
    channel = await lab.call("+447700900125", {"after_ms": 1000, "dtmf": "1"})
    call = await sim_call(lab, channel, "bridged")
    assert call["endpoint"] == "PJSIP/default111"
    record = await record_for(service, channel)
    assert (record.outcome, record.destination) == ("fallback", "default111")
    assert record.fallback_reason and record.fallback_reason.startswith("destination-")


async def test_originate_error_falls_back(service: Service, lab: Lab) -> None:
    await lab.send("PUT", "/endpoints/PJSIP/crisis", {"behaviour": "fail"})
    channel = await lab.call("+447700900126", {"after_ms": 1000, "dtmf": "2"})
    call = await sim_call(lab, channel, "bridged")
    assert call["endpoint"] == "PJSIP/default111"
    record = await record_for(service, channel)
    assert (record.outcome, record.fallback_reason) == ("fallback", "originate-500")


async def test_every_destination_failing_hands_the_call_to_the_dialplan(
    service: Service, lab: Lab
) -> None:
    for endpoint in ("dental", "default111"):
        await lab.send("PUT", f"/endpoints/PJSIP/{endpoint}", {"behaviour": "busy"})
    channel = await lab.call("+447700900127", {"after_ms": 1000, "dtmf": "1"})
    call = await sim_call(lab, channel, "continued")
    assert (call["context"], call["exten"]) == ("urgentline-route", "default111")
    record = await record_for(service, channel)
    assert (record.outcome, record.destination) == ("continued", "dialplan:default111")


async def test_redis_down_does_not_stop_calls(sim: AriSimulator, database: Any, lab: Lab) -> None:
    dead_redis = RedisStore("redis://127.0.0.1:1/0", prefix="urgentline-dead")
    async with Service(
        service_settings(sim), db=database, redis=dead_redis, script=fast_london()
    ) as service:
        assert service.events is not None and await service.events.wait_connected(5)
        channel = await lab.call("+447700900128", {"after_ms": 1000, "dtmf": "1"})
        await sim_call(lab, channel, "bridged")
        record = await record_for(service, channel)
        assert (record.outcome, record.destination) == ("routed", "dental")
        assert record.fallback_reason == "queue-unavailable"
        assert service.publisher.failures > 0
    await dead_redis.aclose()


async def test_calls_survive_a_dropped_event_socket(service: Service, lab: Lab) -> None:
    """Drop the WebSocket mid-menu: the client reconnects, resyncs and every call ends routed."""
    channels = [
        await lab.call(f"+44770090013{i}", {"after_ms": 1500, "dtmf": "1"}) for i in range(4)
    ]
    await asyncio.sleep(0.5)
    await lab.send("POST", "/faults", {"drop_ws": True})
    assert service.events is not None
    await asyncio.sleep(0.05)
    assert await service.events.wait_connected(5)
    for channel in channels:
        call = await sim_call(lab, channel, "bridged")
        assert call["endpoint"] == "PJSIP/dental"
        record = await record_for(service, channel)
        assert record.outcome == "routed"
    assert service.events.reconnects >= 1


async def test_service_down_leaves_calls_to_the_dialplan_fallback(
    sim: AriSimulator, lab: Lab
) -> None:
    channel = await lab.call("+447700900140")
    call = await sim_call(lab, channel, "stasis_failed")
    assert call["outcome"] == "stasis_failed"


async def test_record_and_event_stream_agree(service: Service, lab: Lab) -> None:
    script = [
        ("+447700900150", [{"after_ms": 1000, "dtmf": "1"}]),
        ("+447700900151", [{"after_ms": 10, "hangup": True}]),
        ("+447700900152", [{"after_ms": 1000, "dtmf": "2"}]),
    ]
    channels = [await lab.call(caller, *steps) for caller, steps in script]
    records = [await record_for(service, channel) for channel in channels]
    events = await service.publisher.read_all()
    for record in records:
        mine = [e for e in events if e.call_id == record.call_id]
        types = [e.type for e in mine]
        assert types[0] == CallEventType.ARRIVED and types[-1] == CallEventType.ENDED
        ended = mine[-1].attributes
        assert ended["outcome"] == record.outcome
        assert ended["destination"] == record.destination
        choices = [e.attributes["choice"] for e in mine if e.type == CallEventType.MENU_CHOICE]
        assert choices == record.menu_path
        if record.outcome == "routed":
            connected = [e for e in mine if e.type == CallEventType.CONNECTED]
            assert [e.attributes["destination"] for e in connected] == [record.destination]
        assert all("+4477" not in str(e.attributes) for e in mine), "no caller ids on the stream"


async def test_no_caller_number_reaches_the_logs(
    service: Service, lab: Lab, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    numbers = ["+447700900161", "+447700900162"]
    channels = [
        await lab.call(numbers[0], {"after_ms": 1000, "dtmf": "1"}),
        await lab.call(numbers[1], {"after_ms": 10, "hangup": True}),
    ]
    for channel in channels:
        await record_for(service, channel)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for number in numbers:
        assert number not in text and number.lstrip("+") not in text


async def test_a_prompt_asterisk_cannot_play_sends_the_call_to_the_fallback(
    sim: AriSimulator, service: Service, lab: Lab
) -> None:
    """Asterisk 22 ends the playback of a missing sound file with state ``failed``: the
    caller heard nothing, so the menu must not wait for a key they were never offered."""
    sim.config.missing_media = {"sound:urgentline/main-menu"}
    channel = await lab.call("+447700900160")
    call = await sim_call(lab, channel, "bridged")
    assert call["endpoint"] == "PJSIP/default111"
    assert "sound:urgentline/main-menu" not in call["media_played"]
    record = await record_for(service, channel)
    assert (record.outcome, record.fallback_reason) == ("fallback", "playback-failed")
    assert record.menu_path == []  # no timeouts counted on a menu nobody heard
