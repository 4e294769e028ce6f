"""The routing-script interpreter: ``step(script, state, event) -> (state, commands)``.

Theory of operation. A call is a position in the script (``State.node``) plus
what is in flight: the prompt being played (``playing``, by reference) and the
timer waiting for input (``timer``). Each event moves the position and returns
the commands the shell must carry out; the shell reports back with events
(``PlaybackFinished``, ``DtmfReceived``, ``TimerFired``, ``CommandFailed``).
Nothing here does I/O, reads a clock or draws a random number, so the same
function drives live calls, dry runs and replays, and is tested without a loop.

A call ends with exactly one terminal command (``Route`` or ``Hangup``); after
that every event is ignored. Any command the shell cannot carry out sends the
call to the script's fallback destination: the caller is never left in silence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ivr_scripts.commands import CancelTimer, Command, Hangup, Play, Route, StartTimer, StopPlayback
from ivr_scripts.events import (
    CallStarted,
    CommandFailed,
    DtmfReceived,
    Event,
    PlaybackFinished,
    TimerFired,
)
from ivr_scripts.model import HangupNode, MenuNode, RouteNode, SayNode, Script

MENU_TIMER = "menu-input"


@dataclass(frozen=True, slots=True)
class State:
    node: str = ""
    attempt: int = 0
    playing: str | None = None
    timer: str | None = None
    menu_path: tuple[str, ...] = ()
    steps: int = 0
    done: bool = False


def start(script: Script) -> tuple[State, list[Command]]:
    """The state and commands of a call that has just been answered."""
    return step(script, State(), CallStarted())


def step(script: Script, state: State, event: Event) -> tuple[State, list[Command]]:
    """Advance one call by one event.

    Args:
        script: the (checked) script the call started with.
        state: where the call is.
        event: what just happened.

    Returns:
        The new state and the commands to carry out, in order.
    """
    if state.done:
        return state, []
    state = replace(state, steps=state.steps + 1)
    match event:
        case CallStarted():
            return _enter(script, state, script.start)
        case PlaybackFinished(ref=ref):
            return _playback_finished(script, state, ref)
        case DtmfReceived(digit=digit):
            return _dtmf(script, state, digit)
        case TimerFired(name=name):
            if name != state.timer:
                return state, []
            return _no_input(script, replace(state, timer=None))
        case CommandFailed(reason=reason):
            return _finish(state, Route(script.fallback, fallback_reason=reason))


def _enter(
    script: Script, state: State, node_id: str, attempt: int = 0
) -> tuple[State, list[Command]]:
    node = script.nodes[node_id]
    state = replace(state, node=node_id, attempt=attempt, playing=None, timer=None)
    match node:
        case SayNode(prompt=prompt) | MenuNode(prompt=prompt):
            ref = f"{node_id}:{state.steps}"
            return replace(state, playing=ref), [Play(ref, (script.media(prompt),))]
        case RouteNode(destination=destination):
            return _finish(state, Route(destination))
        case HangupNode():
            return _finish(state, Hangup())


def _finish(state: State, command: Route | Hangup) -> tuple[State, list[Command]]:
    cleanup: list[Command] = []
    if state.playing:
        cleanup.append(StopPlayback(state.playing))
    if state.timer:
        cleanup.append(CancelTimer(state.timer))
    return replace(state, playing=None, timer=None, done=True), [*cleanup, command]


def _playback_finished(script: Script, state: State, ref: str) -> tuple[State, list[Command]]:
    if ref != state.playing:
        return state, []
    node = script.nodes[state.node]
    state = replace(state, playing=None)
    if isinstance(node, SayNode):
        return _enter(script, state, node.next)
    if isinstance(node, MenuNode):
        return replace(state, timer=MENU_TIMER), [StartTimer(MENU_TIMER, node.timeout_s)]
    return state, []


def _dtmf(script: Script, state: State, digit: str) -> tuple[State, list[Command]]:
    node = script.nodes[state.node]
    if isinstance(node, SayNode):
        if not node.barge_in or state.playing is None:
            return state, []
        stop: list[Command] = [StopPlayback(state.playing)]
        new_state, commands = _enter(script, replace(state, playing=None), node.next)
        return new_state, [*stop, *commands]
    if not isinstance(node, MenuNode):
        return state, []
    interrupt: list[Command] = []
    if state.playing:
        interrupt.append(StopPlayback(state.playing))
    if state.timer:
        interrupt.append(CancelTimer(state.timer))
    state = replace(
        state,
        playing=None,
        timer=None,
        menu_path=(*state.menu_path, f"{state.node}:{digit}"),
    )
    target = node.options.get(digit)
    if target is not None:
        new_state, commands = _enter(script, state, target)
    elif state.attempt < node.retries:
        new_state, commands = _enter(script, state, state.node, state.attempt + 1)
    else:
        new_state, commands = _enter(script, state, node.invalid)
    return new_state, [*interrupt, *commands]


def _no_input(script: Script, state: State) -> tuple[State, list[Command]]:
    node = script.nodes[state.node]
    assert isinstance(node, MenuNode), "the input timer only runs in a menu"
    state = replace(state, menu_path=(*state.menu_path, f"{state.node}:timeout"))
    if state.attempt < node.retries:
        return _enter(script, state, state.node, state.attempt + 1)
    return _enter(script, state, node.no_input)
