"""A known caller end to end: care plan found, personalised path, priority, handoff.

The caller's number is on the shipped mental-health crisis register; the call
must take the crisis-plan branch of the London script (no menu), queue with
the crisis-plan class and its script credit, reach the crisis line, and leave
a FHIR handoff delivered once, signed, to the provider's webhook.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from callflow.handoff.signing import verify
from callflow.service import Service
from callflow.storage import Database, RedisStore
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab, fast_london, service_settings
from tests.e2e.test_call_flow import record_for

pytestmark = pytest.mark.e2e

REGISTER = Path(__file__).resolve().parents[2] / "careplans/examples/mh-crisis-register.csv"
PLAN_HOLDER = "+447700900444"  # Jack Specimen's mobile on the synthetic register
SECRET = "test-handoff-secret"


@pytest.fixture
async def webhook() -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    async def accept(request: web.Request) -> web.Response:
        body = await request.read()
        received.append({"headers": dict(request.headers), "body": body})
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/handoffs", accept)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/handoffs")), received


async def test_a_crisis_plan_holder_takes_the_personalised_path(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    webhook: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, received = webhook
    monkeypatch.setenv("URGENTLINE_HANDOFF_WEBHOOKS", json.dumps({"crisis": url}))
    monkeypatch.setenv("URGENTLINE_HANDOFF_SECRET", SECRET)
    monkeypatch.setenv("URGENTLINE_HANDOFF_POLL_S", "0.1")
    async with Service(
        service_settings(sim), db=database, redis=redis_store, script=fast_london()
    ) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        report = await svc.plans.import_content(REGISTER.read_bytes(), source="test-register")
        assert report.created >= 1
        channel = await lab.call(PLAN_HOLDER)  # presses nothing: the plan decides
        record = await record_for(svc, channel, timeout_s=15)
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)
        events = await svc.publisher.read_all()
    assert (record.outcome, record.destination) == ("routed", "crisis")
    assert record.menu_path == []  # never heard the menu
    routing = [e for e in events if e.call_id == record.call_id and e.type == "call.routing"]
    assert routing[0].attributes["priority_classes"] == "crisis_plan"
    assert routing[0].attributes["boost_s"] > 1800  # class boost plus the script's credit
    assert len(received) == 1, "one handoff, delivered once"
    delivery = received[0]
    headers = delivery["headers"]
    verify(SECRET, delivery["body"], headers, now=time.time())  # raises when forged
    bundle = json.loads(delivery["body"])
    assert bundle["entry"][0]["resource"]["resourceType"] == "MessageHeader"
    flags = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert flags, "the bundle flags the care plan"
    assert PLAN_HOLDER in delivery["body"].decode()  # CLI as telecom
