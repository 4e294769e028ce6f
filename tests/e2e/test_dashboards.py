"""The supervisors' view end to end: live figures, alerts within a second, the syndromic loop.

The whole service runs against the simulator with the dashboards mounted on its
application, as ``urgentline serve`` and the demo run them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlmodel import select

from callflow.app import create_app
from callflow.auth import AUTH_SERVICE
from callflow.service import Service
from callflow.storage import Database, RedisStore
from callflow.storage.models import CallRecord
from dashboards.alerts import parse_rules
from dashboards.runtime import Dashboards, DashboardSettings
from sip_lab.ari import AriSimulator
from sip_lab.traffic import TrafficMix, run_traffic, wait_for_calls_to_end
from tests.e2e.conftest import Lab, fast_london, service_settings
from tests.e2e.test_call_flow import record_for

pytestmark = pytest.mark.e2e

LONG_WAIT_RULE = """\
- name: long-wait
  title: A caller has waited over 2 s
  metric: longest_wait_s
  scope: system
  comparison: ">"
  threshold: 2
  window_s: 900
  min_duration_s: 0
  cooldown_s: 60
  min_calls: 0
  severity: critical
  recipients: [dashboard]
"""


@asynccontextmanager
async def running(
    sim: AriSimulator, database: Database, redis_store: RedisStore, **dash: Any
) -> AsyncIterator[tuple[Service, Dashboards, TestClient[Any, Any]]]:
    """Service + application + dashboards (with ``dash`` overrides), as the demo runs them."""
    settings = service_settings(sim, dashboards_enabled=False, cookie_secure=False)
    async with Service(settings, db=database, redis=redis_store, script=fast_london()) as svc:
        assert svc.events is not None and await svc.events.wait_connected(5)
        app = create_app(settings, svc)
        dashboards = Dashboards(
            database,
            redis_store,
            DashboardSettings(
                instance=svc.instance,
                providers=tuple(svc.destinations.destinations),
                pathways=tuple(sorted(svc.destinations.pathways)),
                labels={k: d.name for k, d in svc.destinations.destinations.items()},
                **{k: v for k, v in dash.items() if k != "rules"},
            ),
            raise_flag=svc.flags.raise_flag,
            rules=dash.get("rules"),
        )
        dashboards.mount(app, svc.metrics.registry)
        async with dashboards, TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield svc, dashboards, client


async def _token(client: TestClient[Any, Any], name: str, role: str) -> dict[str, str]:
    auth = client.app[AUTH_SERVICE]
    await auth.create_user(name, "a-long-pass-phrase", [role])
    return {"Authorization": f"Bearer {(await auth.issue_token(name, 't')).token}"}


async def test_the_board_matches_the_call_records(
    sim: AriSimulator, database: Database, redis_store: RedisStore
) -> None:
    mix = TrafficMix(input_after_ms=(1200, 1600), early_hangup_ms=(100, 400), max_call_ms=3000)
    async with running(sim, database, redis_store) as (svc, dash, client):
        channels = await run_traffic(sim.control_url, calls=12, rate=6, seed=11, mix=mix)
        await wait_for_calls_to_end(sim.control_url, channels, timeout_s=60)
        records = [await record_for(svc, channel, timeout_s=20) for channel in channels]
        await dash.consumer.drain(10)
        board = await dash.board(datetime.now(UTC))
        sup = await _token(client, "sup", "supervisor")
        over_http = await (await client.get("/api/metrics/board", headers=sup)).json()
        stored = await database.run(lambda s: s.exec(select(CallRecord)).all())
    assert len(stored) == len(records) == 12
    system = board.system.figures
    connected = [r for r in records if r.connected_at is not None]
    assert system.a01_received == len(records)
    assert system.a03_answered == len(connected)
    assert system.a02_ivr_routed == sum(r.routed_at is not None for r in records)
    for row in board.providers:
        assert row.figures.a03_answered == sum(r.destination == row.key for r in connected)
    waits = sorted(
        (r.connected_at - r.routed_at).total_seconds()
        for r in connected
        if r.connected_at and r.routed_at
    )
    assert system.b06_mean_answer_s is not None
    assert system.b06_mean_answer_s == pytest.approx(sum(waits) / len(waits), abs=0.05)
    assert over_http["system"]["figures"]["a01_received"] == len(records)
    labels = {row.key: row.label for row in board.providers}
    assert labels["dental"] == "Urgent dental pain service"  # people read names, not keys


async def test_a_long_wait_raises_its_alert_within_a_second_and_it_can_be_acknowledged(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    rules = parse_rules(LONG_WAIT_RULE, "test-rules.yaml")
    async with running(sim, database, redis_store, rules=rules) as (svc, dash, client):
        await svc.queues.set_capacity("dental", 0)  # nobody free: the caller waits
        channel = await lab.call("+447700900901", {"after_ms": 1300, "dtmf": "1"})
        routed: datetime | None = None
        raised = None
        for _ in range(200):
            if routed is None:
                events = await svc.publisher.read_all()
                routed = next((e.at for e in events if e.type == "call.routing"), None)
            active = await dash.alerts()
            if active:
                raised = active[0]
                break
            await asyncio.sleep(0.05)
        assert routed is not None and raised is not None, "no alert for a 2 s wait"
        crossed = routed + timedelta(seconds=2)
        latency = (raised.raised_at - crossed).total_seconds()
        assert 0 <= latency <= 1.0, f"alert {latency:.2f} s after the threshold was crossed"
        sup = await _token(client, "sup", "supervisor")
        ack = await client.post(f"/api/alerts/{raised.id}/ack", headers=sup)
        assert ack.status == 200
        assert (await dash.alerts())[0].state == "acknowledged"
        await svc.queues.set_capacity("dental", 1)
        assert svc.dispatcher is not None
        svc.dispatcher.poke()
        await record_for(svc, channel, timeout_s=15)


async def test_an_outbreak_raises_an_alarm_and_the_approved_message_is_heard(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    mix = TrafficMix.outbreak(input_after_ms=(200, 400), max_call_ms=30_000)
    async with running(sim, database, redis_store, syndromic_every_s=1.0) as (svc, dash, client):
        channels = await run_traffic(sim.control_url, calls=20, rate=5, seed=3, mix=mix)
        await wait_for_calls_to_end(sim.control_url, channels, timeout_s=90)
        proposal = None
        for _ in range(100):
            view = await dash.syndromic(datetime.now(UTC))
            proposal = next((p for p in view.proposals if p.status == "proposed"), None)
            if proposal is not None:
                break
            await asyncio.sleep(0.1)
        assert proposal is not None, "the outbreak raised no proposal"
        assert proposal.flag == "dv_surge"
        assert {a.indicator for a in view.alarms} & {"diarrhoea", "vomiting"}
        assert "surge-dv" not in str((await lab.get(f"/calls/{channels[-1]}"))["media_played"]), (
            "nobody heard the message before it was approved"
        )
        sup = await _token(client, "sup", "supervisor")
        refused = await client.post(f"/api/syndromic/proposals/{proposal.id}/approve", headers=sup)
        assert refused.status == 403  # a commissioner decides
        com = await _token(client, "com", "commissioner")
        approved = await client.post(f"/api/syndromic/proposals/{proposal.id}/approve", headers=com)
        assert approved.status == 200, await approved.text()
        assert "dv_surge" in await svc.flags.current()
        expiries = await svc.flags.expiries()
        assert expiries["dv_surge"] is not None  # the message expires by itself
        after = await lab.call("+447700900999", {"after_ms": 8000, "hangup": True})
        await wait_for_calls_to_end(sim.control_url, [after], timeout_s=30)
        heard = (await lab.get(f"/calls/{after}"))["media_played"]
    assert "sound:urgentline/surge-dv" in heard
