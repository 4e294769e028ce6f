"""While a caller queues: details asked and read back, place announced, offers never delayed."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from callflow.handoff.models import HandoffOutbox
from callflow.service import Service
from callflow.storage import Database, RedisStore
from ivr_scripts import parse_script
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab, service_settings
from tests.e2e.test_call_flow import record_for

pytestmark = pytest.mark.e2e

SCRIPT = """\
name: queue-test
fallback: default111
start: safety
prompts:
  safety-999: {text: "If this is a life-threatening emergency hang up and dial 999.", safety: true}
nodes:
  safety:
    say: {prompt: safety-999}
    next: route
  route:
    route: {destination: default111, pathway: general-111}
"""
SPOKEN = "it's martha oyelaran born the fourth of march nineteen forty one postcode se15 4qt"


@pytest.fixture
async def waiting_service(
    sim: AriSimulator, database: Database, redis_store: RedisStore, request: Any
) -> AsyncIterator[Service]:
    overrides = getattr(request, "param", {})
    settings = service_settings(
        sim,
        queue_capture_after_s=0.1,
        queue_announce_first_s=0.2,
        queue_announce_every_s=0.4,
        **overrides,
    )
    script = parse_script(SCRIPT, "queue-test.yaml")
    async with Service(settings, db=database, redis=redis_store, script=script) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        await svc.queues.set_capacity("default111", 0)  # everybody waits until a test frees one
        yield svc


async def _free_a_clinician(service: Service) -> None:
    await service.queues.set_capacity("default111", 1)
    assert service.dispatcher is not None
    service.dispatcher.poke()


async def _stated(database: Database, call_id: str) -> str:
    rows = await database.run(
        lambda s: s.exec(select(HandoffOutbox).where(HandoffOutbox.call_id == call_id)).all()
    )
    patients = [
        e["resource"]
        for e in rows[0].payload["entry"]
        if e["resource"]["resourceType"] == "Patient"
    ]
    return json.dumps(patients)


@pytest.mark.parametrize("waiting_service", [{"readback_below": 0.0}], indirect=True)
async def test_details_given_while_queuing_reach_the_handoff_and_the_place_is_announced(
    waiting_service: Service, lab: Lab, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = await lab.call("+447700900811", {"after_ms": 200, "say": SPOKEN})
    await lab.heard(channel, "sound:urgentline/queue-details-ask")
    await lab.heard(channel, "sound:urgentline/queue-position")
    played = await lab.heard(channel, "number:1")  # alone in the queue
    assert not any(m.startswith("sound:urgentline/readback") for m in played)
    await _free_a_clinician(waiting_service)
    record = await record_for(waiting_service, channel, timeout_s=15)
    assert (record.outcome, record.destination) == ("routed", "default111")
    assert [c["field"] for c in record.captured] == [
        "given_name",
        "family_name",
        "date_of_birth",
        "postcode",
    ]
    stated = await _stated(database, record.call_id)
    assert "Oyelaran" in stated and "1941-03-04" in stated and "SE15 4QT" in stated
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Oyelaran", "oyelaran", "1941-03-04", "SE15 4QT", "7700900811"):
        assert secret not in logs


@pytest.mark.parametrize("waiting_service", [{"readback_below": 1.0}], indirect=True)
async def test_a_field_the_caller_rejects_on_read_back_is_left_out(
    waiting_service: Service, lab: Lab, database: Database
) -> None:
    channel = await lab.call("+447700900812", {"after_ms": 200, "say": SPOKEN})
    await lab.heard(channel, "digits:19410304")
    await lab.send("POST", f"/calls/{channel}/act", {"dtmf": "2"})  # "that's wrong"
    played = await lab.heard(channel, "characters:SE154QT")
    assert "sound:urgentline/readback-postcode" in played
    await lab.send("POST", f"/calls/{channel}/act", {"say": "yes that's right"})
    await lab.heard(channel, "sound:urgentline/queue-position")
    await _free_a_clinician(waiting_service)
    record = await record_for(waiting_service, channel, timeout_s=15)
    assert [c["field"] for c in record.captured] == ["given_name", "family_name", "postcode"]
    stated = await _stated(database, record.call_id)
    assert "SE15 4QT" in stated and "1941-03-04" not in stated
    events = await waiting_service.publisher.read_all()
    captured = [e for e in events if e.call_id == record.call_id and e.type == "capture.completed"]
    assert captured[0].attributes["missing"] == "date_of_birth"


@pytest.mark.parametrize("waiting_service", [{"readback_below": 0.0}], indirect=True)
async def test_a_free_clinician_interrupts_the_questions_at_once(
    waiting_service: Service, lab: Lab, sim: AriSimulator
) -> None:
    """The caller is mid-answer when a clinician frees up: they are put through, not kept."""
    channel = await lab.call("+447700900813")  # says nothing: the recording would run on
    await lab.heard(channel, "sound:urgentline/queue-details-ask")
    await asyncio.sleep(0.3)  # the recording of their (silent) answer is running
    await _free_a_clinician(waiting_service)
    record = await record_for(waiting_service, channel, timeout_s=15)
    assert (record.outcome, record.destination) == ("routed", "default111")
    assert record.captured == []
    requests = await lab.get("/requests")
    stopped = [r for r in requests if r["method"] == "POST" and r["path"].endswith("/stop")]
    assert stopped and "/recordings/live/" in stopped[0]["path"]


async def test_a_question_that_ended_while_the_event_socket_was_down_is_not_waited_on(
    waiting_service: Service, lab: Lab, sim: AriSimulator
) -> None:
    """Asterisk does not replay events: a prompt that finished while the overlay was
    deaf is found gone on resync, and the caller is not left in silence (the hold music
    was stopped for it) until the companion's two-minute guard runs out."""
    sim.config.media_durations["sound:urgentline/queue-details-ask"] = 800
    channel = await lab.call("+447700900814")
    await lab.heard(channel, "sound:urgentline/queue-details-ask")
    await lab.send("POST", "/faults", {"drop_ws": True, "refuse_ws_ms": 1200})
    assert waiting_service.events is not None
    assert await waiting_service.events.wait_disconnected(2)
    assert await waiting_service.events.wait_connected(10)
    for _ in range(60):
        requests = await lab.get("/requests")
        if any(r["operation"] == "channels.record" for r in requests):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the question's answer was never recorded after the resync")
    await _free_a_clinician(waiting_service)
    record = await record_for(waiting_service, channel, timeout_s=15)
    assert (record.outcome, record.destination) == ("routed", "default111")
