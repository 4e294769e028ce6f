"""Fuzzing: no input crashes the loader or the checker, and every script's calls end.

* Any text, any YAML-shaped structure, and any mutation of the shipped script
  gets either a script or clear errors (``file:line:col`` inside the file).
* For any script that loads (even one the checker rejects) and any sequence of
  events, a call ends in exactly one terminal command within a bound, and
  while it runs exactly one of "playing" and "waiting on a timer" holds.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ivr_scripts import MAX_EVENTS, Script, load_text, shipped_catalogue, start, step
from ivr_scripts.commands import TERMINAL
from ivr_scripts.events import (
    CaptureCompleted,
    CommandFailed,
    DtmfReceived,
    Event,
    PlaybackFinished,
    SpeechRecognised,
    TimerFired,
)
from ivr_scripts.interpreter import CAPTURE_TIMER, MENU_TIMER
from ivr_scripts.loader import SCRIPTS_DIR
from ivr_scripts.model import AskNode, CaptureNode, CollectNode, MenuNode
from ivr_scripts.problems import Problem

LONDON_TEXT = (SCRIPTS_DIR / "london.yaml").read_text()
CATALOGUE = shipped_catalogue()


def assert_clear(text: str, problems: list[Problem], has_script: bool) -> None:
    lines = max(text.count("\n") + 2, 2)
    for problem in problems:
        assert problem.severity in ("error", "warning")
        assert problem.message and "\n" not in problem.message
        assert 1 <= problem.line <= lines and problem.col >= 1
    if not has_script:
        assert any(p.is_error for p in problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_script_or_clear_errors(text: str) -> None:
    loaded = load_text(text, "fuzz.yaml", catalogue=CATALOGUE)
    assert_clear(text, loaded.problems, loaded.script is not None)


WORDS = [
    "name",
    "start",
    "fallback",
    "prompts",
    "nodes",
    "say",
    "menu",
    "prompt",
    "next",
    "options",
    "no_input",
    "invalid",
    "route",
    "destination",
    "branch",
    "when",
    "goto",
    "else",
    "messages",
    "slot",
    "flag",
    "time",
    "from",
    "until",
    "1",
    "safety",
    "text",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 100),
    st.floats(allow_nan=True),
    st.sampled_from(WORDS),
    st.text(max_size=8),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(WORDS), children, max_size=5),
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(documents)
def test_any_yaml_structure_gets_a_script_or_clear_errors(document: Any) -> None:
    text = yaml.safe_dump(document)
    loaded = load_text(text, "fuzz.yaml", catalogue=CATALOGUE)
    assert_clear(text, loaded.problems, loaded.script is not None)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, LONDON_TEXT.count("\n")),
            st.sampled_from(["delete", "duplicate", "blank", "indent", "garble"]),
            st.text(max_size=6),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_any_mutation_of_the_london_script_gets_a_script_or_clear_errors(
    edits: list[tuple[int, str, str]],
) -> None:
    lines = LONDON_TEXT.splitlines()
    for index, action, noise in edits:
        index %= len(lines)
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "blank":
            lines[index] = ""
        elif action == "indent":
            lines[index] = "  " + lines[index]
        else:
            cut = len(lines[index]) // 2
            lines[index] = lines[index][:cut] + noise + lines[index][cut + 1 :]
    text = "\n".join(lines) + "\n"
    loaded = load_text(text, "london.yaml", catalogue=CATALOGUE)
    assert_clear(text, loaded.problems, loaded.script is not None)


# --------------------------------------------------------------------- valid scripts x events

KINDS = [
    "say",
    "messages",
    "menu",
    "ask",
    "collect",
    "capture",
    "branch",
    "set",
    "route",
    "transfer",
    "sms",
    "notify",
    "hangup",
]
CONDITIONS = [
    {"flag": "flu_surge"},
    {"repeat_caller": True},
    {"care_plan": True},
    {"withheld": False},
    {"age": {"min": 16}},
    {"language": "cy"},
    {"split": {"percent": 50}},
    {"tag": "t"},
    {"answer": {"question": "q", "is": "yes"}},
    {"time": {"from": "22:00", "until": "08:00"}},
    {"days": ["sat", "sun"]},
    {"bank_holiday": True},
    {"dates": {"from": "2026-12-24"}},
    {"any": [{"flag": "flu_surge"}, {"not": {"withheld": True}}]},
]


@st.composite
def script_documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(2, 8))
    ids = [f"n{i}" for i in range(count)]
    target = st.sampled_from(ids)
    key = st.sampled_from(list("0123456789*#"))
    nodes: dict[str, Any] = {}
    for node_id in ids:
        kind = draw(st.sampled_from(KINDS))
        spec: dict[str, Any] = {}
        if kind == "say":
            spec = {
                "say": {
                    "prompt": draw(st.sampled_from(["safety", "p"])),
                    "barge_in": draw(st.booleans()),
                },
                "next": draw(target),
            }
        elif kind == "messages":
            spec = {
                "messages": {"slot": "surge", "barge_in": draw(st.booleans())},
                "next": draw(target),
            }
        elif kind in ("menu", "ask"):
            keys = draw(st.lists(key, min_size=1, max_size=3, unique=True))
            body: dict[str, Any] = {
                "prompt": "p",
                "no_input": draw(target),
                "invalid": draw(target),
                "retries": draw(st.integers(0, 2)),
                "timeout_s": 3,
                "keywords": {"tooth": keys[0]},
            }
            if kind == "menu":
                body["options"] = {k: draw(target) for k in keys}
            else:
                body["question"] = "q"
                body["answers"] = {
                    k: {"code": draw(st.sampled_from(["yes", "no"])), "goto": draw(target)}
                    for k in keys
                }
            spec = {kind: body}
        elif kind == "collect":
            low = draw(st.integers(1, 3))
            spec = {
                "collect": {
                    "prompt": "p",
                    "into": "digits",
                    "min_length": low,
                    "max_length": low + draw(st.integers(0, 2)),
                    "retries": draw(st.integers(0, 2)),
                },
                "next": draw(target),
                "on_failure": draw(target),
            }
        elif kind == "capture":
            spec = {
                "capture": {"prompt": "p", "fields": ["age", "language"]},
                "next": draw(target),
                "on_failure": draw(target),
            }
        elif kind == "branch":
            cases = draw(st.lists(st.sampled_from(CONDITIONS), min_size=1, max_size=3))
            spec = {
                "branch": [{"when": c, "goto": draw(target)} for c in cases],
                "else": draw(target),
            }
        elif kind == "set":
            spec = {
                "set": {"tags": ["t"], "priority_s": draw(st.integers(0, 600))},
                "next": draw(target),
            }
        elif kind == "route":
            spec = {"route": {"destination": draw(st.sampled_from(["dental", "default111"]))}}
        elif kind == "transfer":
            spec = {"transfer": {"number": "+442079460000"}}
        elif kind == "sms":
            spec = {"sms": {"template": "dental-video-consultation"}, "next": draw(target)}
        elif kind == "notify":
            spec = {"notify": {"target": "palliative-team"}, "next": draw(target)}
        else:
            spec = {"hangup": {}}
        nodes[node_id] = spec
    return {
        "name": "fuzz",
        "fallback": "default111",
        "start": "n0",
        "calendar": "england-and-wales",
        "max_visits": draw(st.integers(1, 3)),
        "prompts": {"safety": {"text": "999", "safety": True}, "p": {"text": "menu"}},
        "messages": {
            "m": {
                "prompt": "p",
                "slot": "surge",
                "owner": "me",
                "when": draw(st.sampled_from(CONDITIONS)),
            }
        },
        "nodes": nodes,
    }


def fuzz_events(script: Script) -> st.SearchStrategy[Event | str]:
    return st.one_of(
        st.builds(DtmfReceived, st.sampled_from(list("0123456789*#"))),
        st.builds(TimerFired, st.sampled_from([MENU_TIMER, CAPTURE_TIMER, "other"])),
        st.builds(SpeechRecognised, st.sampled_from(["tooth", "hello"])),
        st.sampled_from(["finish-playing", "complete-capture", "fail-current", "fail-other"]),
    )


def _resolve(item: Event | str, state: Any) -> Event:
    if not isinstance(item, str):
        return item
    if item == "finish-playing":
        return PlaybackFinished(state.playing or "none")
    if item == "complete-capture":
        return CaptureCompleted(state.capturing or "none", (("age", "70"), ("language", "cy")))
    if item == "fail-current":
        return CommandFailed(state.playing or state.capturing or "none", "failed")
    return CommandFailed("somebody-else", "failed")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script_documents(), st.data())
def test_any_valid_script_and_any_events_end_in_one_terminal_command(
    document: dict[str, Any], data: st.DataObject
) -> None:
    loaded = load_text(yaml.safe_dump(document), "fuzz.yaml", catalogue=CATALOGUE)
    assert loaded.script is not None, loaded.problems
    script = loaded.script
    assume(True)
    context = data.draw(
        st.builds(
            lambda flags, repeat, plans: __import__("ivr_scripts").CallContext(
                call_id="c1", flags=flags, repeat_caller=repeat, care_plans=plans
            ),
            st.frozensets(st.sampled_from(["flu_surge"])),
            st.booleans(),
            st.frozensets(st.sampled_from(["end_of_life"])),
        )
    )
    state, commands = start(script, context=context)
    terminals = [c for c in commands if isinstance(c, TERMINAL)]
    for item in data.draw(st.lists(fuzz_events(script), max_size=40)):
        state, commands = step(script, state, _resolve(item, state))
        terminals += [c for c in commands if isinstance(c, TERMINAL)]
        if not state.done:
            assert (state.playing is None) != (state.timer is None)
            assert state.node in script.nodes
    # A silent caller from here on: every prompt plays out, every wait times out.
    retries = max(
        [
            n.retries
            for n in script.nodes.values()
            if isinstance(n, MenuNode | AskNode | CollectNode)
        ]
        or [0]
    )
    bound = 3 * (retries + 1) * len(script.nodes) * script.max_visits + 2
    for _ in range(bound):
        if state.done:
            break
        node = script.nodes[state.node]
        if state.playing is not None:
            event: Event = PlaybackFinished(state.playing)
        elif isinstance(node, CaptureNode):
            event = TimerFired(CAPTURE_TIMER)
        else:
            event = TimerFired(MENU_TIMER)
        state, commands = step(script, state, event)
        terminals += [c for c in commands if isinstance(c, TERMINAL)]
    assert state.done, f"not ended after {bound} silent steps"
    assert state.steps <= MAX_EVENTS + 1
    assert len(terminals) == 1 and state.outcome == terminals[0]
    assert step(script, state, DtmfReceived("1")) == (state, [])
