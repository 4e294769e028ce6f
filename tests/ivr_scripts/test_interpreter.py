"""The interpreter is pure: driven here by lists of events, no loop, no I/O."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr_scripts import Script, State, shipped_script, start, step
from ivr_scripts.commands import CancelTimer, Command, Hangup, Play, Route, StartTimer, StopPlayback
from ivr_scripts.events import (
    CommandFailed,
    DtmfReceived,
    Event,
    PlaybackFinished,
    TimerFired,
)
from ivr_scripts.interpreter import MENU_TIMER

LONDON = shipped_script("london")


def _finish_playing(script: Script, state: State) -> tuple[State, list[Command]]:
    assert state.playing is not None
    return step(script, state, PlaybackFinished(state.playing))


def _to_menu(script: Script = LONDON) -> State:
    state, commands = start(script)
    assert commands == [Play("safety:1", ("sound:urgentline/safety-999",))]
    state, _ = _finish_playing(script, state)  # safety -> welcome
    state, _ = _finish_playing(script, state)  # welcome -> menu prompt
    assert state.node == "main"
    return state


def test_safety_message_comes_first_and_ignores_keys() -> None:
    state, _ = start(LONDON)
    after, commands = step(LONDON, state, DtmfReceived("1"))
    assert commands == []
    assert after.node == "safety" and after.playing == state.playing


def test_key_1_routes_to_dental_and_stops_the_prompt() -> None:
    state = _to_menu()
    playing = state.playing
    state, commands = step(LONDON, state, DtmfReceived("1"))
    assert commands == [StopPlayback(str(playing)), Route("dental")]
    assert state.done and state.menu_path == ("main:1",)


def test_key_2_routes_to_crisis_after_the_prompt() -> None:
    state, commands = _finish_playing(LONDON, _to_menu())
    assert commands == [StartTimer(MENU_TIMER, 5.0)]
    state, commands = step(LONDON, state, DtmfReceived("2"))
    assert commands == [CancelTimer(MENU_TIMER), Route("crisis")]


def test_invalid_key_retries_once_then_goes_to_default() -> None:
    state = _to_menu()
    state, commands = step(LONDON, state, DtmfReceived("7"))
    assert isinstance(commands[-1], Play) and state.attempt == 1
    state, commands = step(LONDON, state, DtmfReceived("9"))
    assert commands[-1] == Route("default111")
    assert state.menu_path == ("main:7", "main:9")


def test_no_input_twice_goes_to_default() -> None:
    state, _ = _finish_playing(LONDON, _to_menu())
    state, commands = step(LONDON, state, TimerFired(MENU_TIMER))
    assert isinstance(commands[0], Play)
    state, _ = _finish_playing(LONDON, state)
    state, commands = step(LONDON, state, TimerFired(MENU_TIMER))
    assert commands == [Route("default111")]
    assert state.menu_path == ("main:timeout", "main:timeout")


def test_stale_events_are_ignored() -> None:
    state = _to_menu()
    assert step(LONDON, state, PlaybackFinished("safety:1"))[1] == []
    assert step(LONDON, state, TimerFired("other"))[1] == []


def test_a_failed_command_routes_to_the_fallback() -> None:
    state, _ = start(LONDON)
    state, commands = step(LONDON, state, CommandFailed("safety:1", "play-failed"))
    assert commands[-1] == Route("default111", fallback_reason="play-failed")
    assert state.done
    assert step(LONDON, state, DtmfReceived("1")) == (state, [])


events_strategy = st.one_of(
    st.builds(DtmfReceived, st.sampled_from(list("0123456789*#"))),
    st.builds(TimerFired, st.sampled_from([MENU_TIMER, "other"])),
    st.builds(PlaybackFinished, st.sampled_from(["safety:1", "welcome:2", "main:3", "x"])),
    st.builds(CommandFailed, st.just("r"), st.just("play-failed")),
    st.just("finish-playing"),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(events_strategy, max_size=60))
def test_any_event_sequence_keeps_one_terminal_command(raw: list[Event | str]) -> None:
    """Whatever the caller does, at most one terminal command, and the state stays sane."""
    state, commands = start(LONDON)
    terminals = [c for c in commands if isinstance(c, Route | Hangup)]
    for item in raw:
        if item == "finish-playing":
            event: Event = PlaybackFinished(state.playing or "none")
        else:
            assert not isinstance(item, str)
            event = item
        state, commands = step(LONDON, state, event)
        terminals += [c for c in commands if isinstance(c, Route | Hangup)]
        assert state.node in LONDON.nodes
        if not state.done:
            assert (state.playing is None) != (state.timer is None)
    assert len(terminals) == (1 if state.done else 0)
    # Driving the caller's silence to its end always terminates within a bound.
    for _ in range(20):
        if state.done:
            break
        event = PlaybackFinished(state.playing) if state.playing else TimerFired(MENU_TIMER)
        state, _ = step(LONDON, state, event)
    assert state.done


def test_interpreter_imports_no_io_libraries() -> None:
    code = (
        "import sys, ivr_scripts.interpreter;"
        "bad = {'asyncio', 'aiohttp', 'redis', 'sqlmodel', 'sqlalchemy'} & set(sys.modules);"
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
