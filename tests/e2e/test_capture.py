"""Demographics captured by speech on a live call reach the handoff, never the logs.

The simulator's recordings carry the caller's scripted words (the lab engine
decodes them exactly); the session records, recognises, extracts, hands the
fields to the script, and the FHIR bundle carries them as caller-stated.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from callflow.handoff.settings import HandoffSettings
from callflow.service import Service
from callflow.storage import Database, RedisStore
from ivr_scripts import parse_script
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab, service_settings
from tests.e2e.test_call_flow import record_for

pytestmark = pytest.mark.e2e

SCRIPT = """\
name: capture-test
fallback: default111
start: safety
prompts:
  safety-999: {text: "If this is a life-threatening emergency hang up and dial 999.", safety: true}
  details: {text: "Please say your name, date of birth and postcode."}
nodes:
  safety:
    say: {prompt: safety-999}
    next: details
  details:
    capture: {prompt: details, fields: [name, date_of_birth, postcode], max_seconds: 10}
    next: route
  route:
    route: {destination: default111}
"""
SPOKEN = "my name is martha oyelaran born the fourth of march nineteen forty one postcode se15 4qt"


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    async def accept(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/handoffs", accept)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/handoffs")), received


async def test_spoken_details_reach_the_handoff_and_not_the_logs(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    webhook: tuple[str, list[bytes]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    url, received = webhook
    handoffs = HandoffSettings(handoff_webhooks={"default111": url}, handoff_poll_s=0.1)
    script = parse_script(SCRIPT, "capture-test.yaml")
    async with Service(
        service_settings(sim),
        db=database,
        redis=redis_store,
        script=script,
        handoff_settings=handoffs,
    ) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        channel = await lab.call("+447700900611", {"after_ms": 500, "say": SPOKEN})
        record = await record_for(svc, channel, timeout_s=15)
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)
        events = await svc.publisher.read_all()
    assert (record.outcome, record.destination) == ("routed", "default111")
    assert [c["field"] for c in record.captured] == [
        "given_name",
        "family_name",
        "date_of_birth",
        "postcode",
    ]
    assert all(0 < float(str(c["confidence"])) <= 1 for c in record.captured)
    assert "Oyelaran" not in str(record.model_dump())  # the record keeps no values
    captured = [e for e in events if e.call_id == record.call_id and e.type == "capture.completed"]
    assert captured[0].attributes["fields"] == "given_name,family_name,date_of_birth,postcode"
    assert captured[0].attributes["missing"] == ""
    assert len(received) == 1
    bundle = json.loads(received[0])
    patients = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    text = json.dumps(patients)
    assert "Martha" in text and "Oyelaran" in text
    assert "1941-03-04" in text and "SE15 4QT" in text
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Oyelaran", "oyelaran", "1941-03-04", "SE15 4QT", "se15 4qt", "7700900611"):
        assert secret not in logs
    assert "lab_transcript" not in str(events)


async def test_recordings_of_callers_do_not_stay_on_asterisk(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """Asterisk keeps every recording in its spool until deleted: the caller's voice must
    not outlive the call there, whether it was heard or the caller hung up mid-recording."""
    script = parse_script(SCRIPT, "capture-test.yaml")
    async with Service(service_settings(sim), db=database, redis=redis_store, script=script) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        heard = await lab.call("+447700900612", {"after_ms": 500, "say": SPOKEN})
        record = await record_for(svc, heard, timeout_s=15)
        assert record.captured  # it was recorded and heard
        gone = await lab.call("+447700900613")
        await lab.heard(gone, "sound:urgentline/details")
        await asyncio.sleep(0.6)  # the prompt (300 ms) is over: the recording runs
        await lab.send("POST", f"/calls/{gone}/act", {"hangup": True})
        record = await record_for(svc, gone, timeout_s=15)
        assert record.outcome == "abandoned"
    recorded = [r for r in sim.simulation.requests if r["operation"] == "channels.record"]
    assert len(recorded) == 2
    assert sim.simulation.engine.media.stored == {}
    assert sim.simulation.engine.media.recordings == {}
