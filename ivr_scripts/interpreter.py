"""The routing-script interpreter: ``step(script, state, event) -> (state, commands)``.

Theory of operation. A call is a position in the script (``State.node``) plus
what is in flight: the prompt being played (``playing``, by reference), the
timer waiting for the caller (``timer``) or the speech capture being extracted
(``capturing``, always with a guard timer). While the call is running exactly
one of ``playing`` and ``timer`` is set. Each event moves the position and
returns the commands the shell must carry out; the shell reports back with
events (``PlaybackFinished``, ``DtmfReceived``, ``TimerFired``,
``CaptureCompleted``, ``CommandFailed``...). Nodes that need nobody
(``branch``, ``set``, ``sms``, ``notify``, a ``messages`` slot with nothing
active) are passed through within the same step.

Nothing here does I/O, reads a clock or draws a random number: time comes in
``CallContext.now`` and as ``TimerFired``, pilots are split by a hash of the
call id. So the same function drives live calls, dry runs, the editor preview
and impact replays, and is tested without an event loop.

Bounds. A call ends with exactly one terminal command (``Route``,
``Transfer`` or ``Hangup``); after that every event is ignored. Entering any
node more than ``script.max_visits`` times (menu retries do not count), or
receiving more than ``MAX_EVENTS`` events, routes the call to the fallback
destination: whatever the script and whatever the caller does, a call ends.
Any command the shell cannot carry out does the same, except the optional
ones (a front-end message, a speech capture, a text, a webhook), which are
skipped: the caller is never left in silence.

Usage::

    state, commands = start(script, context=CallContext(call_id="c1", now=arrived))
    state, commands = step(script, state, PlaybackFinished(ref))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import assert_never

from ivr_scripts.commands import (
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
    Terminal,
    Transfer,
)
from ivr_scripts.conditions import Facts, evaluate, message_active
from ivr_scripts.context import EMPTY_CONTEXT, CallContext
from ivr_scripts.events import (
    CallStarted,
    CaptureCompleted,
    CommandFailed,
    DtmfReceived,
    Event,
    PlaybackFinished,
    SpeechRecognised,
    TimerFired,
)
from ivr_scripts.model import (
    AskNode,
    BranchNode,
    CaptureNode,
    CollectNode,
    HangupNode,
    MenuNode,
    MessagesNode,
    NotifyNode,
    RouteNode,
    SayNode,
    Script,
    SetNode,
    SmsNode,
    TransferNode,
)

MENU_TIMER = "menu-input"
"""The timer waiting for the caller's input in a menu, question or digit collection."""
CAPTURE_TIMER = "capture"
"""The guard timer of a speech capture."""
CAPTURE_GRACE_S = 10.0
MAX_EVENTS = 500
DTMF_KEYS = frozenset("0123456789*#")


@dataclass(frozen=True, slots=True)
class State:
    """Where one call is. Frozen: ``step`` returns a new one.

    ``menu_path`` lists the caller's choices (``main:1``, ``main:timeout``,
    ``nhs:entered``), never what they typed. ``trace`` lists every node entered
    with a note (the branch case taken, the messages played). ``tags``,
    ``priority_s``, ``answers`` and ``caller_data`` accumulate for the handoff.
    """

    node: str = ""
    attempt: int = 0
    playing: str | None = None
    timer: str | None = None
    menu_path: tuple[str, ...] = ()
    steps: int = 0
    done: bool = False
    context: CallContext = EMPTY_CONTEXT
    trace: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    priority_s: int = 0
    answers: tuple[tuple[str, str], ...] = ()
    caller_data: tuple[tuple[str, str], ...] = ()
    digits: str = ""
    capturing: str | None = None
    background: tuple[str, ...] = ()
    outcome: Terminal | None = None


Result = tuple[State, list[Command]]
Choosing = MenuNode | AskNode


def start(script: Script, *, context: CallContext | None = None) -> Result:
    """The state and commands of a call that has just been answered.

    Args:
        script: the (checked) script the call starts with; keep it for the whole call.
        context: what the shell knows about the call (empty by default).
    """
    return step(script, State(context=context or EMPTY_CONTEXT), CallStarted())


def step(script: Script, state: State, event: Event) -> Result:
    """Advance one call by one event.

    Args:
        script: the script the call started with.
        state: where the call is.
        event: what just happened.

    Returns:
        The new state and the commands to carry out, in order. Total: any
        event in any state has a defined outcome (often "ignored").
    """
    if state.done:
        return state, []
    state = replace(state, steps=state.steps + 1)
    if not state.node and not isinstance(event, CallStarted | CommandFailed):
        return state, []  # nothing has started yet
    if state.steps > MAX_EVENTS:
        return _finish(state, [], _fallback(script, state, "event-limit"))
    match event:
        case CallStarted():
            if state.node:
                return state, []
            return _enter(script, state, script.start)
        case PlaybackFinished(ref=ref):
            return _playback_finished(script, state, ref)
        case DtmfReceived(digit=digit):
            return _dtmf(script, state, digit)
        case SpeechRecognised(text=text):
            return _speech(script, state, text)
        case TimerFired(name=name):
            if name != state.timer:
                return state, []
            return _timer(script, replace(state, timer=None))
        case CaptureCompleted(ref=ref, values=values):
            return _captured(script, state, ref, values)
        case CommandFailed(ref=ref, reason=reason):
            return _failed(script, state, ref, reason)
        case _:
            assert_never(event)


# --------------------------------------------------------------------- entering nodes


def _enter(script: Script, state: State, node_id: str, attempt: int = 0) -> Result:
    """Enter ``node_id`` (``attempt`` > 0: a retry) and pass through nodes that need nobody."""
    out: list[Command] = []
    for _ in range(len(script.nodes) * script.max_visits + 1):
        if attempt == 0 and _visits(state, node_id) >= script.max_visits:
            return _finish(state, out, _fallback(script, state, "loop-limit"))
        node = script.nodes[node_id]
        state = replace(
            state,
            node=node_id,
            attempt=attempt,
            playing=None,
            timer=None,
            digits="",
            capturing=None,
        )
        match node:
            case SayNode(prompt=prompt):
                state = _traced(state, node_id, prompt, attempt)
                return _play(state, node_id, (script.media(prompt),), out)
            case MessagesNode(slot=slot, next=nxt):
                facts = _facts(state)
                active = [
                    m
                    for m in script.messages
                    if m.slot == slot and message_active(m, script, facts)
                ]
                state = _traced(state, node_id, ",".join(m.id for m in active), attempt)
                if active:
                    media = tuple(script.media(m.prompt) for m in active)
                    return _play(state, node_id, media, out)
                node_id, attempt = nxt, 0
            case MenuNode(prompt=prompt) | AskNode(prompt=prompt):
                state = _traced(state, node_id, "", attempt)
                return _play(state, node_id, (script.media(prompt),), out)
            case CollectNode(prompt=prompt) | CaptureNode(prompt=prompt):
                state = _traced(state, node_id, "", attempt)
                return _play(state, node_id, (script.media(prompt),), out)
            case BranchNode(cases=cases, otherwise=otherwise):
                target, note = otherwise, "else"
                facts = _facts(state)
                for index, case in enumerate(cases, 1):
                    if evaluate(case.when, script, facts):
                        target, note = case.goto, f"case {index}"
                        break
                state = _traced(state, node_id, note, attempt)
                node_id, attempt = target, 0
            case SetNode(next=nxt, tags=tags, priority_s=priority_s):
                state = _traced(state, node_id, "", attempt)
                state = replace(
                    state,
                    tags=tuple(dict.fromkeys((*state.tags, *tags))),
                    priority_s=state.priority_s + priority_s,
                )
                node_id, attempt = nxt, 0
            case SmsNode(template=template, link=link, next=nxt):
                state = _traced(state, node_id, template, attempt)
                ref = _background_ref(state, node_id)
                out.append(SendSms(ref, template, link))
                state = replace(state, background=(*state.background, ref))
                node_id, attempt = nxt, 0
            case NotifyNode(target=target, next=nxt):
                state = _traced(state, node_id, target, attempt)
                ref = _background_ref(state, node_id)
                out.append(Notify(ref, target, node_id, state.tags))
                state = replace(state, background=(*state.background, ref))
                node_id, attempt = nxt, 0
            case RouteNode(destination=destination, priority_s=priority_s, pathway=pathway):
                state = _traced(state, node_id, destination, attempt)
                route = Route(
                    destination,
                    priority_s=state.priority_s + priority_s,
                    tags=state.tags,
                    answers=state.answers,
                    caller_data=state.caller_data,
                    pathway=pathway or node_id,
                )
                return _finish(state, out, route)
            case TransferNode(number=number):
                state = _traced(state, node_id, "", attempt)
                transfer = Transfer(
                    number, tags=state.tags, answers=state.answers, caller_data=state.caller_data
                )
                return _finish(state, out, transfer)
            case HangupNode():
                state = _traced(state, node_id, "", attempt)
                return _finish(state, out, Hangup())
            case _:
                assert_never(node)
    return _finish(state, out, _fallback(script, state, "loop-limit"))


def _visits(state: State, node_id: str) -> int:
    return sum(1 for entered, _ in state.trace if entered == node_id)


def _traced(state: State, node_id: str, note: str, attempt: int) -> State:
    if attempt:
        return state
    return replace(state, trace=(*state.trace, (node_id, note)))


def _background_ref(state: State, node_id: str) -> str:
    return f"{node_id}:{state.steps}.{len(state.trace)}"


def _facts(state: State) -> Facts:
    return Facts(state.context, state.tags, state.answers)


def _play(state: State, node_id: str, media: tuple[str, ...], out: list[Command]) -> Result:
    ref = f"{node_id}:{state.steps}"
    return replace(state, playing=ref), [*out, Play(ref, media)]


def _fallback(script: Script, state: State, reason: str) -> Route:
    return Route(
        script.fallback,
        fallback_reason=reason,
        priority_s=state.priority_s,
        tags=state.tags,
        answers=state.answers,
        caller_data=state.caller_data,
    )


def _finish(state: State, out: list[Command], terminal: Terminal) -> Result:
    """End the script's part of the call: stop whatever is in flight, then ``terminal``."""
    cleanup: list[Command] = []
    if state.playing:
        cleanup.append(StopPlayback(state.playing))
    if state.capturing:
        cleanup.append(StopCapture(state.capturing))
    if state.timer:
        cleanup.append(CancelTimer(state.timer))
    done = replace(
        state, playing=None, timer=None, capturing=None, digits="", done=True, outcome=terminal
    )
    return done, [*cleanup, *out, terminal]


def _interrupt(state: State) -> tuple[State, list[Command]]:
    """Stop the prompt and the input timer (the caller has answered)."""
    commands: list[Command] = []
    if state.playing:
        commands.append(StopPlayback(state.playing))
    if state.timer:
        commands.append(CancelTimer(state.timer))
    return replace(state, playing=None, timer=None), commands


def _then(result: Result, before: list[Command]) -> Result:
    state, commands = result
    return state, [*before, *commands]


# --------------------------------------------------------------------- events


def _playback_finished(script: Script, state: State, ref: str) -> Result:
    if ref != state.playing:
        return state, []
    node = script.nodes[state.node]
    state = replace(state, playing=None)
    match node:
        case SayNode(next=nxt) | MessagesNode(next=nxt):
            return _enter(script, state, nxt)
        case MenuNode(timeout_s=seconds) | AskNode(timeout_s=seconds):
            return replace(state, timer=MENU_TIMER), [StartTimer(MENU_TIMER, seconds)]
        case CollectNode(timeout_s=seconds):
            return replace(state, timer=MENU_TIMER), [StartTimer(MENU_TIMER, seconds)]
        case CaptureNode(fields=fields, max_seconds=seconds):
            capture_ref = f"{state.node}:{state.steps}"
            state = replace(state, capturing=capture_ref, timer=CAPTURE_TIMER)
            return state, [
                Capture(capture_ref, fields, seconds),
                StartTimer(CAPTURE_TIMER, seconds + CAPTURE_GRACE_S),
            ]
        case _:
            raise AssertionError(f"node '{state.node}' does not play")


def _dtmf(script: Script, state: State, digit: str) -> Result:
    if digit not in DTMF_KEYS:
        return state, []
    node = script.nodes[state.node]
    match node:
        case SayNode(barge_in=barge_in, next=nxt) | MessagesNode(barge_in=barge_in, next=nxt):
            if not barge_in or state.playing is None:
                return state, []
            stop: list[Command] = [StopPlayback(state.playing)]
            return _then(_enter(script, replace(state, playing=None), nxt), stop)
        case MenuNode() | AskNode():
            return _choose(script, state, node, digit, f"{state.node}:{digit}")
        case CollectNode():
            return _collect_digit(script, state, node, digit)
        case _:
            return state, []


_WORDS = re.compile(r"[^\w]+")


def _normalise(text: str) -> str:
    return " " + " ".join(_WORDS.sub(" ", text.casefold()).split()) + " "


def _speech(script: Script, state: State, text: str) -> Result:
    node = script.nodes[state.node]
    if not isinstance(node, MenuNode | AskNode):
        return state, []
    said = _normalise(text)
    for keyword, key in node.keywords.items():
        words = _normalise(keyword)
        if words.strip() and words in said:
            return _choose(script, state, node, key, f"{state.node}:{key}")
    return _choose(script, state, node, None, f"{state.node}:unrecognised")


def _choose(script: Script, state: State, node: Choosing, key: str | None, entry: str) -> Result:
    """The caller answered a menu or question with ``key`` (``None``: not understood)."""
    state, interrupt = _interrupt(state)
    state = replace(state, menu_path=(*state.menu_path, entry))
    target = node.options.get(key) if key is not None else None
    if target is not None:
        if isinstance(node, AskNode) and key is not None:
            state = replace(state, answers=(*state.answers, (node.question, node.codes[key])))
        return _then(_enter(script, state, target), interrupt)
    if state.attempt < node.retries:
        return _then(_enter(script, state, state.node, state.attempt + 1), interrupt)
    return _then(_enter(script, _unanswered(state, node), node.invalid), interrupt)


def _unanswered(state: State, node: Choosing) -> State:
    if isinstance(node, AskNode):
        return replace(state, answers=(*state.answers, (node.question, "no-answer")))
    return state


def _collect_digit(script: Script, state: State, node: CollectNode, digit: str) -> Result:
    state, interrupt = _interrupt(state)
    if node.terminator is not None and digit == node.terminator:
        if len(state.digits) >= node.min_length:
            return _then(_collected(script, state, node), interrupt)
        return _then(_collect_failed(script, state, node, "invalid"), interrupt)
    if digit.isdigit():
        state = replace(state, digits=state.digits + digit)
        if len(state.digits) >= node.max_length:
            return _then(_collected(script, state, node), interrupt)
    elif digit == "*":
        state = replace(state, digits="")  # start again
    restart: list[Command] = [*interrupt, StartTimer(MENU_TIMER, node.timeout_s)]
    return replace(state, timer=MENU_TIMER), restart


def _collected(script: Script, state: State, node: CollectNode) -> Result:
    state = replace(
        state,
        menu_path=(*state.menu_path, f"{state.node}:entered"),
        caller_data=(*state.caller_data, (node.into, state.digits)),
        digits="",
    )
    return _enter(script, state, node.next)


def _collect_failed(script: Script, state: State, node: CollectNode, why: str) -> Result:
    state = replace(state, menu_path=(*state.menu_path, f"{state.node}:{why}"), digits="")
    if state.attempt < node.retries:
        return _enter(script, state, state.node, state.attempt + 1)
    return _enter(script, state, node.on_failure)


def _timer(script: Script, state: State) -> Result:
    node = script.nodes[state.node]
    match node:
        case MenuNode() | AskNode():
            state = replace(state, menu_path=(*state.menu_path, f"{state.node}:timeout"))
            if state.attempt < node.retries:
                return _enter(script, state, state.node, state.attempt + 1)
            return _enter(script, _unanswered(state, node), node.no_input)
        case CollectNode():
            if state.digits and len(state.digits) >= node.min_length:
                return _collected(script, state, node)
            return _collect_failed(script, state, node, "invalid" if state.digits else "timeout")
        case CaptureNode(on_failure=on_failure):
            stop: list[Command] = [StopCapture(state.capturing)] if state.capturing else []
            return _then(_enter(script, replace(state, capturing=None), on_failure), stop)
        case _:
            raise AssertionError(f"no timer runs in node '{state.node}'")


def _captured(
    script: Script, state: State, ref: str, values: tuple[tuple[str, str], ...]
) -> Result:
    if ref != state.capturing:
        return state, []
    node = script.nodes[state.node]
    assert isinstance(node, CaptureNode), "a capture only runs in a capture node"
    context = state.context
    for name, value in values:
        if name == "age" and value.strip().isdigit() and int(value) <= 130:
            context = replace(context, age=int(value))
        elif name == "language" and value.strip():
            context = replace(context, language=value.strip().lower())
        elif name == "reason":
            labels = frozenset(label for label in value.split(",") if label)
            context = replace(context, reasons=context.reasons | labels)
    state = replace(
        state,
        capturing=None,
        timer=None,
        context=context,
        caller_data=(*state.caller_data, *values),
    )
    return _then(_enter(script, state, node.next), [CancelTimer(CAPTURE_TIMER)])


def _failed(script: Script, state: State, ref: str, reason: str) -> Result:
    if ref in state.background:
        return state, []  # a text or a webhook: the call has moved on
    node = script.nodes.get(state.node)
    if state.capturing is not None and ref == state.capturing:
        assert isinstance(node, CaptureNode)
        state = replace(state, capturing=None, timer=None)
        return _then(_enter(script, state, node.on_failure), [CancelTimer(CAPTURE_TIMER)])
    if isinstance(node, MessagesNode) and ref == state.playing:
        return _enter(script, replace(state, playing=None), node.next)
    return _finish(state, [], _fallback(script, state, reason))
