"""Events on ``/ari/events``: sample flows, event models, subscriptions and sockets."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from sip_lab.ari import AriSimulator
from tests.sip_lab.labkit import (
    API_DOCS,
    APP,
    SAMPLES,
    TIMESTAMP,
    Ari,
    Event,
    EventStream,
    event_types,
)

MODELS: dict[str, dict[str, Any]] = {}
for _file in sorted(API_DOCS.glob("*.json")):
    if _file.name not in {"resources.json", "asterisk-22-samples.json"}:
        MODELS.update(json.loads(_file.read_text()).get("models", {}))
PARENTS = {sub: name for name, model in MODELS.items() for sub in model.get("subTypes", [])}


def _check(value: Any, type_name: str, where: str) -> list[str]:
    """Problems of ``value`` as an instance of a Swagger type (model, primitive or List[...])."""
    if type_name.startswith("List[") and type_name.endswith("]"):
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [
            p
            for i, item in enumerate(value)
            for p in _check(item, type_name[5:-1], f"{where}[{i}]")
        ]
    primitive = {
        "string": lambda v: isinstance(v, str),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "Date": lambda v: isinstance(v, str) and TIMESTAMP.fullmatch(v) is not None,
    }
    if type_name in primitive:
        return [] if primitive[type_name](value) else [f"{where}: not a {type_name}: {value!r}"]
    if not isinstance(value, dict):
        return [f"{where}: expected a {type_name} object"]
    properties: dict[str, Any] = {}
    name: str | None = type_name
    while name is not None:
        properties = {**MODELS[name].get("properties", {}), **properties}
        name = PARENTS.get(name)
    problems = [
        f"{where}.{key}: not in the {type_name} model" for key in value if key not in properties
    ]
    for key, prop in properties.items():
        if key not in value:
            if prop.get("required"):
                problems.append(f"{where}.{key}: required but missing")
            continue
        problems += _check(value[key], prop["type"], f"{where}.{key}")
        allowed = (prop.get("allowableValues") or {}).get("values")
        if allowed and value[key] not in allowed:
            problems.append(f"{where}.{key}: {value[key]!r} not allowed")
    return problems


def problems_of(event: Event) -> list[str]:
    """How ``event`` fails the events.json model of its type (empty when it fits)."""
    kind = event.get("type")
    if kind not in MODELS or PARENTS.get(kind) != "Event":
        return [f"unknown event type {kind!r}"]
    return _check(event, kind, kind)


def test_the_validator_accepts_every_real_sample_and_rejects_broken_ones() -> None:
    for samples in SAMPLES["flows"].values():
        for sample in samples:
            assert problems_of(sample) == [], sample["type"]
    broken = dict(SAMPLES["flows"]["sip_inbound_caller_hangs_up_bye"][0])
    del broken["args"]
    broken["channel"] = dict(broken["channel"], state="Sleeping")
    assert len(problems_of(broken)) == 2


async def drive_inbound(ari: Ari, events: EventStream, *, hang_up_on_dtmf: bool) -> list[Event]:
    """The app of the samples: answer, play hello-world, hang up on a DTMF digit."""
    start = await events.until("StasisStart")
    channel = start["channel"]["id"]
    assert (await ari.request("POST", f"/channels/{channel}/answer")).status == 204
    played = await ari.request(
        "POST", f"/channels/{channel}/play", params={"media": "sound:hello-world"}
    )
    assert played.status == 201
    if hang_up_on_dtmf:
        await events.until("ChannelDtmfReceived")
        assert (await ari.request("DELETE", f"/channels/{channel}")).status == 204
    await events.until("StasisEnd")
    await events.quiet(0.3)
    return [e for e in events.events if e.get("channel", {}).get("id", channel) == channel]


async def test_app_hangs_up_on_dtmf_like_the_sample(ari: Ari) -> None:
    events = await ari.events()
    await ari.call("+447700900123", {"after_ms": 150, "dtmf": "1"})
    got = await drive_inbound(ari, events, hang_up_on_dtmf=True)
    sample = SAMPLES["flows"]["sip_inbound_app_answers_plays_then_hangs_up_on_dtmf"]
    assert event_types(got) == event_types(sample)
    assert all(problems_of(e) == [] for e in got), [problems_of(e) for e in got]
    start, hangup = got[0], got[-2]
    assert (start["channel"]["state"], start["args"]) == ("Ring", ["inbound"])
    assert start["channel"]["dialplan"]["app_data"] == f"{APP},inbound"
    assert list(start) == list(sample[0])  # same key order as Asterisk
    assert (hangup["cause"], hangup["soft"]) == (32, True)
    dtmf = next(e for e in got if e["type"] == "ChannelDtmfReceived")
    assert dtmf["digit"] == "1" and 100 <= dtmf["duration_ms"] <= 250
    assert all(e["application"] == APP and e["asterisk_id"] for e in got)


async def test_caller_bye_is_like_the_sample(ari: Ari) -> None:
    events = await ari.events()
    await ari.call("+447700900123", {"after_ms": 150, "hangup": True})
    got = await drive_inbound(ari, events, hang_up_on_dtmf=False)
    sample = SAMPLES["flows"]["sip_inbound_caller_hangs_up_bye"]
    assert event_types(got) == event_types(sample)
    assert all(problems_of(e) == [] for e in got)
    hangup = next(e for e in got if e["type"] == "ChannelHangupRequest")
    assert "cause" not in hangup and "soft" not in hangup


async def test_originated_provider_flow(ari: Ari) -> None:
    events = await ari.events()
    reply = await ari.request(
        "POST",
        "/channels/prov-1",
        params={"endpoint": "PJSIP/dental", "app": APP, "appArgs": "provider,dental"},
    )
    assert reply.status == 200
    start = await events.until("StasisStart")
    assert start["args"] == ["provider", "dental"]
    assert start["channel"]["dialplan"]["app_data"] == f"{APP},provider,dental"
    destroyed = await events.until("ChannelDestroyed")  # the provider hangs up after its hold
    assert (destroyed["cause"], destroyed["cause_txt"]) == (16, "Normal Clearing")
    assert destroyed["channel"]["dialplan"]["app_name"] == "AppDial2"
    assert event_types(events.events) == [
        "Dial", "ChannelStateChange", "ChannelStateChange", "Dial", "ChannelVarset",
        "StasisStart", *["ChannelVarset"] * 5, "ChannelHangupRequest", "StasisEnd",
        "ChannelVarset", "ChannelDestroyed",
    ]  # fmt: skip
    assert [e["dialstatus"] for e in events.events if e["type"] == "Dial"] == ["", "ANSWER"]
    assert [e["channel"]["state"] for e in events.events if e["type"] == "ChannelStateChange"] == [
        "Ringing",
        "Up",
    ]
    assert all(problems_of(e) == [] for e in events.events)


async def test_local_channels_bring_their_second_half(ari: Ari) -> None:
    events = await ari.events()
    await ari.request(
        "POST",
        "/channels",
        params={"endpoint": "Local/201@uc-test", "app": APP, "channelId": "loc"},
    )
    await events.until("StasisStart")
    assert (await ari.request("DELETE", "/channels/loc")).status == 204
    last = await events.until("ChannelDestroyed", lambda e: e["channel"]["id"] == "loc")
    names = {e["channel"]["name"] for e in events.events if "channel" in e}
    assert {n[-2:] for n in names} == {";1", ";2"}
    assert last["cause"] == 16
    assert all(problems_of(e) == [] for e in events.events)


async def test_busy_provider(ari: Ari) -> None:
    events = await ari.events()
    assert (await ari.lab("PUT", "/endpoints/PJSIP/dental", {"behaviour": "busy"})).status == 200
    await ari.request("POST", "/channels/busy-1", params={"endpoint": "PJSIP/dental", "app": APP})
    destroyed = await events.until("ChannelDestroyed")
    assert (destroyed["cause"], destroyed["cause_txt"]) == (17, "User busy")
    assert "StasisStart" not in event_types(events.events)
    assert [e["dialstatus"] for e in events.events if e["type"] == "Dial"] == ["", "BUSY"]


async def test_no_answer_ends_at_the_originate_timeout(ari: Ari) -> None:
    events = await ari.events()
    await ari.lab("PUT", "/endpoints/PJSIP/crisis", {"behaviour": "noanswer"})
    await ari.request(
        "POST", "/channels/na-1", params={"endpoint": "PJSIP/crisis", "app": APP, "timeout": "1"}
    )
    destroyed = await events.until("ChannelDestroyed", within=3)
    assert (destroyed["cause"], destroyed["cause_txt"]) == (19, "User alerting, no answer")
    assert destroyed["channel"]["state"] == "Ringing"


async def test_bridge_events_and_channels_staying_in_stasis(ari: Ari) -> None:
    events = await ari.events()
    caller = await ari.call()
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{caller}/answer")
    await ari.request("POST", "/channels/prov-2", params={"endpoint": "PJSIP/dental", "app": APP})
    await events.until("StasisStart", lambda e: e["channel"]["id"] == "prov-2")
    await ari.request("POST", "/bridges/room", params={"type": "mixing"})
    await ari.request("POST", "/bridges/room/addChannel", params={"channel": f"{caller},prov-2"})
    entered = [await events.until("ChannelEnteredBridge") for _ in range(2)]
    assert [e["bridge"]["channels"] for e in entered] == [[caller], [caller, "prov-2"]]
    peer = await events.until("ChannelVarset", lambda e: e["variable"] == "BRIDGEPEER")
    assert peer["value"].startswith("PJSIP/")
    assert (await ari.request("DELETE", "/bridges/room")).status == 204
    await events.until("BridgeDestroyed")
    left = [e for e in events.events if e["type"] == "ChannelLeftBridge"]
    assert {e["channel"]["id"] for e in left} == {caller, "prov-2"}
    still = await ari.request("GET", f"/applications/{APP}")
    assert caller in still.json["channel_ids"]
    assert all(problems_of(e) == [] for e in events.events)


async def test_several_media_play_as_one_playback(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    await ari.request(
        "POST", f"/channels/{channel}/play", params={"media": "sound:a,tone:ring;tonezone=uk"}
    )
    seen = [await events.next() for _ in range(4)]
    assert event_types(seen) == [
        "PlaybackStarted",
        "PlaybackContinuing",
        "PlaybackStarted",
        "PlaybackFinished",
    ]
    assert [e["playback"]["media_uri"] for e in seen] == [
        "sound:a",
        "sound:a",
        "tone:ring;tonezone=uk",
        "tone:ring;tonezone=uk",
    ]
    assert seen[0]["playback"]["next_media_uri"] == "tone:ring;tonezone=uk"
    assert "next_media_uri" not in seen[3]["playback"]
    assert all(problems_of(e) == [] for e in seen)


async def test_a_second_play_waits_for_the_first(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    first = await ari.request("POST", f"/channels/{channel}/play", params={"media": "sound:one"})
    second = await ari.request("POST", f"/channels/{channel}/play", params={"media": "sound:two"})
    seen = [await events.next() for _ in range(4)]
    assert [(e["type"], e["playback"]["id"]) for e in seen] == [
        ("PlaybackStarted", first.json["id"]),
        ("PlaybackFinished", first.json["id"]),
        ("PlaybackStarted", second.json["id"]),
        ("PlaybackFinished", second.json["id"]),
    ]


async def test_caller_hanging_up_mid_prompt_fails_the_playback_before_stasis_end(
    ari: Ari, sim: AriSimulator
) -> None:
    sim.config.media_ms = 5000
    events = await ari.events()
    channel = await ari.call("+447700900123", {"after_ms": 50, "hangup": True})
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{channel}/answer")
    await ari.request("POST", f"/channels/{channel}/play", params={"media": "sound:long"})
    await events.until("StasisEnd")
    tail = event_types(events.events)[-3:]
    assert tail == ["ChannelHangupRequest", "PlaybackFinished", "StasisEnd"]
    finished = next(e for e in events.events if e["type"] == "PlaybackFinished")
    assert finished["playback"]["state"] == "failed"


async def test_continue_waits_for_the_prompt_then_leaves_stasis(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{channel}/answer")
    await ari.request("POST", f"/channels/{channel}/play", params={"media": "sound:sorry"})
    reply = await ari.request(
        "POST",
        f"/channels/{channel}/continue",
        params={"context": "urgentline-route", "extension": "default111", "priority": "1"},
    )
    assert reply.status == 204
    end = await events.until("StasisEnd")
    assert event_types(events.events)[-2:] == ["PlaybackFinished", "StasisEnd"]
    assert end["channel"]["dialplan"]["context"] == "urgentline-route"
    record = await ari.record(channel)
    assert (record["outcome"], record["context"], record["exten"]) == (
        "continued",
        "urgentline-route",
        "default111",
    )
    assert await events.quiet(0.25) == []  # the dialplan's hangup is none of the app's business


async def test_second_socket_for_an_app_replaces_the_first(ari: Ari) -> None:
    first = await ari.events()
    second = await ari.events()
    replaced = await first.next()
    assert list(replaced) == ["type", "timestamp", "application", "asterisk_id"]
    assert (replaced["type"], replaced["application"]) == ("ApplicationReplaced", APP)
    await asyncio.wait_for(first.closed.wait(), 2)
    await ari.call()
    assert (await second.next())["type"] == "StasisStart"
    stats = (await ari.lab("GET", "/stats")).json["ws"]
    assert (stats["connected"], stats["replaced"]) == (1, 1)


async def test_events_go_only_to_the_subscribed_app(ari: Ari) -> None:
    mine = await ari.events()
    other = await ari.events("other-app")
    await ari.call()
    await mine.until("StasisStart")
    assert await other.quiet(0.2) == []
    everything = await ari.events("monitor", subscribeAll="true")
    channel = await ari.call()
    seen = await everything.until("StasisStart")
    assert (seen["application"], seen["channel"]["id"]) == ("monitor", channel)


async def test_dropped_socket_leaves_channels_in_stasis_and_events_are_not_buffered(
    ari: Ari,
) -> None:
    events = await ari.events()
    calls = [await ari.call(f"+44770090012{i}", {"after_ms": 0, "dtmf": "5"}) for i in range(2)]
    for _ in calls:
        await events.until("StasisStart")
    dropped = await ari.lab("POST", "/faults", {"drop_ws": True})
    assert dropped.json["dropped_sockets"] == 1
    await asyncio.wait_for(events.closed.wait(), 2)
    for channel in calls:  # answered while nobody listens: the DTMF is lost, not queued
        assert (await ari.request("POST", f"/channels/{channel}/answer")).status == 204
    await asyncio.sleep(0.1)
    app = (await ari.request("GET", f"/applications/{APP}")).json
    assert sorted(app["channel_ids"]) == sorted(calls)
    again = await ari.events()
    assert await again.quiet(0.2) == []
    await ari.request("POST", f"/channels/{calls[0]}/play", params={"media": "sound:welcome-back"})
    assert (await again.next())["type"] == "PlaybackStarted"
    stats = (await ari.lab("GET", "/stats")).json["ws"]
    assert stats["events_dropped"] >= 2 and stats["dropped"] == 1


async def test_abrupt_drop_kills_the_tcp_connection(ari: Ari) -> None:
    events = await ari.events()
    await ari.lab("POST", "/faults", {"drop_ws": True, "abrupt": True})
    await asyncio.wait_for(events.closed.wait(), 2)
    assert events.ws.close_code != 1001


async def test_events_socket_needs_app_and_auth(ari: Ari) -> None:
    async with ari.http.get(
        ari.base + "/events",
        params={"app": APP},
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    ) as response:
        assert response.status == 401
    async with ari.http.get(ari.base + "/events", headers=ari.auth) as response:
        assert response.status == 426
    with pytest.raises(Exception, match="400"):
        await ari.http.ws_connect(
            ari.base + "/events", params={"app": "", "api_key": "urgentline:s3cret-ari"}
        )


async def test_created_channel_enters_stasis_down_and_dials_later(ari: Ari) -> None:
    events = await ari.events()
    caller = await ari.call()
    await events.until("StasisStart")
    made = await ari.request(
        "POST",
        "/channels/create",
        params={"endpoint": "PJSIP/dental", "app": APP, "channelId": "c1"},
    )
    assert (made.status, made.json["state"]) == (200, "Down")
    start = await events.until("StasisStart", lambda e: e["channel"]["id"] == "c1")
    assert start["channel"]["state"] == "Down"
    assert (await ari.request("POST", "/channels/c1/dial", params={"caller": caller})).status == 204
    again = await ari.request("POST", "/channels/c1/dial")
    assert (again.status, again.json) == (409, {"message": "Channel is not in the 'Down' state"})
    answered = await events.until("Dial", lambda e: e["dialstatus"] == "ANSWER")
    assert answered["caller"]["id"] == caller and answered["peer"]["id"] == "c1"
    not_created = await ari.request("POST", f"/channels/{caller}/dial")
    assert not_created.status == 409


async def test_recordings_start_stop_and_are_stored(ari: Ari) -> None:
    events = await ari.events()
    channel = await ari.call("+447700900135", {"after_ms": 80, "dtmf": "#"})
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{channel}/answer")
    params = {"name": "msg-1", "format": "wav", "terminateOn": "#", "maxDurationSeconds": "30"}
    made = await ari.request("POST", f"/channels/{channel}/record", params=params)
    assert (made.status, made.json["state"]) == (201, "queued")
    assert made.headers["Location"] == "/recordings/live/msg-1"
    assert (await events.until("RecordingStarted"))["recording"]["state"] == "recording"
    finished = await events.until("RecordingFinished")
    assert (finished["recording"]["state"], finished["recording"]["duration"]) == ("done", 0)
    assert all(problems_of(e) == [] for e in events.events)
    stored = await ari.request("GET", "/recordings/stored/msg-1")
    assert stored.json == {"name": "msg-1", "format": "wav"}
    again = await ari.request("POST", f"/channels/{channel}/record", params=params)
    assert (again.status, again.json) == (
        409,
        {"message": "Recording 'msg-1' already exists and can not be overwritten"},
    )
    bad = await ari.request(
        "POST", f"/channels/{channel}/record", params={"name": "m2", "format": "mp9"}
    )
    assert (bad.status, bad.json) == (
        422,
        {"message": "specified format is unknown on this system"},
    )
    await ari.request("POST", f"/channels/{channel}/record", params={"name": "m3", "format": "wav"})
    await events.until("RecordingStarted")
    assert (await ari.request("DELETE", "/recordings/live/m3")).status == 204
    canceled = await events.until("RecordingFinished")
    assert canceled["recording"]["state"] == "canceled"
    assert (await ari.request("GET", "/recordings/stored/m3")).status == 404


async def test_continue_hangs_up_a_channel_originated_into_the_app(ari: Ari) -> None:
    """``ari_originate_dial()`` runs Stasis() itself; when it returns the channel is hung up."""
    number = "+447700900500"
    await ari.lab("PUT", f"/endpoints/PJSIP/{number}@national111", {"hold_ms": -1})
    events = await ari.events()
    reply = await ari.request(
        "POST",
        "/channels/cb-app",
        params={"endpoint": f"PJSIP/{number}@national111", "app": APP, "appArgs": "callback"},
    )
    assert reply.status == 200
    await events.until("StasisStart")
    params = {"context": "urgentline-route", "extension": "default111", "priority": "1"}
    assert (await ari.request("POST", "/channels/cb-app/continue", params=params)).status == 204
    await events.until("StasisEnd")
    destroyed = await events.until("ChannelDestroyed")
    assert destroyed["channel"]["id"] == "cb-app"
    after_start = event_types(events.events)[event_types(events.events).index("StasisStart") :]
    assert "ChannelHangupRequest" not in after_start
    (origination,) = (await ari.lab("GET", "/originations")).json
    assert origination["hangup_by"] == "app"
    assert (await ari.request("GET", "/channels/cb-app")).status == 404


async def test_call_back_context_enters_stasis_and_can_continue_in_the_dialplan(
    ari: Ari, sim: AriSimulator
) -> None:
    number = "+447700900501"
    await ari.lab("PUT", f"/endpoints/PJSIP/{number}@national111", {"hold_ms": -1})
    events = await ari.events()
    reply = await ari.request(
        "POST",
        "/channels/cb-plan",
        params={
            "endpoint": f"PJSIP/{number}@national111",
            "context": sim.config.callback_context,
            "extension": "s",
        },
        json_body={"variables": {"URGENTLINE_APP": APP, "URGENTLINE_CALL_ID": "call-1"}},
    )
    assert reply.status == 200
    subscribed = await ari.request(
        "POST", f"/applications/{APP}/subscription", params={"eventSource": "channel:cb-plan"}
    )
    assert subscribed.status == 200 and "cb-plan" in subscribed.json["channel_ids"]
    start = await events.until("StasisStart")
    assert start["args"] == ["callback", "call-1"]
    assert start["channel"]["dialplan"]["context"] == sim.config.callback_context
    params = {"context": "urgentline-route", "extension": "default111", "priority": "1"}
    assert (await ari.request("POST", "/channels/cb-plan/continue", params=params)).status == 204
    await events.until("StasisEnd")
    await asyncio.sleep(0.02)
    in_dialplan = await ari.request("GET", "/channels/cb-plan")
    assert in_dialplan.status == 200
    assert in_dialplan.json["dialplan"]["context"] == "urgentline-route"
    await events.until("ChannelDestroyed", within=2)
    (origination,) = (await ari.lab("GET", "/originations")).json
    assert origination["hangup_by"] == "dialplan"


async def test_a_call_back_answered_while_the_app_is_down_takes_the_fallback(ari: Ari) -> None:
    number = "+447700900502"
    await ari.lab("PUT", f"/endpoints/PJSIP/{number}@national111", {"hold_ms": -1})
    reply = await ari.request(
        "POST",
        "/channels/cb-down",
        params={
            "endpoint": f"PJSIP/{number}@national111",
            "context": "urgentline-callback",
            "extension": "s",
        },
        json_body={"variables": {"URGENTLINE_APP": APP, "URGENTLINE_CALL_ID": "call-2"}},
    )
    assert reply.status == 200
    await asyncio.sleep(0.1)
    channel = (await ari.request("GET", "/channels/cb-down")).json
    assert (channel["dialplan"]["context"], channel["dialplan"]["exten"]) == (
        "urgentline-route",
        "default111",
    )


async def test_subscription_needs_an_app_and_a_source_that_exists(ari: Ari) -> None:
    await ari.events()
    path = f"/applications/{APP}/subscription"
    gone = await ari.request("POST", path, params={"eventSource": "channel:nope"})
    assert (gone.status, gone.json) == (422, {"message": "Event source does not exist"})
    scheme = await ari.request("POST", path, params={"eventSource": "thing:x"})
    assert (scheme.status, scheme.json) == (400, {"message": "Invalid event source URI scheme"})
    app = await ari.request(
        "POST", "/applications/other/subscription", params={"eventSource": "channel:x"}
    )
    assert (app.status, app.json) == (404, {"message": "Application not found"})


async def test_a_missing_sound_plays_nothing_and_fails_the_playback_if_it_is_last(
    ari: Ari, sim: AriSimulator
) -> None:
    """Asterisk 22 (``playback_final_update``): a file that will not open moves on to the
    next media; the last one failing ends the playback with state ``failed``."""
    sim.config.missing_media = {"sound:not-installed"}
    events = await ari.events()
    channel = await ari.call()
    await events.until("StasisStart")
    await ari.request("POST", f"/channels/{channel}/answer")
    media = {"media": "sound:not-installed,sound:hello-world"}
    await ari.request("POST", f"/channels/{channel}/play/pb-1", params=media)
    done = await events.until("PlaybackFinished")
    assert done["playback"]["state"] == "done"
    await ari.request(
        "POST", f"/channels/{channel}/play/pb-2", params={"media": "sound:not-installed"}
    )
    failed = await events.until("PlaybackFinished")
    assert (failed["playback"]["id"], failed["playback"]["state"]) == ("pb-2", "failed")
    kinds = [(e["type"], e["playback"]["id"]) for e in events.events if "playback" in e]
    assert kinds == [
        ("PlaybackStarted", "pb-1"),
        ("PlaybackContinuing", "pb-1"),
        ("PlaybackStarted", "pb-1"),
        ("PlaybackFinished", "pb-1"),
        ("PlaybackStarted", "pb-2"),
        ("PlaybackFinished", "pb-2"),
    ]
    assert all(problems_of(e) == [] for e in events.events)
    assert (await ari.record(channel))["media_played"] == ["sound:hello-world"]
