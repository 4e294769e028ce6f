"""The interpreter is pure: driven here by lists of events, no loop, no I/O."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr_scripts import (
    MAX_EVENTS,
    CallContext,
    Script,
    State,
    parse_script,
    shipped_script,
    start,
    step,
)
from ivr_scripts.commands import (
    TERMINAL,
    CancelTimer,
    Capture,
    Command,
    Hangup,
    Notify,
    Play,
    Route,
    SendSms,
    StartTimer,
    StopCapture,
    StopPlayback,
    Transfer,
)
from ivr_scripts.conditions import split_bucket
from ivr_scripts.events import (
    CaptureCompleted,
    CommandFailed,
    DtmfReceived,
    Event,
    PlaybackFinished,
    SpeechRecognised,
    TimerFired,
)
from ivr_scripts.interpreter import CAPTURE_GRACE_S, CAPTURE_TIMER, MENU_TIMER

LONDON = shipped_script("london")


def _finish_playing(script: Script, state: State) -> tuple[State, list[Command]]:
    assert state.playing is not None
    return step(script, state, PlaybackFinished(state.playing))


def _to_menu(script: Script = LONDON, context: CallContext | None = None) -> State:
    state, commands = start(script, context=context)
    assert commands == [Play("safety:1", ("sound:urgentline/safety-999",))]
    state, _ = _finish_playing(script, state)  # safety -> welcome
    state, _ = _finish_playing(script, state)  # welcome -> (surge, known-caller) -> menu prompt
    assert state.node == "main"
    return state


# --------------------------------------------------------------------- the London front end


def test_safety_message_comes_first_and_ignores_keys() -> None:
    state, _ = start(LONDON)
    after, commands = step(LONDON, state, DtmfReceived("1"))
    assert commands == []
    assert after.node == "safety" and after.playing == state.playing


def test_welcome_can_be_skipped_with_a_key() -> None:
    state, _ = _finish_playing(LONDON, start(LONDON)[0])
    assert state.node == "welcome"
    state, commands = step(LONDON, state, DtmfReceived("5"))
    assert commands == [StopPlayback("welcome:2"), Play("main:3", ("sound:urgentline/main-menu",))]


def test_key_1_routes_to_dental_and_stops_the_prompt() -> None:
    state = _to_menu()
    playing = state.playing
    state, commands = step(LONDON, state, DtmfReceived("1"))
    assert commands == [StopPlayback(str(playing)), Route("dental")]
    assert state.done and state.menu_path == ("main:1",)
    assert state.outcome == Route("dental")


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
    assert state.node == "default" and isinstance(commands[-1], Play)  # "why are you calling?"
    assert state.menu_path == ("main:7", "main:9")


def test_no_input_twice_goes_to_default() -> None:
    state, _ = _finish_playing(LONDON, _to_menu())
    state, commands = step(LONDON, state, TimerFired(MENU_TIMER))
    assert isinstance(commands[0], Play)
    state, _ = _finish_playing(LONDON, state)
    state, commands = step(LONDON, state, TimerFired(MENU_TIMER))
    assert state.node == "default" and isinstance(commands[-1], Play)
    assert state.menu_path == ("main:timeout", "main:timeout")
    state, commands = _finish_playing(LONDON, state)
    assert isinstance(commands[0], Capture) and commands[0].fields == ("reason",)
    state, commands = step(LONDON, state, CommandFailed(commands[0].ref, "speech-not-recognised"))
    assert commands[-1] == Route("default111") and commands[-1].pathway == "general-111"


@pytest.mark.parametrize(
    ("labels", "pathway", "boosted"),
    [("red_flag", "red-flag", True), ("diarrhoea,vomiting", "general-111", False)],
)
def test_a_spoken_reason_can_send_the_caller_down_the_red_flag_path(
    labels: str, pathway: str, boosted: bool
) -> None:
    state, _ = step(LONDON, _to_menu(), DtmfReceived("7"))
    state, _ = step(LONDON, state, DtmfReceived("7"))
    state, commands = _finish_playing(LONDON, state)
    capture = commands[0]
    assert isinstance(capture, Capture)
    state, commands = step(LONDON, state, CaptureCompleted(capture.ref, (("reason", labels),)))
    assert state.context.reasons == frozenset(labels.split(","))
    if boosted:  # the 999 advice plays again before the route
        assert isinstance(commands[-1], Play) and "red-flag-999" in commands[-1].media[0]
        state, commands = _finish_playing(LONDON, state)
    route = commands[-1]
    assert isinstance(route, Route) and route.destination == "default111"
    assert route.pathway == pathway and ("red-flag" in route.tags) == boosted


def test_a_spoken_keyword_is_the_same_as_its_key() -> None:
    state = _to_menu()
    state, commands = step(LONDON, state, SpeechRecognised("I've got terrible Toothache!"))
    assert commands[-1] == Route("dental") and state.menu_path == ("main:1",)
    state = _to_menu()
    state, commands = step(LONDON, state, SpeechRecognised("I'm not sure"))
    assert state.menu_path == ("main:unrecognised",) and isinstance(commands[-1], Play)


def test_stale_events_are_ignored() -> None:
    state = _to_menu()
    assert step(LONDON, state, PlaybackFinished("safety:1"))[1] == []
    assert step(LONDON, state, TimerFired("other"))[1] == []
    assert step(LONDON, state, DtmfReceived("x"))[1] == []
    assert step(LONDON, state, CaptureCompleted("nothing"))[1] == []
    assert step(LONDON, State(), DtmfReceived("1")) == (State(steps=1), [])


def test_a_failed_command_routes_to_the_fallback() -> None:
    state, _ = start(LONDON)
    state, commands = step(LONDON, state, CommandFailed("safety:1", "play-failed"))
    assert commands == [
        StopPlayback("safety:1"),
        Route("default111", fallback_reason="play-failed"),
    ]
    assert state.done
    assert step(LONDON, state, DtmfReceived("1")) == (state, [])


def test_care_plans_and_repeat_callers_get_their_pathways() -> None:
    eol = CallContext(care_plans=frozenset({"end_of_life"}))
    state, _ = _finish_playing(LONDON, start(LONDON, context=eol)[0])
    state, commands = _finish_playing(LONDON, state)  # welcome ends: notify, then the message
    assert commands == [
        Notify("end-of-life:3.5", "palliative-team", "end-of-life", ()),
        Play("end-of-life-say:3", ("sound:urgentline/care-plan-eol",)),
    ]
    state, commands = _finish_playing(LONDON, state)
    assert commands == [Route("palliative", priority_s=1200, tags=("care-plan", "end-of-life"))]
    # A webhook failure after the call moved on changes nothing.
    assert step(LONDON, state, CommandFailed("end-of-life:3.5", "http-500"))[1] == []

    repeat, _ = start(LONDON, context=CallContext(repeat_caller=True))
    while repeat.node != "main":
        repeat, _ = _finish_playing(LONDON, repeat)
    _, commands = step(LONDON, repeat, DtmfReceived("2"))
    assert commands[-1] == Route("crisis", priority_s=600, tags=("repeat-caller",))


def test_repeat_callers_hear_a_message_before_the_menu() -> None:
    state, _ = _finish_playing(LONDON, start(LONDON, context=CallContext(repeat_caller=True))[0])
    state, commands = _finish_playing(LONDON, state)
    assert commands == [Play("repeat-caller-say:3", ("sound:urgentline/repeat-caller",))]
    assert [node for node, _ in state.trace] == [
        "safety",
        "welcome",
        "surge",
        "known-caller",
        "repeat-caller",
        "repeat-caller-say",
    ]
    # end of life, crisis plan and frailty come first: repeat callers are the 4th case
    assert state.trace[3] == ("known-caller", "case 4")


def test_flags_switch_on_surge_messages() -> None:
    context = CallContext(flags=frozenset({"dv_surge", "flu_surge"}))
    state, _ = _finish_playing(LONDON, start(LONDON, context=context)[0])
    state, commands = _finish_playing(LONDON, state)
    assert commands == [
        Play("surge:3", ("sound:urgentline/surge-flu", "sound:urgentline/surge-dv"))
    ]
    # A message that cannot be played is skipped, not a reason to give up on the call.
    state, commands = step(LONDON, state, CommandFailed("surge:3", "play-failed"))
    assert state.node == "main" and not state.done


def test_scheduled_messages_play_only_in_their_window() -> None:
    flags = frozenset({"heat_alert"})
    summer = CallContext(now=datetime(2027, 7, 1, 12, tzinfo=UTC), flags=flags)
    winter = CallContext(now=datetime(2027, 12, 1, 12, tzinfo=UTC), flags=flags)
    for context, expected in ((summer, "heat-health"), (winter, "")):
        state, _ = _finish_playing(LONDON, start(LONDON, context=context)[0])
        state, _ = _finish_playing(LONDON, state)
        assert ("surge", expected) in state.trace


@pytest.mark.parametrize(
    ("when", "destination"),
    [
        (datetime(2026, 12, 25, 10, tzinfo=UTC), "default111"),  # bank holiday
        (datetime(2026, 11, 29, 10, tzinfo=UTC), "default111"),  # Sunday
        (datetime(2026, 11, 24, 22, 30, tzinfo=UTC), "default111"),  # night
        (datetime(2026, 7, 1, 7, 30, tzinfo=UTC), "pharmacy"),  # 08:30 in London (BST)
        (datetime(2026, 11, 24, 10, tzinfo=UTC), "pharmacy"),
    ],
)
def test_pharmacy_advice_follows_opening_hours(when: datetime, destination: str) -> None:
    state = _to_menu(context=CallContext(now=when))
    state, commands = step(LONDON, state, DtmfReceived("3"))
    while not state.done:
        if state.playing:
            state, commands = _finish_playing(LONDON, state)
        else:
            state, commands = step(LONDON, state, DtmfReceived("2"))
    assert isinstance(commands[-1], Route) and commands[-1].destination == destination


def test_the_dental_pilot_texts_a_stable_share_of_callers() -> None:
    chosen = [
        f"call-{n}" for n in range(200) if split_bucket(f"call-{n}", "dental-video-2026") < 20
    ]
    assert 20 < len(chosen) < 60
    state = _to_menu(context=CallContext(call_id=chosen[0]))
    state, commands = step(LONDON, state, DtmfReceived("1"))
    assert any(
        isinstance(c, SendSms) and c.template == "dental-video-consultation" for c in commands
    )
    withheld = _to_menu(context=CallContext(call_id=chosen[0], withheld=True))
    _, commands = step(LONDON, withheld, DtmfReceived("1"))
    assert commands[-1] == Route("dental")


# --------------------------------------------------------------------- every node kind

KINDS = """\
name: kinds
fallback: default111
start: safety
max_visits: 2
prompts:
  safety: {text: Dial 999., safety: true}
  p: {text: Something.}
nodes:
  safety:
    say: {prompt: safety}
    next: details
  details:
    capture: {prompt: p, fields: [name, age], max_seconds: 10}
    next: nhs
    on_failure: nhs
  nhs:
    collect: {prompt: p, into: nhs_number, min_length: 3, max_length: 5, timeout_s: 4}
    next: q
    on_failure: q
  q:
    ask:
      question: breathing
      prompt: p
      answers: {"1": {code: "yes", goto: adult}, "2": {code: "no", goto: adult}}
      no_input: adult
      invalid: adult
  adult:
    branch:
      - when: {age: {min: 16}, answer: {question: breathing, is: "yes"}}
        goto: transfer
      - when: {not: {age: {min: 16}}}
        goto: end
    else: loop
  transfer:
    transfer: {number: "+442079460000"}
  end:
    hangup: {}
  loop:
    menu: {prompt: p, options: {"9": loop}, no_input: end, invalid: end}
"""
KIND_SCRIPT = parse_script(KINDS, "kinds.yaml")


def _at_capture() -> State:
    state, _ = start(KIND_SCRIPT)
    state, commands = _finish_playing(KIND_SCRIPT, state)  # safety -> capture prompt
    state, commands = _finish_playing(KIND_SCRIPT, state)
    ref = state.capturing
    assert commands == [
        Capture(str(ref), ("name", "age"), 10.0),
        StartTimer(CAPTURE_TIMER, 10.0 + CAPTURE_GRACE_S),
    ]
    return state


def _at_collect(values: tuple[tuple[str, str], ...] = (("age", "40"),)) -> State:
    state = _at_capture()
    state, commands = step(KIND_SCRIPT, state, CaptureCompleted(str(state.capturing), values))
    assert commands[0] == CancelTimer(CAPTURE_TIMER) and isinstance(commands[1], Play)
    return state


def test_capture_results_reach_the_handoff_and_the_conditions() -> None:
    state = _at_collect((("name", "Ann"), ("age", "40")))
    assert state.context.age == 40 and ("name", "Ann") in state.caller_data


def test_a_capture_that_fails_or_hangs_moves_on() -> None:
    state = _at_capture()
    failed, commands = step(KIND_SCRIPT, state, CommandFailed(str(state.capturing), "asr-down"))
    assert failed.node == "nhs" and commands[0] == CancelTimer(CAPTURE_TIMER)
    hung, commands = step(KIND_SCRIPT, state, TimerFired(CAPTURE_TIMER))
    assert hung.node == "nhs" and commands[0] == StopCapture(str(state.capturing))


def test_collect_digits_with_terminator_star_and_timeout() -> None:
    state = _at_collect()
    state, commands = step(KIND_SCRIPT, state, DtmfReceived("9"))  # barges in on the prompt
    assert commands == [StopPlayback("nhs:4"), StartTimer(MENU_TIMER, 4.0)]
    state, _ = step(KIND_SCRIPT, state, DtmfReceived("4"))
    state, _ = step(KIND_SCRIPT, state, DtmfReceived("*"))  # start again
    assert state.digits == ""
    for digit in "123":
        state, _ = step(KIND_SCRIPT, state, DtmfReceived(digit))
    state, commands = step(KIND_SCRIPT, state, DtmfReceived("#"))
    assert ("nhs_number", "123") in state.caller_data
    assert state.menu_path == ("nhs:entered",) and state.node == "q"
    assert "123" not in str(state.menu_path)


def test_collect_too_short_retries_then_gives_up() -> None:
    state = _at_collect()
    state, _ = _finish_playing(KIND_SCRIPT, state)
    state, _ = step(KIND_SCRIPT, state, DtmfReceived("1"))
    state, _ = step(KIND_SCRIPT, state, DtmfReceived("#"))
    assert state.attempt == 1 and state.menu_path == ("nhs:invalid",)
    state, _ = _finish_playing(KIND_SCRIPT, state)
    state, _ = step(KIND_SCRIPT, state, TimerFired(MENU_TIMER))
    assert state.node == "q" and state.menu_path == ("nhs:invalid", "nhs:timeout")
    state = _at_collect()
    for digit in "12345":
        state, _ = step(KIND_SCRIPT, state, DtmfReceived(digit))
    assert state.node == "q" and ("nhs_number", "12345") in state.caller_data


def test_answers_are_coded_and_drive_branches() -> None:
    state = _at_collect()
    state, _ = step(KIND_SCRIPT, state, DtmfReceived("1"))
    state, _ = step(KIND_SCRIPT, state, TimerFired(MENU_TIMER))  # 1 digit: too short, retry
    state, _ = step(KIND_SCRIPT, state, TimerFired("menu-input"))
    state = _at_collect()
    for digit in "123#":
        state, _ = step(KIND_SCRIPT, state, DtmfReceived(digit))
    state, commands = step(KIND_SCRIPT, state, DtmfReceived("1"))
    assert commands[-1] == Transfer(
        "+442079460000",
        answers=(("breathing", "yes"),),
        caller_data=(("age", "40"), ("nhs_number", "123")),
    )
    assert state.done and state.outcome == commands[-1]


def test_unknown_age_never_matches_an_age_band_and_loops_are_bounded() -> None:
    state = _at_capture()
    state, _ = step(KIND_SCRIPT, state, CaptureCompleted(str(state.capturing), ()))
    for digit in "123#":
        state, _ = step(KIND_SCRIPT, state, DtmfReceived(digit))
    state, commands = step(KIND_SCRIPT, state, DtmfReceived("2"))
    assert commands[-1] == Hangup()  # age unknown: not an adult, so "not adult" holds
    state = _at_collect()
    for digit in "123#":
        state, _ = step(KIND_SCRIPT, state, DtmfReceived(digit))
    state, _ = step(KIND_SCRIPT, state, DtmfReceived("2"))  # adult, no breathing trouble: loop
    assert state.node == "loop"
    state, commands = step(KIND_SCRIPT, state, DtmfReceived("9"))  # second visit
    assert state.node == "loop"
    state, commands = step(KIND_SCRIPT, state, DtmfReceived("9"))  # third: over max_visits
    assert commands[-1] == Route(
        "default111",
        fallback_reason="loop-limit",
        answers=(("breathing", "no"),),
        caller_data=(("age", "40"), ("nhs_number", "123")),
    )


def test_a_call_that_never_ends_is_ended_by_the_event_limit() -> None:
    state, _ = start(LONDON)
    commands: list[Command] = []
    for _ in range(MAX_EVENTS):
        state, commands = step(LONDON, state, DtmfReceived("1"))  # ignored: no barge-in
    assert state.done and commands[-1] == Route("default111", fallback_reason="event-limit")


# --------------------------------------------------------------------- properties

events_strategy = st.one_of(
    st.builds(DtmfReceived, st.sampled_from(list("0123456789*#"))),
    st.builds(TimerFired, st.sampled_from([MENU_TIMER, "other"])),
    st.builds(PlaybackFinished, st.sampled_from(["safety:1", "welcome:2", "main:3", "x"])),
    st.builds(CommandFailed, st.just("r"), st.just("play-failed")),
    st.builds(SpeechRecognised, st.sampled_from(["toothache", "pharmacy", "what?"])),
    st.just("finish-playing"),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(events_strategy, max_size=60))
def test_any_event_sequence_keeps_one_terminal_command(raw: list[Event | str]) -> None:
    """Whatever the caller does, at most one terminal command, and the state stays sane."""
    state, commands = start(LONDON)
    terminals = [c for c in commands if isinstance(c, TERMINAL)]
    for item in raw:
        if item == "finish-playing":
            event: Event = PlaybackFinished(state.playing or "none")
        else:
            assert not isinstance(item, str)
            event = item
        state, commands = step(LONDON, state, event)
        terminals += [c for c in commands if isinstance(c, TERMINAL)]
        assert state.node in LONDON.nodes
        if not state.done:
            assert (state.playing is None) != (state.timer is None)
    assert len(terminals) == (1 if state.done else 0)
    # Driving the caller's silence to its end always terminates within a bound.
    for _ in range(20):
        if state.done:
            break
        event = PlaybackFinished(state.playing) if state.playing else TimerFired(str(state.timer))
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
