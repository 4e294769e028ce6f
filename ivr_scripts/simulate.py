"""Dry runs: drive the interpreter with a scripted caller, no service, no clock.

The simulated caller listens to every prompt to the end, then answers each
point where the script waits for them, in order:

* a menu or question takes the next entry of ``keys``: one key (``1``), a
  spoken phrase (anything that is not keys, e.g. ``toothache``), or ``""`` for
  silence; when ``keys`` has run out it takes the next ``speech`` phrase if
  the menu has keywords, else it stays silent;
* a digit collection types the next ``keys`` entry digit by digit (``9434765919#``);
* a speech capture takes the next ``speech`` phrase, turned into values by
  ``extract`` (by default the transcript itself), or silence.

The same driver runs ``urgentline scripts simulate``, the impact replay of
recorded and synthetic calls, and the tests; the live service uses the same
``step``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ivr_scripts.commands import Command, Hangup, Notify, Route, SendSms, Terminal, Transfer
from ivr_scripts.conditions import describe
from ivr_scripts.context import EMPTY_CONTEXT, CallContext
from ivr_scripts.events import (
    CaptureCompleted,
    DtmfReceived,
    Event,
    PlaybackFinished,
    SpeechRecognised,
    TimerFired,
)
from ivr_scripts.interpreter import (
    CAPTURE_TIMER,
    DTMF_KEYS,
    MAX_EVENTS,
    MENU_TIMER,
    State,
    start,
    step,
)
from ivr_scripts.model import (
    AskNode,
    BranchNode,
    CaptureNode,
    CollectNode,
    MenuNode,
    MessagesNode,
    NotifyNode,
    RouteNode,
    SayNode,
    Script,
    SetNode,
    SmsNode,
    TransferNode,
    kind_of,
)

ENTERED = "<entered>"
"""A ``keys`` entry meaning "a valid entry" at a collection (replays do not know the digits)."""
INVALID = "<invalid>"
"""A ``keys`` entry standing for "an answer that was not understood"."""

Extractor = Callable[[str, tuple[str, ...]], tuple[tuple[str, str], ...]]


def transcript_only(text: str, fields: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The default extractor: keep what was said, extract nothing."""
    return (("transcript", text),)


@dataclass(frozen=True, slots=True)
class Caller:
    """What the simulated caller does (see the module docstring)."""

    keys: tuple[str, ...] = ()
    speech: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hop:
    """One node the call passed through, what it did, and what the caller did there."""

    node: str
    kind: str
    detail: str
    caller: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Simulation:
    """The outcome of a dry run."""

    script: Script
    context: CallContext
    hops: tuple[Hop, ...]
    state: State
    events: int
    unused_keys: int = 0
    unused_speech: int = 0
    sent: tuple[str, ...] = field(default=())

    @property
    def terminal(self) -> Terminal:
        assert self.state.outcome is not None
        return self.state.outcome

    @property
    def action(self) -> str:
        """``route:<destination>``, ``transfer:<number>`` or ``hangup``: what replays compare."""
        return action_of(self.terminal)

    @property
    def pathway(self) -> str:
        """The route's ``pathway`` label (default: its node id); ``fallback`` on the safe path."""
        terminal = self.terminal
        if isinstance(terminal, Route) and terminal.fallback_reason is not None:
            return "fallback"
        node = self.script.nodes.get(self.state.node)
        if isinstance(node, RouteNode | TransferNode):
            return node.pathway or self.state.node
        return self.state.node

    def to_json(self) -> dict[str, Any]:
        terminal = self.terminal
        final: dict[str, Any] = {"action": kind_of_terminal(terminal), "pathway": self.pathway}
        if isinstance(terminal, Route):
            final |= {
                "destination": terminal.destination,
                "fallback_reason": terminal.fallback_reason,
                "priority_s": terminal.priority_s,
            }
        elif isinstance(terminal, Transfer):
            final["number"] = terminal.number
        if isinstance(terminal, Route | Transfer):
            final |= {
                "tags": list(terminal.tags),
                "answers": {q: a for q, a in terminal.answers},
                "caller_data_fields": [name for name, _ in terminal.caller_data],
            }
        now = self.context.aware_now()
        return {
            "script": self.script.name,
            "version": self.script.version,
            "at": now.isoformat() if now else None,
            "path": [
                {"node": h.node, "kind": h.kind, "detail": h.detail, "caller": list(h.caller)}
                for h in self.hops
            ],
            "menu_path": list(self.state.menu_path),
            "sent": list(self.sent),
            "final": final,
            "events": self.events,
        }


def action_of(terminal: Terminal) -> str:
    match terminal:
        case Route(destination=destination):
            return f"route:{destination}"
        case Transfer(number=number):
            return f"transfer:{number}"
        case Hangup():
            return "hangup"


def kind_of_terminal(terminal: Terminal) -> str:
    return action_of(terminal).split(":", 1)[0]


def simulate(
    script: Script,
    context: CallContext = EMPTY_CONTEXT,
    caller: Caller = Caller(),
    *,
    extract: Extractor = transcript_only,
) -> Simulation:
    """Run one call through ``script`` and return the path it took and how it ended."""
    keys = deque(caller.keys)
    speech = deque(caller.speech)
    typing: deque[str] = deque()
    heard: dict[int, list[str]] = {}
    sent: list[str] = []
    state, commands = start(script, context=context)
    events = 1

    def note(what: str) -> None:
        heard.setdefault(len(state.trace) - 1, []).append(what)

    def record(batch: list[Command]) -> None:
        for command in batch:
            if isinstance(command, SendSms):
                sent.append(f"text {command.template}")
            elif isinstance(command, Notify):
                sent.append(f"webhook {command.target}")

    record(commands)
    while not state.done:
        if events > MAX_EVENTS + 1:
            raise AssertionError("the interpreter did not end the call")  # a bug, never input
        event = _next_event(script, state, keys, speech, typing, note, extract)
        state, commands = step(script, state, event)
        record(commands)
        events += 1
    hops = tuple(
        Hop(
            node_id,
            kind_of(script.nodes[node_id]),
            _detail(script, node_id, note_),
            tuple(heard.get(index, ())),
        )
        for index, (node_id, note_) in enumerate(state.trace)
    )
    return Simulation(script, context, hops, state, events, len(keys), len(speech), tuple(sent))


def _next_event(
    script: Script,
    state: State,
    keys: deque[str],
    speech: deque[str],
    typing: deque[str],
    note: Callable[[str], None],
    extract: Extractor,
) -> Event:
    if state.playing is not None:
        return PlaybackFinished(state.playing)
    node = script.nodes[state.node]
    if state.capturing is not None and isinstance(node, CaptureNode):
        if speech:
            text = speech.popleft()
            note(f"said {text!r}")
            return CaptureCompleted(state.capturing, extract(text, node.fields))
        note("silence")
        return TimerFired(CAPTURE_TIMER)
    if state.timer != MENU_TIMER:
        raise AssertionError(f"simulated call stuck in '{state.node}'")
    if isinstance(node, CollectNode):
        if not typing and keys:
            entry = keys.popleft()
            if entry == ENTERED:
                entry = "1" * node.min_length + (node.terminator or "")
            elif entry == INVALID:
                entry = node.terminator or ""
            note(f"typed {len(entry.rstrip('#*'))} digits" if entry else "silence")
            typing.extend(entry)
        if typing:
            return DtmfReceived(typing.popleft())
        if not keys:
            note("silence")
        return TimerFired(MENU_TIMER)
    assert isinstance(node, MenuNode | AskNode)
    if keys:
        entry = keys.popleft()
        if entry == "":
            note("silence")
            return TimerFired(MENU_TIMER)
        if len(entry) == 1 and entry in DTMF_KEYS:
            note(f"key {entry}")
            return DtmfReceived(entry)
        if entry in (INVALID, ENTERED):
            note("not understood")
            return SpeechRecognised("")
        note(f"said {entry!r}")
        return SpeechRecognised(entry)
    if speech and node.keywords:
        text = speech.popleft()
        note(f"said {text!r}")
        return SpeechRecognised(text)
    note("silence")
    return TimerFired(MENU_TIMER)


def _detail(script: Script, node_id: str, note: str) -> str:
    node = script.nodes[node_id]
    match node:
        case SayNode(prompt=prompt, barge_in=barge_in):
            return f"{prompt.lstrip('@')}{'' if barge_in else ' (no barge-in)'}"
        case MessagesNode(slot=slot):
            return f"slot {slot}: {note.replace(',', ', ') if note else 'nothing active'}"
        case MenuNode(prompt=prompt):
            return prompt
        case AskNode(question=question):
            return f"question {question}"
        case CollectNode(into=into):
            return f"digits into {into}"
        case CaptureNode(fields=fields):
            return "speech: " + ", ".join(fields)
        case BranchNode(cases=cases, otherwise=otherwise):
            if note.startswith("case "):
                index = int(note.split()[1])
                case = cases[index - 1]
                return f"{note}: {describe(case.when)} -> {case.goto}"
            return f"else -> {otherwise}"
        case SetNode(tags=tags, priority_s=priority_s):
            parts = [f"tags +{','.join(tags)}"] if tags else []
            if priority_s:
                parts.append(f"priority {priority_s:+d} s")
            return ", ".join(parts)
        case SmsNode(template=template):
            return f"text {template}"
        case NotifyNode(target=target):
            return f"webhook {target}"
        case RouteNode(destination=destination, pathway=pathway):
            return f"{destination} (pathway {pathway or node_id})"
        case TransferNode(number=number):
            return number
        case _:
            return ""
