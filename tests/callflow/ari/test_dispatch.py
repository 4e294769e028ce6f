"""EventRouter: per-call order under any interleaving, ownership, and never blocking."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callflow.ari import (
    AriEvent,
    CallQueue,
    EventRouter,
    QueueItem,
    StasisStart,
    UnknownEvent,
    parse_event,
    resource_ids,
)

from .factories import bridge, channel, event, playback, samples, stasis_start


@dataclass
class Recorder:
    """An ``on_new_call`` that hands out one queue per new call and remembers them."""

    accept: bool = True
    queues: dict[str, CallQueue] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def __call__(self, channel_id: str, start: StasisStart) -> CallQueue | None:
        self.calls.append(channel_id)
        if not self.accept:
            return None
        queue: CallQueue = asyncio.Queue()
        self.queues[channel_id] = queue
        return queue


def drain(queue: CallQueue) -> list[QueueItem]:
    items: list[QueueItem] = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


def ev(data: dict[str, Any]) -> AriEvent:
    return parse_event(data)


# -- basic routing ---------------------------------------------------------------------


def test_new_call_gets_a_queue_and_its_later_events() -> None:
    new_calls = Recorder()
    router = EventRouter(new_calls)
    start = ev(stasis_start("in.1", "inbound"))
    dtmf = ev(event("ChannelDtmfReceived", digit="1", duration_ms=100, channel=channel("in.1")))

    router.dispatch(start)
    router.dispatch(dtmf)

    assert new_calls.calls == ["in.1"]
    assert drain(new_calls.queues["in.1"]) == [start, dtmf]
    assert router.owner_of("in.1") is new_calls.queues["in.1"]


def test_stasis_start_of_registered_channel_goes_to_owner_not_on_new_call() -> None:
    new_calls = Recorder()
    router = EventRouter(new_calls)
    queue: CallQueue = asyncio.Queue()
    router.register("provider.1", queue)

    start = ev(stasis_start("provider.1", "provider"))
    router.dispatch(start)

    assert new_calls.calls == []
    assert drain(queue) == [start]


def test_refused_new_call_is_dropped_and_not_registered() -> None:
    router = EventRouter(Recorder(accept=False))

    router.dispatch(ev(stasis_start("in.1")))
    router.dispatch(ev(event("StasisEnd", channel=channel("in.1"))))

    assert router.owner_of("in.1") is None
    assert router.dropped == 2


def test_on_new_call_exception_does_not_escape(caplog: pytest.LogCaptureFixture) -> None:
    def broken(channel_id: str, start: StasisStart) -> CallQueue | None:
        raise RuntimeError("patient +447700900123 broke it")

    router = EventRouter(broken)

    router.dispatch(ev(stasis_start("in.1")))

    assert router.dropped == 1
    assert "RuntimeError" in caplog.text
    assert "+447700900123" not in caplog.text


def test_replacement_channel_joins_the_replaced_channels_call() -> None:
    new_calls = Recorder()
    router = EventRouter(new_calls)
    router.dispatch(ev(stasis_start("old.1")))
    queue = new_calls.queues["old.1"]
    drain(queue)

    start = ev(stasis_start("new.1", replace="old.1"))
    router.dispatch(start)

    assert new_calls.calls == ["old.1"]
    assert drain(queue) == [start]
    assert router.owner_of("new.1") is queue


def test_playback_routed_by_id_or_by_target_uri() -> None:
    router = EventRouter(Recorder())
    by_id: CallQueue = asyncio.Queue()
    by_target: CallQueue = asyncio.Queue()
    router.register("pb-1", by_id)
    router.register("chan.2", by_target)

    first = ev(event("PlaybackStarted", playback=playback("pb-1", "channel:elsewhere")))
    second = ev(event("PlaybackStarted", playback=playback("pb-2", "channel:chan.2")))
    third = ev(event("PlaybackFinished", playback=playback("pb-3", "bridge:nobody")))
    for e in (first, second, third):
        router.dispatch(e)

    assert drain(by_id) == [first]
    assert drain(by_target) == [second]
    assert router.dropped == 1


def test_bridge_and_dial_peer_routing() -> None:
    router = EventRouter(Recorder())
    queue: CallQueue = asyncio.Queue()
    router.register("br-1", queue)
    router.register("leg-1", queue)

    destroyed = ev(event("BridgeDestroyed", bridge=bridge("br-1")))
    dial = ev(event("Dial", dialstatus="ANSWER", peer=channel("leg-1")))
    entered = ev(event("ChannelEnteredBridge", bridge=bridge("br-1"), channel=channel("leg-1")))
    for e in (dial, entered, destroyed):
        router.dispatch(e)

    assert drain(queue) == [dial, entered, destroyed]  # each once, in order


def test_event_naming_two_calls_reaches_both_once() -> None:
    router = EventRouter(Recorder())
    a: CallQueue = asyncio.Queue()
    b: CallQueue = asyncio.Queue()
    router.register("br-a", a)
    router.register("chan-b", b)

    entered = ev(event("ChannelEnteredBridge", bridge=bridge("br-a"), channel=channel("chan-b")))
    router.dispatch(entered)

    assert drain(a) == [entered]
    assert drain(b) == [entered]


def test_unknown_events_are_routed_by_their_raw_ids() -> None:
    router = EventRouter(Recorder())
    queue: CallQueue = asyncio.Queue()
    router.register("c.1", queue)

    dialplan = ev(event("ChannelDialplan", dialplan_app="Answer", channel=channel("c.1")))
    router.dispatch(dialplan)

    assert isinstance(dialplan, UnknownEvent)
    assert drain(queue) == [dialplan]


def test_unowned_events_are_dropped_with_type_and_id_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="callflow.ari.dispatch")
    router = EventRouter(Recorder())
    varset = ev(event("ChannelVarset", variable="G", value="+447700900123"))  # global: no channel

    router.dispatch(ev(event("StasisEnd", channel=channel("ghost.1", number="+447700900123"))))
    router.dispatch(varset)

    assert router.dropped == 2
    assert "StasisEnd" in caplog.text
    assert "ghost.1" in caplog.text
    assert "+447700900123" not in caplog.text


def test_unregister_and_forget_queue() -> None:
    router = EventRouter(Recorder())
    a: CallQueue = asyncio.Queue()
    b: CallQueue = asyncio.Queue()
    for rid in ("a.1", "a-br", "a-pb"):
        router.register(rid, a)
    router.register("b.1", b)

    router.unregister("a-pb")
    router.unregister("never-registered")
    assert router.owner_of("a-pb") is None
    router.forget_queue(a)

    assert len(router) == 1
    assert router.owner_of("b.1") is b


def test_every_sample_flow_is_routed_to_one_call() -> None:
    """Replay real flows: the originated legs' ids are registered before the 'REST call'."""
    for name, flow in samples()["flows"].items():
        new_calls = Recorder()
        router = EventRouter(new_calls)
        call: CallQueue = asyncio.Queue()
        events = [parse_event(e) for e in flow]
        starts = [e for e in events if isinstance(e, StasisStart)]
        if name.startswith("ari_"):
            for start in starts:  # originated by "us": registered up front
                router.register(start.channel.id, call)
        for e in events:
            router.dispatch(e)
        if name.startswith("sip_"):
            (only,) = new_calls.queues.values()
            assert len(drain(only)) == len(events)
        else:
            assert new_calls.calls == []
            delivered = drain(call)
            assert delivered == [e for e in events if e in delivered]  # original order
            assert len(delivered) + router.dropped == len(events)


# -- never blocks ----------------------------------------------------------------------


def test_dispatch_is_synchronous() -> None:
    assert not inspect.iscoroutinefunction(EventRouter.dispatch)


def test_dispatch_never_blocks_on_a_call_that_does_not_drain() -> None:
    new_calls = Recorder()
    router = EventRouter(new_calls)
    router.dispatch(ev(stasis_start("slow.1")))
    dtmf = ev(event("ChannelDtmfReceived", digit="1", duration_ms=90, channel=channel("slow.1")))

    started = time.perf_counter()
    for _ in range(20_000):
        router.dispatch(dtmf)
    elapsed = time.perf_counter() - started

    assert new_calls.queues["slow.1"].qsize() == 20_001
    assert elapsed < 5.0


def test_bounded_full_queue_drops_instead_of_raising() -> None:
    router = EventRouter(Recorder())
    tiny: CallQueue = asyncio.Queue(maxsize=1)
    router.register("c.1", tiny)
    end = ev(event("StasisEnd", channel=channel("c.1")))

    router.dispatch(end)
    router.dispatch(end)

    assert tiny.qsize() == 1
    assert router.dropped == 1


# -- property: per-call order under any interleaving -----------------------------------

_KINDS = ["state", "dtmf", "pb_start", "pb_end", "dial", "enter", "leave", "unknown", "end"]


def _call_events(call: int, kinds: list[str]) -> list[dict[str, Any]]:
    """One call's events: StasisStart first, then ``kinds`` about its own resources."""
    me, leg, br, pb = f"in.{call}", f"leg.{call}", f"br.{call}", f"pb.{call}"
    out = [stasis_start(me, "inbound")]
    for i, kind in enumerate(kinds):
        if kind == "state":
            out.append(event("ChannelStateChange", channel=channel(me)))
        elif kind == "dtmf":
            out.append(
                event("ChannelDtmfReceived", digit=str(i % 10), duration_ms=i, channel=channel(me))
            )
        elif kind == "pb_start":
            out.append(event("PlaybackStarted", playback=playback(f"{pb}.{i}", f"channel:{me}")))
        elif kind == "pb_end":
            out.append(event("PlaybackFinished", playback=playback(pb, f"bridge:{br}", "done")))
        elif kind == "dial":
            out.append(event("Dial", dialstatus="RINGING", peer=channel(leg)))
        elif kind == "enter":
            out.append(event("ChannelEnteredBridge", bridge=bridge(br), channel=channel(leg)))
        elif kind == "leave":
            out.append(event("ChannelLeftBridge", bridge=bridge(br), channel=channel(me)))
        elif kind == "unknown":
            out.append(event("ChannelDialplan", dialplan_app="X", channel=channel(me)))
        else:
            out.append(event("StasisEnd", channel=channel(me)))
    return out


def _noise(i: int) -> dict[str, Any]:
    """An event about nobody's resources."""
    choices = [
        event("ChannelDestroyed", cause=16, cause_txt="Normal", channel=channel(f"x.{i};2")),
        event("ChannelVarset", variable="GLOBAL", value=str(i)),
        event("PlaybackFinished", playback=playback(f"x-pb.{i}", "channel:x")),
        event("SomethingNew", detail=i),
    ]
    return choices[i % len(choices)]


@st.composite
def _scenarios(draw: st.DrawFn) -> tuple[list[list[dict[str, Any]]], list[int]]:
    n_calls = draw(st.integers(min_value=1, max_value=5))
    calls = [
        _call_events(c, draw(st.lists(st.sampled_from(_KINDS), max_size=12)))
        for c in range(n_calls)
    ]
    n_noise = draw(st.integers(min_value=0, max_value=6))
    labels = [c for c, evs in enumerate(calls) for _ in evs] + [-1] * n_noise
    order = draw(st.permutations(labels))
    return calls, order


@settings(max_examples=200, deadline=None)
@given(_scenarios())
def test_each_call_gets_exactly_its_events_in_order(
    scenario: tuple[list[list[dict[str, Any]]], list[int]],
) -> None:
    calls, order = scenario
    new_calls = Recorder()
    router = EventRouter(new_calls)
    parsed = [[parse_event(e) for e in evs] for evs in calls]

    # A call registers what it creates before the REST call; simulate that right
    # after its StasisStart has been routed (its first event).
    cursor = [0] * len(calls)
    noise = 0
    for label in order:
        if label < 0:
            router.dispatch(parse_event(_noise(noise)))
            noise += 1
            continue
        item = parsed[label][cursor[label]]
        cursor[label] += 1
        router.dispatch(item)
        if cursor[label] == 1:
            queue = new_calls.queues[f"in.{label}"]
            for rid in (f"leg.{label}", f"br.{label}", f"pb.{label}"):
                router.register(rid, queue)

    assert sorted(new_calls.queues) == sorted(f"in.{c}" for c in range(len(calls)))
    for c, expected in enumerate(parsed):
        got = drain(new_calls.queues[f"in.{c}"])
        assert [id(e) for e in got] == [id(e) for e in expected]
    assert router.dropped == noise


def test_resource_ids_order_and_dedup() -> None:
    entered = ev(event("ChannelEnteredBridge", bridge=bridge("b"), channel=channel("c")))
    pb = ev(event("PlaybackStarted", playback=playback("p", "channel:c")))
    dial = ev(event("Dial", dialstatus="", peer=channel("p2"), caller=channel("c")))

    assert resource_ids(entered) == ["c", "b"]
    assert resource_ids(pb) == ["p", "c"]
    assert resource_ids(dial) == ["p2", "c"]
