"""A caller's spoken reason feeds surveillance and red-flag priority, never the logs.

Through the shipped London script: a caller who stays on the line is asked why
they are calling; the words are classified and dropped, the labels ride on the
``call.routing`` event, and a spoken emergency hears the 999 advice again and
queues in the red-flag class.
"""

from __future__ import annotations

import logging

import pytest

from callflow.events import CallEvent
from callflow.service import Service
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import Lab
from tests.e2e.test_call_flow import record_for

pytestmark = pytest.mark.e2e


async def _routing_event(service: Service, call_id: str) -> CallEvent:
    events = await service.publisher.read_all()
    return next(e for e in events if e.call_id == call_id and e.type == "call.routing")


async def test_a_spoken_reason_becomes_indicators_and_nothing_else(
    service: Service, lab: Lab, sim: AriSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    words = "my little girl has been vomiting since tea time and now she has diarrhoea"
    channel = await lab.call("+447700900711", {"after_ms": 300, "say": words})
    record = await record_for(service, channel, timeout_s=20)
    routing = await _routing_event(service, record.call_id)
    assert (record.outcome, record.destination) == ("routed", "default111")
    assert routing.attributes["indicators"] == "diarrhoea,vomiting"
    assert routing.attributes["pathway"] == "default111"
    assert "red_flag" not in str(routing.attributes["priority_classes"])
    assert [c["field"] for c in record.captured] == ["reason"]
    everything = str(await service.publisher.read_all()) + str(record.model_dump())
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for fragment in ("tea time", "little girl", "vomiting since"):
        assert fragment not in everything and fragment not in logs


async def test_a_spoken_emergency_is_queued_as_a_red_flag(
    service: Service, lab: Lab, sim: AriSimulator
) -> None:
    words = "my husband has collapsed on the floor and he is not breathing properly"
    channel = await lab.call("+447700900712", {"after_ms": 300, "say": words})
    record = await record_for(service, channel, timeout_s=20)
    routing = await _routing_event(service, record.call_id)
    assert "red_flag" in str(routing.attributes["priority_classes"]).split(",")
    assert "red_flag" in str(routing.attributes["indicators"]).split(",")
    assert float(str(routing.attributes["boost_s"])) >= 3600
    assert record.destination == "default111"
    heard = (await lab.get(f"/calls/{channel}"))["media_played"]
    assert "sound:urgentline/red-flag-999" in heard


async def test_a_caller_who_says_nothing_still_reaches_111(
    service: Service, lab: Lab, sim: AriSimulator
) -> None:
    channel = await lab.call("+447700900713")
    record = await record_for(service, channel, timeout_s=20)
    routing = await _routing_event(service, record.call_id)
    assert (record.outcome, record.destination) == ("routed", "default111")
    assert routing.attributes["indicators"] == "other"
    assert record.captured == []
    heard = (await lab.get(f"/calls/{channel}"))["media_played"]
    assert "sound:urgentline/reason-ask" in heard
    assert "sound:urgentline/red-flag-999" not in heard
