"""The never-drop promise under faults inside the overlay itself.

A bug in the session, a service shut down mid-call, a service restarted while
calls sit in Stasis: in each case the caller must end up somewhere, never in
silence and never hung up by us.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest

from callflow.service import Service
from callflow.sessions import session as session_module
from callflow.storage import Database, RedisStore
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import PASSWORD, USER, Lab, fast_london, service_settings
from tests.e2e.test_call_flow import record_for, sim_call

pytestmark = pytest.mark.e2e


async def test_a_bug_in_the_session_hands_the_call_to_the_dialplan(
    service: Service, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_step(*args: Any) -> Any:
        raise RuntimeError("interpreter bug")

    monkeypatch.setattr(session_module, "step", broken_step)
    channel = await lab.call("+447700900170", {"after_ms": 1000, "dtmf": "1"})
    call = await sim_call(lab, channel, "continued")
    assert (call["context"], call["exten"]) == ("urgentline-route", "default111")
    record = await record_for(service, channel)
    assert (record.outcome, record.fallback_reason) == ("continued", "session-error")
    assert service.metrics.session_errors._value.get() == 1


async def test_shutdown_mid_menu_hands_calls_to_the_dialplan(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    settings = service_settings(sim, drain_timeout_s=0.1)
    service = Service(settings, db=database, redis=redis_store, script=fast_london())
    async with service:
        assert service.events is not None and await service.events.wait_connected(5)
        channels = [await lab.call(f"+44770090018{i}") for i in range(3)]
        await asyncio.sleep(0.4)
        assert service.sessions is not None and service.sessions.active == 3
    for channel in channels:
        call = await sim_call(lab, channel, "continued")
        assert call["exten"] == "default111"
        record = await record_for(service, channel)
        assert record.outcome == "continued"
        assert record.fallback_reason == "service-shutdown"


async def test_a_restarted_service_adopts_calls_left_in_stasis(
    sim: AriSimulator, database: Database, redis_store: RedisStore, lab: Lab
) -> None:
    """A call stranded in Stasis by a crashed instance is found on resync and routed."""
    # A bare client stands in for the instance that crashed.
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(
            sim.base_url.replace("http", "ws", 1) + "/events",
            params={"app": "urgentline"},
            headers={"Authorization": aiohttp.encode_basic_auth(USER, PASSWORD)},
        )
        channel = await lab.call("+447700900190")
        start = await ws.receive_json(timeout=5)
        assert start["type"] == "StasisStart" and start["channel"]["id"] == channel
        await ws.close()  # it dies: the channel stays in Stasis, ringing
    async with Service(
        service_settings(sim), db=database, redis=redis_store, script=fast_london()
    ) as second:
        call = await sim_call(lab, channel, "bridged")
        assert call["endpoint"] == "PJSIP/default111"
        record = await record_for(second, channel)
        assert (record.outcome, record.fallback_reason) == ("fallback", "resync-adopted")
