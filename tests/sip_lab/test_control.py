"""The ``/_lab`` control plane: callers, providers, outcomes, faults, logs."""

from __future__ import annotations

import asyncio
import json

import pytest

from sip_lab.ari import AriSimulator
from tests.sip_lab.labkit import APP, PASSWORD, Ari


async def bridge_to(ari: Ari, caller: str, endpoint: str, leg: str) -> None:
    """What urgentline does to route a call: originate the provider leg, bridge both."""
    reply = await ari.request(
        "POST", f"/channels/{leg}", params={"endpoint": endpoint, "app": APP, "appArgs": "provider"}
    )
    assert reply.status == 200, reply
    await ari.request("POST", f"/bridges/br-{leg}")
    for _ in range(100):
        channel = await ari.request("GET", f"/channels/{leg}")
        if channel.json.get("dialplan", {}).get("app_name") == "Stasis":
            break
        await asyncio.sleep(0.01)
    added = await ari.request(
        "POST", f"/bridges/br-{leg}/addChannel", params={"channel": f"{caller},{leg}"}
    )
    assert added.status == 204, added


async def test_call_body_is_validated(ari: Ari) -> None:
    bad_digit = await ari.lab("POST", "/calls", {"script": [{"dtmf": "1x"}]})
    assert bad_digit.status == 400
    unknown = await ari.lab("POST", "/calls", {"callr": "+447700900123"})
    assert unknown.status == 400
    assert "+447700900123" not in unknown.text  # callers' numbers are not echoed back


async def test_app_not_connected_means_stasis_failed_and_no_events(ari: Ari) -> None:
    bystander = await ari.events("someone-else")
    channel = await ari.call("+447700900130")
    record = await ari.record(channel)
    assert (record["outcome"], record["state"]) == ("stasis_failed", "ringing")
    listed = (await ari.lab("GET", "/channels")).json
    assert [c["stasis_app"] for c in listed] == [None]
    ended = await ari.wait_record(channel, lambda r: r["state"] == "ended")
    assert (ended["outcome"], ended["hangup_by"]) == ("stasis_failed", "dialplan")
    assert await bystander.quiet(0.1) == []


async def test_originate_and_bridge_records_bridged_and_nobody_hangs_up_the_other_side(
    ari: Ari, sim: AriSimulator
) -> None:
    sim.config.provider_hold_ms = 100
    events = await ari.events()
    caller = await ari.call("+447700900131")
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{caller}/answer")
    await bridge_to(ari, caller, "PJSIP/dental", "leg-dental")
    record = await ari.record(caller)
    assert (record["outcome"], record["endpoint"], record["provider_channel_id"]) == (
        "bridged",
        "PJSIP/dental",
        "leg-dental",
    )
    await events.until("ChannelDestroyed", lambda e: e["channel"]["id"] == "leg-dental")
    await asyncio.sleep(0.1)
    assert (
        await ari.request("GET", f"/channels/{caller}")
    ).status == 200  # still up: the app must act
    waiting = await ari.record(caller)
    assert waiting["state"] == "up" and waiting["provider_ended_at"] is not None
    await ari.request("DELETE", f"/channels/{caller}")
    ended = await ari.record(caller)
    assert (ended["outcome"], ended["hangup_by"], ended["state"]) == ("bridged", "app", "ended")
    origination = (await ari.lab("GET", "/originations")).json[0]
    assert (origination["endpoint"], origination["result"], origination["hangup_by"]) == (
        "PJSIP/dental",
        "answered",
        "provider",
    )


async def test_busy_and_failing_endpoints(ari: Ari) -> None:
    await ari.events()
    await ari.lab("PUT", "/endpoints/PJSIP/dental", {"behaviour": "busy"})
    await ari.lab("PUT", "/endpoints/pjsip/crisis", {"behaviour": "fail"})
    failing = await ari.request(
        "POST", "/channels", params={"endpoint": "PJSIP/crisis", "app": APP}
    )
    assert (failing.status, failing.json) == (500, {"error": "Allocation failed"})
    await ari.request("POST", "/channels/b-1", params={"endpoint": "PJSIP/dental", "app": APP})
    await asyncio.sleep(0.3)
    [origination] = (await ari.lab("GET", "/originations")).json
    assert (origination["result"], origination["cause"]) == ("busy", 17)
    endpoints = (await ari.lab("GET", "/endpoints")).json
    assert endpoints["pjsip/dental"]["behaviour"] == "busy"
    assert (await ari.lab("DELETE", "/endpoints/PJSIP/dental")).status == 204
    assert "pjsip/dental" not in (await ari.lab("GET", "/endpoints")).json


async def test_unknown_technology_fails_like_asterisk(ari: Ari) -> None:
    reply = await ari.request("POST", "/channels", params={"endpoint": "Nope/123", "app": APP})
    assert (reply.status, reply.json) == (500, {"error": "Allocation failed"})
    invalid = await ari.request("POST", "/channels", params={"endpoint": "PJSIP", "app": APP})
    assert (invalid.status, invalid.json) == (400, {"message": "Invalid endpoint specified"})


async def test_unanswered_call_is_abandoned_after_the_ring_timeout(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call("+447700900132", ring_timeout_ms=100)
    await events.until("StasisEnd", within=2)
    record = await ari.record(channel)
    assert (record["outcome"], record["abandoned"], record["hangup_by"]) == (
        "hung_up_by_caller",
        True,
        "caller",
    )
    assert record["answered_at"] is None


async def test_script_presses_each_digit_and_records_them(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call(
        "+447700900133", {"after_ms": 10, "dtmf": "12#"}, {"after_ms": 30, "hangup": True}
    )
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{channel}/answer")
    digits = [(await events.until("ChannelDtmfReceived"))["digit"] for _ in range(3)]
    assert digits == ["1", "2", "#"]
    await events.until("StasisEnd")
    record = await ari.record(channel)
    assert (record["dtmf_sent"], record["outcome"], record["script_done"]) == (
        "12#",
        "hung_up_by_caller",
        True,
    )


async def test_app_hangup_and_media_are_recorded(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call("")
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{channel}/answer")
    await ari.request(
        "POST", f"/channels/{channel}/play", params={"media": "sound:welcome,sound:menu"}
    )
    await events.until("PlaybackFinished")
    await ari.request("DELETE", f"/channels/{channel}")
    record = await ari.record(channel)
    assert (record["outcome"], record["caller"], record["media_played"]) == (
        "hung_up_by_app",
        "",
        ["sound:welcome", "sound:menu"],
    )
    assert record["answered_at"] <= record["ended_at"]


async def test_rest_failures_and_delays_can_be_injected(ari: Ari) -> None:
    await ari.events()
    channel = await ari.call()
    fault = await ari.lab(
        "POST", "/faults", {"fail_status": 503, "fail_count": 1, "path_regex": "/answer$"}
    )
    assert fault.status == 200
    first = await ari.request("POST", f"/channels/{channel}/answer")
    second = await ari.request("POST", f"/channels/{channel}/answer")
    assert (first.status, second.status) == (503, 204)
    await ari.lab(
        "POST", "/faults", {"delay_ms": 200, "path_regex": "/asterisk/ping", "method": "GET"}
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert (await ari.request("GET", "/asterisk/ping")).status == 200
    assert loop.time() - started >= 0.19
    assert (await ari.lab("DELETE", "/faults")).status == 204
    started = loop.time()
    await ari.request("GET", "/asterisk/ping")
    assert loop.time() - started < 0.15
    assert (await ari.lab("POST", "/faults", {"explode": True})).status == 400


async def test_new_event_sockets_can_be_refused_for_a_while(ari: Ari) -> None:
    await ari.lab("POST", "/faults", {"refuse_ws_ms": 150})
    with pytest.raises(Exception, match="503"):
        await ari.events()
    await asyncio.sleep(0.2)
    await ari.events()
    assert (await ari.lab("GET", "/stats")).json["ws"]["refused"] == 1


async def test_request_log_shows_what_the_client_sent_without_credentials(ari: Ari) -> None:
    await ari.events()
    await ari.request(
        "POST",
        "/channels",
        params={"endpoint": "PJSIP/dental", "app": APP, "api_key": f"urgentline:{PASSWORD}"},
    )
    await ari.request("POST", "/bridges", json_body={"type": "mixing", "name": "r"})
    log = (await ari.lab("GET", "/requests?limit=2")).json
    assert [(e["method"], e["path"], e["operation"], e["status"]) for e in log] == [
        ("POST", "/ari/channels", "channels.originate", 200),
        ("POST", "/ari/bridges", "bridges.create", 200),
    ]
    assert ["endpoint", "PJSIP/dental"] in log[0]["query"]
    assert log[1]["body"] == {"type": "mixing", "name": "r"}
    everything = json.dumps((await ari.lab("GET", "/requests")).json)
    assert PASSWORD not in everything and "api_key" not in everything and "Basic" not in everything


async def test_stats_count_calls_requests_and_sockets(ari: Ari) -> None:
    events = await ari.events()
    await ari.call()
    await ari.call("+447700900134", ring_timeout_ms=50)
    await events.until("StasisEnd")
    await ari.request("GET", "/channels")
    stats = (await ari.lab("GET", "/stats")).json
    assert stats["calls"]["total"] == 2
    assert stats["calls"]["by_outcome"] == {"in_progress": 1, "hung_up_by_caller": 1}
    assert stats["rest"]["by_operation"]["channels.list"] == 1
    assert stats["ws"]["connections"] == 1


async def test_reset_forgets_calls_and_config_changes_timings(ari: Ari) -> None:
    await ari.events()
    await ari.call()
    assert (await ari.lab("POST", "/reset")).status == 204
    assert (await ari.lab("GET", "/calls")).json == []
    assert (await ari.request("GET", "/channels")).json == []
    config = await ari.lab(
        "POST", "/config", {"media_ms": 5, "media_durations": {"sound:long": 50}}
    )
    assert (config.json["media_ms"], config.json["media_durations"]) == (5, {"sound:long": 50})
    assert (await ari.lab("POST", "/config", {"media_ms": -1})).status == 400


async def test_unknown_call_is_404(ari: Ari) -> None:
    reply = await ari.lab("GET", "/calls/nope")
    assert (reply.status, reply.json) == (404, {"message": "No such call"})
