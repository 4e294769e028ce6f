"""AriEventStream against the sip_lab simulator: connect, resync, reconnect, backoff."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import pytest

from callflow.ari import (
    AriClient,
    AriEventStream,
    ChannelDtmfReceived,
    EventRouter,
    Resync,
    StasisEnd,
    StasisStart,
)

from .conftest import APP, Lab, next_of


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connects_resyncs_and_uses_basic_auth_not_api_key(
    client: AriClient, lab: Lab, stream_factory: Any
) -> None:
    s = await stream_factory()

    assert s.stream.connected
    assert s.stream.connections == 1
    assert s.stream.reconnects == 0
    (resync,) = s.resyncs
    assert isinstance(resync, Resync)
    assert resync.application.name == APP
    assert resync.channels == []
    events_requests = [r for r in await lab.requests() if "/events" in str(r.get("path", ""))]
    for request in events_requests:
        assert "api_key" not in repr(request)
    assert (await client.get_application(APP)).name == APP


async def test_new_calls_are_routed_after_connect(lab: Lab, stream_factory: Any) -> None:
    s = await stream_factory()

    first = await lab.call()
    second = await lab.call(caller="+447700900456")

    q1 = await s.calls.queue_for(first)
    q2 = await s.calls.queue_for(second)
    assert q1 is not q2
    assert (await next_of(q1, StasisStart))[0].channel.id == first
    assert (await next_of(q2, StasisStart))[0].channel.caller.number == "+447700900456"


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "tcp-abort"])
async def test_reconnects_after_drop_and_resync_sees_live_call(
    client: AriClient, lab: Lab, stream_factory: Any, abrupt: bool
) -> None:
    s = await stream_factory()
    channel_id = await lab.call(script=[{"after_ms": 600, "dtmf": "5"}])
    queue = await s.calls.queue_for(channel_id)
    await next_of(queue, StasisStart)
    await client.answer(channel_id)

    await lab.fault(drop_ws=True, abrupt=abrupt)

    assert await s.stream.wait_disconnected(3)
    assert not s.stream.connected
    assert await s.stream.wait_connected(3), s.stream.last_error
    assert s.stream.connected
    assert s.stream.reconnects == 1
    assert s.stream.last_error is not None
    assert len(s.resyncs) == 2
    assert [c.id for c in s.resyncs[-1].channels] == [channel_id]
    assert channel_id in s.resyncs[-1].application.channel_ids

    # Events of the call that outlived the socket still reach the same queue.
    dtmf, _ = await next_of(queue, ChannelDtmfReceived)
    assert dtmf.digit == "5"
    await client.hangup(channel_id)
    await next_of(queue, StasisEnd)


async def test_refused_socket_is_retried_with_backoff(lab: Lab, stream_factory: Any) -> None:
    await lab.fault(refuse_ws_ms=400)

    s = await stream_factory(connect=False, backoff_initial_s=0.02, backoff_max_s=0.1)

    assert await s.stream.wait_connected(3), s.stream.last_error
    assert 2 <= s.stream.attempts <= 15
    assert s.stream.last_error is not None
    assert "GET /events -> 503" in s.stream.last_error


async def test_failed_resync_is_retried_until_it_works(lab: Lab, stream_factory: Any) -> None:
    await lab.fault(fail_status=500, fail_count=2, path_regex="/applications/")

    s = await stream_factory(connect=False)

    assert await s.stream.wait_connected(5), s.stream.last_error
    assert s.stream.attempts >= 3
    assert len(s.resyncs) == 1


async def test_resync_callback_errors_do_not_stop_events(client: AriClient, lab: Lab) -> None:
    from .conftest import Calls

    calls = Calls()
    router = EventRouter(calls)

    async def broken(resync: Resync) -> None:
        raise RuntimeError("session layer bug")

    stream = AriEventStream(client, APP, router, on_resync=broken, backoff_initial_s=0.05)
    task = asyncio.create_task(stream.run())
    try:
        assert await stream.wait_connected(3)
        channel_id = await lab.call()
        queue = await calls.queue_for(channel_id)
        await next_of(queue, StasisStart)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert not stream.connected


async def test_application_replaced_by_another_connection(stream_factory: Any) -> None:
    first = await stream_factory()

    second = await stream_factory()

    assert await first.stream.wait_disconnected(3)
    assert first.stream.replaced >= 1
    assert second.stream.connections >= 1
    # Both keep trying (with backoff) rather than dying or spinning.
    await asyncio.sleep(0.3)
    assert first.stream.attempts < 20
    assert second.stream.attempts < 20


async def test_unreachable_asterisk_backs_off_without_spinning() -> None:
    async with AriClient(f"http://127.0.0.1:{closed_port()}/ari", "u", "p", timeout_s=0.5) as ari:
        stream = AriEventStream(
            ari,
            APP,
            EventRouter(lambda cid, start: None),
            backoff_initial_s=0.02,
            backoff_max_s=0.2,
        )
        task = asyncio.create_task(stream.run())
        try:
            assert not await stream.wait_connected(1.0)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    assert not stream.connected
    # 1 s with delays growing 0.01-0.02, ... up to 0.1-0.2 s: about ten attempts, not thousands.
    assert 3 <= stream.attempts <= 20
    assert stream.last_error is not None
    assert "GET /events" in stream.last_error
    assert stream.connections == 0


async def test_simulator_shutdown_closes_and_stream_keeps_retrying(
    sim: Any, client: AriClient, stream_factory: Any
) -> None:
    s = await stream_factory()

    await sim.aclose()

    assert await s.stream.wait_disconnected(3)
    attempts = s.stream.attempts
    await asyncio.sleep(0.5)
    assert s.stream.attempts > attempts
    assert s.stream.attempts - attempts < 20


def test_invalid_backoff_is_refused() -> None:
    ari = AriClient("http://127.0.0.1:1/ari", "u", "p")
    router = EventRouter(lambda cid, start: None)
    with pytest.raises(ValueError):
        AriEventStream(ari, APP, router, backoff_initial_s=1, backoff_max_s=0.5)
