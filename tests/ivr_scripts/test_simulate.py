"""Dry runs and impact replays: the same interpreter, driven by a scripted caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr_scripts import CallContext, parse_script, shipped_script
from ivr_scripts.commands import Route
from ivr_scripts.impact import (
    ReplayCall,
    compare,
    inputs_from_menu_path,
    repeat_callers,
    synthetic_calls,
)
from ivr_scripts.loader import SCRIPTS_DIR
from ivr_scripts.simulate import ENTERED, Caller, simulate

LONDON = shipped_script("london")
CHRISTMAS_NIGHT = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)


def test_a_simulated_call_reports_its_path_and_final_action() -> None:
    result = simulate(LONDON, CallContext(now=CHRISTMAS_NIGHT), Caller(("3",)))
    assert [(h.node, h.kind) for h in result.hops] == [
        ("safety", "say"),
        ("welcome", "say"),
        ("surge", "messages"),
        ("known-caller", "branch"),
        ("main", "menu"),
        ("pharmacy", "branch"),
        ("pharmacy-closed", "say"),
        ("default", "capture"),
        ("reason-check", "branch"),
        ("to-default", "route"),
    ]
    assert result.hops[4].caller == ("key 3",)
    assert result.hops[5].detail.startswith("case 1: bank holiday or days sun or time 22:00-08:00")
    assert result.action == "route:default111" and result.pathway == "general-111"
    body = result.to_json()
    assert body["final"] == {
        "action": "route",
        "pathway": "general-111",
        "destination": "default111",
        "fallback_reason": None,
        "priority_s": 0,
        "tags": [],
        "answers": {},
        "caller_data_fields": [],
    }
    assert body["menu_path"] == ["main:3"] and body["at"] == "2026-12-25T03:00:00+00:00"


def test_silence_speech_and_questions() -> None:
    assert simulate(LONDON).action == "route:default111"
    spoken = simulate(LONDON, caller=Caller(speech=("I need a pharmacist",)))
    assert spoken.state.menu_path[0] == "main:3"
    weekday = CallContext(now=datetime(2026, 11, 24, 11, tzinfo=UTC))
    urgent = simulate(LONDON, weekday, Caller(("3", "1")))
    assert urgent.terminal == Route(
        "pharmacy", priority_s=300, answers=(("ran-out-of-regular-medicine", "yes"),)
    )
    assert urgent.pathway == "pharmacy-urgent-supply"


def test_collections_and_captures_take_digits_and_phrases() -> None:
    text = (
        (SCRIPTS_DIR / "minimal.yaml")
        .read_text()
        .replace(
            "  dental:\n    route: {destination: dental}",
            "  dental:\n    collect: {prompt: main-menu, into: nhs_number, min_length: 10,"
            " max_length: 10}\n    next: speak\n"
            "  speak:\n    capture: {prompt: main-menu, fields: [postcode]}\n    next: to-dental\n"
            "  to-dental:\n    route: {destination: dental}",
        )
    )
    script = parse_script(text, "t.yaml")
    result = simulate(
        script,
        caller=Caller(("1", "9434765919"), ("SE1 7EH",)),
        extract=lambda text, fields: (("postcode", text),),
    )
    assert isinstance(result.terminal, Route)
    assert result.terminal.caller_data == (("nhs_number", "9434765919"), ("postcode", "SE1 7EH"))
    assert result.hops[2].caller == ("typed 10 digits",)
    replayed = simulate(script, caller=Caller(("1", ENTERED)))
    assert replayed.state.menu_path == ("main:1", "dental:entered")
    assert replayed.action == "route:dental"


def test_menu_paths_become_replay_inputs() -> None:
    assert inputs_from_menu_path(["main:timeout", "main:1", "nhs:entered", "q:invalid"]) == (
        "",
        "1",
        ENTERED,
        "<invalid>",
    )


def test_repeat_callers_are_recognised_from_records() -> None:
    t0 = datetime(2026, 11, 20, 9, tzinfo=UTC)
    calls = [
        ("a", t0),
        ("a", t0 + timedelta(hours=10)),
        ("b", t0 + timedelta(hours=11)),
        ("a", t0 + timedelta(hours=20)),  # third in 96 h: repeat
        ("a", t0 + timedelta(hours=200)),  # the window has passed
        (None, t0 + timedelta(hours=21)),
    ]
    assert repeat_callers(calls) == [False, False, False, True, False, False]


def test_impact_counts_changed_destinations_by_transition_and_pathway() -> None:
    swapped = parse_script(
        (SCRIPTS_DIR / "london.yaml")
        .read_text()
        .replace('"1": dental, "2": crisis', '"1": dental, "2": dental'),
        "draft.yaml",
    )
    t0 = datetime(2026, 11, 23, 10, tzinfo=UTC)
    calls = [
        ReplayCall("c1", t0, ("2",), recorded="crisis"),
        ReplayCall("c2", t0, ("1",), recorded="dental"),
        ReplayCall("c3", t0, ("", ""), recorded="default111"),
        ReplayCall("c4", t0, ("2",), recorded="default111"),  # it fell back live
    ]
    result = compare(LONDON, swapped, calls)
    assert (result.total, result.changed) == (4, 2)
    assert result.transitions == {("route:crisis", "route:dental"): 2}
    assert result.pathways == {("dental-pain", "route:dental"): 2}
    assert [c.call_id for c in result.examples("route:crisis", "route:dental")] == ["c1", "c4"]
    assert (result.recorded, result.faithful) == (4, 3)
    assert result.to_json()["transitions"][0]["calls"] == 2


def test_synthetic_traffic_is_reproducible() -> None:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    first = synthetic_calls(200, start=start, span=timedelta(days=1), seed=7)
    assert first == synthetic_calls(200, start=start, span=timedelta(days=1), seed=7)
    assert first != synthetic_calls(200, start=start, span=timedelta(days=1), seed=8)
    assert all(start <= c.arrived_at < start + timedelta(days=1) for c in first)
    same = compare(LONDON, LONDON, first)
    assert same.changed == 0 and same.total == 200
