"""AriClient against the sip_lab ARI simulator over real HTTP (strict spec checking)."""

from __future__ import annotations

import asyncio
import socket
import uuid
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from callflow.ari import (
    AriBadRequest,
    AriClient,
    AriConflict,
    AriError,
    AriEvent,
    AriHttpError,
    AriNotFound,
    AriProtocolError,
    AriServerError,
    AriUnauthorized,
    AriUnavailable,
    AriUnprocessable,
    CallQueue,
    ChannelDestroyed,
    ChannelDtmfReceived,
    ChannelEnteredBridge,
    ChannelStateChange,
    Dial,
    PlaybackFinished,
    PlaybackStarted,
    RecordingFinished,
    RecordingStarted,
    StasisEnd,
    StasisStart,
)

from .conftest import APP, PASSWORD, USER, Lab, next_of


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- construction and transport errors (no simulator needed) ------------------------------


def test_base_url_with_credentials_is_refused() -> None:
    with pytest.raises(ValueError, match="credentials") as info:
        AriClient("http://admin:secret@127.0.0.1:8088/ari", "u", "p")
    assert "secret" not in str(info.value)


def test_base_url_must_be_http() -> None:
    with pytest.raises(ValueError):
        AriClient("ftp://127.0.0.1/ari", "u", "p")


async def test_connection_refused_is_unavailable() -> None:
    async with AriClient(f"http://127.0.0.1:{closed_port()}/ari", "u", "p", timeout_s=1) as ari:
        with pytest.raises(AriUnavailable) as info:
            await ari.ping()
    assert info.value.status is None
    assert info.value.operation == "GET /asterisk/ping"
    assert isinstance(info.value.__cause__, Exception)
    assert ari.stats.unavailable == 1


async def test_closed_client_is_unavailable() -> None:
    ari = AriClient(f"http://127.0.0.1:{closed_port()}/ari", "u", "p")
    await ari.aclose()
    await ari.aclose()  # idempotent
    with pytest.raises(AriUnavailable):
        await ari.ping()


# -- against the simulator -------------------------------------------------------------


async def test_ping_and_list_channels(client: AriClient) -> None:
    await client.ping()
    assert await client.list_channels() == []
    assert client.stats.requests == 2
    assert client.stats.by_status[200] == 2


async def test_wrong_password_is_unauthorized(sim: Any) -> None:
    async with AriClient(sim.base_url, USER, "wrong-password") as ari:
        with pytest.raises(AriUnauthorized) as info:
            await ari.ping()
    assert info.value.status == 401
    assert "wrong-password" not in str(info.value)


async def test_unknown_channel_is_not_found(client: AriClient) -> None:
    with pytest.raises(AriNotFound) as info:
        await client.get_channel("no-such-channel")

    err = info.value
    assert (err.status, err.message) == (404, "Channel not found")
    assert err.operation == "GET /channels/{channelId}"
    assert str(err) == "GET /channels/{channelId} -> 404: Channel not found"

    with pytest.raises(AriNotFound):
        await client.hangup("no-such-channel")
    with pytest.raises(AriNotFound):
        await client.play("no-such-channel", "sound:hello-world", playback_id=new_id("pb"))
    with pytest.raises(AriNotFound):
        await client.destroy_bridge("no-such-bridge")
    assert await client.stop_playback("no-such-playback") is False


async def test_bad_hangup_reason_is_bad_request(client: AriClient, lab: Lab) -> None:
    channel_id = await lab.call()
    with pytest.raises(AriBadRequest) as info:
        await client.hangup(channel_id, reason="because")
    assert info.value.status == 400


async def test_server_error_fault_then_recovery(client: AriClient, lab: Lab) -> None:
    await lab.fault(fail_status=500, fail_count=1, path_regex="/channels$")

    with pytest.raises(AriServerError) as info:
        await client.list_channels()
    assert info.value.status == 500
    assert info.value.operation == "GET /channels"
    assert isinstance(info.value, AriHttpError)

    assert await client.list_channels() == []  # fail_count=1: next one passes


async def test_delay_beyond_deadline_is_unavailable(sim: Any, lab: Lab) -> None:
    await lab.fault(delay_ms=1000, path_regex="/asterisk/ping")
    async with AriClient(sim.base_url, USER, PASSWORD, timeout_s=0.2) as ari:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(AriUnavailable) as info:
            await ari.ping()
        assert loop.time() - started < 0.9
        assert "TimeoutError" in info.value.message or "Timeout" in info.value.message
        await lab.clear_faults()
        await ari.ping()  # the client is still usable


async def test_credentials_only_in_the_authorization_header() -> None:
    """A bare HTTP peer records the raw request lines: no api_key, no password anywhere.

    (The simulator's request log strips ``api_key`` itself, so it cannot show a leak.)
    """
    seen: list[tuple[str, str | None]] = []

    async def record(request: web.Request) -> web.StreamResponse:
        seen.append((request.raw_path, request.headers.get("Authorization")))
        if request.path.endswith("/events"):
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            await ws.close()
            return ws
        return web.json_response({"value": "x"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AriClient(f"http://127.0.0.1:{port}/ari", "urgentline", "s3cret!") as ari:
            await ari.ping()
            await ari.get_variable("c.1", "CALLERID(num)")
            with pytest.raises(AriProtocolError):  # {"value": "x"} is not a Channel
                await ari.originate(
                    "PJSIP/x", channel_id="leg;1", app=APP, variables={"A": "b"}, caller_id="Me <1>"
                )
            ws = await ari.connect_events(APP, heartbeat_s=5)
            await ws.close()
    finally:
        await runner.cleanup()

    expected = aiohttp.encode_basic_auth("urgentline", "s3cret!")
    assert [path.split("?")[0] for path, _ in seen] == [
        "/ari/asterisk/ping",
        "/ari/channels/c.1/variable",
        "/ari/channels/leg%3B1",
        "/ari/events",
    ]
    assert seen[-1][0] == f"/ari/events?app={APP}&subscribeAll=false"
    for path, authorization in seen:
        assert "api_key" not in path
        assert "s3cret" not in path
        assert authorization == expected


async def test_no_credentials_in_any_url(client: AriClient, lab: Lab) -> None:
    channel_id = await lab.call()
    await client.ping()
    await client.get_channel(channel_id)
    with pytest.raises(AriNotFound):
        await client.get_channel("missing")

    requests = await lab.requests()

    assert requests, "the simulator logged no requests"
    for request in requests:
        text = repr(request)
        assert "api_key" not in text
        assert PASSWORD not in str(request.get("query", ""))


async def test_conflict_when_channel_not_in_stasis(
    client: AriClient, lab: Lab, stream_factory: Any
) -> None:
    await stream_factory()
    channel_id = await lab.call()
    await client.continue_in_dialplan(
        channel_id, context="urgentline-fallback", extension="s", priority=1
    )
    assert await lab.wait_outcome(channel_id, "continued") == "continued"

    with pytest.raises(AriConflict) as info:
        await client.answer(channel_id)
    assert info.value.status == 409
    assert info.value.operation == "POST /channels/{channelId}/answer"


async def test_variables_and_moh(client: AriClient, lab: Lab, stream_factory: Any) -> None:
    await stream_factory()
    channel_id = await lab.call()
    await client.answer(channel_id)

    await client.set_variable(channel_id, "URGENTLINE_ROUTE", "triage")
    assert await client.get_variable(channel_id, "URGENTLINE_ROUTE") == "triage"
    assert await client.get_variable(channel_id, "CALLERID(num)") == "+447700900123"
    await client.start_moh(channel_id)
    await client.stop_moh(channel_id)
    await client.start_moh(channel_id, moh_class="default")
    await client.hangup(channel_id, reason="normal")
    assert await lab.wait_outcome(channel_id, "hung_up_by_app") == "hung_up_by_app"


async def test_full_inbound_call(client: AriClient, lab: Lab, stream_factory: Any) -> None:
    """Answer, play with our id, Playback events in order on the call's queue, DTMF, hangup."""
    s = await stream_factory()
    channel_id = await lab.call(script=[{"after_ms": 50, "dtmf": "1"}])
    queue = await s.calls.queue_for(channel_id)

    start, _ = await next_of(queue, StasisStart)
    assert start.channel.id == channel_id
    assert start.args == ["inbound"]
    assert start.channel.caller.number == "+447700900123"

    await client.answer(channel_id)
    up, _ = await next_of(queue, ChannelStateChange)
    assert up.channel.state == "Up"

    playback_id = new_id("pb")
    s.router.register(playback_id, queue)  # before the REST call
    playback = await client.play(channel_id, "sound:hello-world", playback_id=playback_id)
    assert playback.id == playback_id
    assert playback.target_uri == f"channel:{channel_id}"

    # The caller presses 1 while the prompt plays (50 ms after answer, prompt 300 ms).
    seen: list[AriEvent] = []
    async with asyncio.timeout(3):
        while not (
            any(isinstance(e, PlaybackFinished) for e in seen)
            and any(isinstance(e, ChannelDtmfReceived) for e in seen)
        ):
            seen.append(await queue.get())
    kinds = [type(e) for e in seen]
    assert kinds.count(PlaybackStarted) == kinds.count(PlaybackFinished) == 1
    assert kinds.index(PlaybackStarted) < kinds.index(PlaybackFinished)
    started = seen[kinds.index(PlaybackStarted)]
    finished = seen[kinds.index(PlaybackFinished)]
    assert isinstance(started, PlaybackStarted) and isinstance(finished, PlaybackFinished)
    assert started.playback.id == finished.playback.id == playback_id
    assert finished.playback.state == "done"
    (dtmf,) = [e for e in seen if isinstance(e, ChannelDtmfReceived)]
    assert dtmf.digit == "1"
    assert dtmf.channel.id == channel_id

    await client.hangup(channel_id)
    end, _ = await next_of(queue, StasisEnd)
    assert end.channel.id == channel_id
    assert await lab.wait_outcome(channel_id, "hung_up_by_app") == "hung_up_by_app"
    with pytest.raises(AriNotFound):
        await client.get_channel(channel_id)
    assert s.stream.malformed == 0  # every event the simulator sent parsed


async def test_barge_in_stops_playback(client: AriClient, lab: Lab, stream_factory: Any) -> None:
    s = await stream_factory()
    channel_id = await lab.call()
    queue = await s.calls.queue_for(channel_id)
    await client.answer(channel_id)
    playback_id = new_id("pb")
    s.router.register(playback_id, queue)

    await client.play(
        channel_id,
        ["sound:hello-world", "sound:hello-world", "sound:hello-world"],
        playback_id=playback_id,
        lang="en",
    )
    await next_of(queue, PlaybackStarted)
    assert await client.stop_playback(playback_id) is True
    finished, _ = await next_of(queue, PlaybackFinished)
    assert finished.playback.id == playback_id
    assert await client.stop_playback(playback_id) is False  # already gone: not an error


async def test_originate_and_bridge_a_provider_leg(
    client: AriClient, lab: Lab, stream_factory: Any
) -> None:
    s = await stream_factory()
    caller_id = await lab.call()
    queue = await s.calls.queue_for(caller_id)
    await next_of(queue, StasisStart)
    await client.answer(caller_id)

    leg_id, bridge_id = new_id("leg"), new_id("br")
    s.router.register(leg_id, queue)  # register before the REST calls
    s.router.register(bridge_id, queue)
    leg = await client.originate(
        "PJSIP/provider-gp/sip:+441234567890@trunk",
        channel_id=leg_id,
        app=APP,
        app_args="provider,gp",
        caller_id='"NHS 111" <111>',
        timeout_s=10,
        variables={"URGENTLINE_CALL": caller_id},
        originator=caller_id,
    )
    assert leg.id == leg_id

    leg_start, before = await next_of(queue, StasisStart)
    assert leg_start.channel.id == leg_id
    assert leg_start.args == ["provider", "gp"]
    assert leg_id not in s.calls.queues  # went to the owner, not to on_new_call
    assert any(isinstance(e, Dial) for e in before)

    bridge = await client.create_bridge(bridge_id, name="call-1")
    assert (bridge.id, bridge.bridge_type) == (bridge_id, "mixing")
    await client.add_to_bridge(bridge_id, [caller_id, leg_id])
    entered = [(await next_of(queue, ChannelEnteredBridge))[0] for _ in range(2)]
    assert {e.channel.id for e in entered if e.channel} == {caller_id, leg_id}
    assert await lab.wait_outcome(caller_id, "bridged") == "bridged"

    await client.remove_from_bridge(bridge_id, [leg_id])
    with pytest.raises(AriUnprocessable):  # no longer in this bridge
        await client.remove_from_bridge(bridge_id, [leg_id])
    await client.destroy_bridge(bridge_id)
    await client.hangup(leg_id)
    destroyed, _ = await next_of(queue, ChannelDestroyed)
    assert destroyed.channel.id == leg_id
    await client.hangup(caller_id)
    await next_of(queue, StasisEnd)
    assert s.stream.malformed == 0


async def test_originate_with_id_in_use_conflicts(
    client: AriClient, lab: Lab, stream_factory: Any
) -> None:
    await stream_factory()
    caller_id = await lab.call()

    with pytest.raises(AriConflict):
        await client.originate("PJSIP/provider-gp", channel_id=caller_id, app=APP)


async def test_errors_are_ari_errors() -> None:
    assert issubclass(AriUnavailable, AriError)
    assert issubclass(AriNotFound, AriHttpError)


async def test_originate_into_the_dialplan_and_subscribe_to_the_leg(
    client: AriClient, lab: Lab, stream_factory: Any, sim: Any
) -> None:
    """A leg that may need ``continue`` is originated into a context that runs Stasis()."""
    s = await stream_factory()
    queue: CallQueue = asyncio.Queue()
    leg_id = new_id("cb")
    s.router.register(leg_id, queue)
    with pytest.raises(ValueError, match="exactly one"):
        await client.originate("PJSIP/x", channel_id=leg_id)
    with pytest.raises(ValueError, match="exactly one"):
        await client.originate("PJSIP/x", channel_id=leg_id, app=APP, extension="s")
    await client.originate(
        "PJSIP/+447700900123@national111",
        channel_id=leg_id,
        context=sim.config.callback_context,
        extension="s",
        variables={"URGENTLINE_APP": APP, "URGENTLINE_CALL_ID": "call-1"},
    )
    app = await client.subscribe(APP, [f"channel:{leg_id}"])
    assert leg_id in app.channel_ids
    start, _ = await next_of(queue, StasisStart)
    assert start.args == ["callback", "call-1"]
    with pytest.raises(AriUnprocessable):
        await client.subscribe(APP, ["channel:no-such-channel"])


async def test_discard_recording_cancels_a_live_one_and_deletes_a_stored_one(
    client: AriClient, lab: Lab, stream_factory: Any, sim: Any
) -> None:
    s = await stream_factory()
    caller_id = await lab.call()
    queue = await s.calls.queue_for(caller_id)
    await next_of(queue, StasisStart)
    await client.answer(caller_id)
    for name in ("rec-live", "rec-stored"):
        s.router.register(name, queue)
    await client.record(caller_id, name="rec-stored", max_duration_s=1)
    await next_of(queue, RecordingFinished, timeout_s=5)
    assert "rec-stored" in sim.simulation.engine.media.stored
    await client.record(caller_id, name="rec-live", max_duration_s=30)
    await next_of(queue, RecordingStarted)
    assert await client.discard_recording("rec-live") is True
    assert await client.discard_recording("rec-stored") is True
    assert await client.discard_recording("rec-stored") is False
    assert sim.simulation.engine.media.stored == {}
