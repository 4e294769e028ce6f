"""The checker: every policy rule, with the position it reports."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ivr_scripts import Catalogue, load_text, parse_catalogue, shipped_catalogue
from ivr_scripts.loader import SCRIPTS_DIR

BASE = """\
name: t
fallback: default111
start: safety
prompts:
  safety-999: {text: Dial 999 in an emergency., safety: true}
  menu: {text: Press 1 for dental.}
nodes:
  safety:
    say: {prompt: safety-999}
    next: main
  main:
    menu: {prompt: menu, options: {"1": dental}, no_input: default, invalid: default}
  dental:
    route: {destination: dental}
  default:
    route: {destination: default111}
"""


def problems(
    text: str, catalogue: Catalogue | None = None, now: datetime | None = None
) -> list[str]:
    return [str(p) for p in load_text(text, "t.yaml", catalogue=catalogue, now=now).problems]


def test_the_base_script_is_clean() -> None:
    assert problems(BASE, replace(shipped_catalogue(), prompts=None)) == []


@pytest.mark.parametrize("name", ["london", "minimal", "bench"])
def test_shipped_scripts_pass_the_checker_with_the_shipped_catalogue(name: str) -> None:
    text = (SCRIPTS_DIR / f"{name}.yaml").read_text()
    loaded = load_text(text, f"{name}.yaml", catalogue=shipped_catalogue(), now=datetime.now(UTC))
    assert loaded.problems == []


def test_a_menu_before_the_safety_message_is_an_error() -> None:
    text = BASE.replace("start: safety", "start: main")
    assert problems(text) == [
        "t.yaml:8:3: warning: node 'safety' is never reached from 'main'",
        "t.yaml:11:3: error: menu 'main' can be reached without the 999 safety message: "
        "play the 999 safety message first",
    ]
    unmarked = BASE.replace(", safety: true", "")
    assert any("no prompt is marked 'safety: true'" in p for p in problems(unmarked))


def test_a_skippable_safety_message_and_messages_before_it_are_warned_about() -> None:
    text = BASE.replace("say: {prompt: safety-999}", "say: {prompt: safety-999, barge_in: true}")
    assert problems(text) == [
        "t.yaml:9:41: warning: the 999 safety message in 'safety' can be skipped with a key; "
        "set barge_in: false"
    ]
    text = BASE.replace("start: safety", "start: hello").replace(
        "nodes:\n", "nodes:\n  hello:\n    say: {prompt: menu}\n    next: safety\n"
    )
    assert (
        "t.yaml:8:3: warning: 'hello' plays before the 999 safety message; callers in an "
        "emergency should hear it first" in problems(text)
    )


def test_a_loop_that_never_waits_for_the_caller_is_an_error() -> None:
    text = BASE.replace(
        "  dental:\n    route: {destination: dental}",
        "  dental:\n    set: {tags: [x]}\n    next: again\n"
        "  again:\n    branch:\n      - when: {flag: flu_surge}\n        goto: dental\n"
        "    else: dental",
    )
    found = problems(text)
    assert (
        "t.yaml:13:3: error: loop 'dental' → 'again' → 'dental' never waits for the caller: it "
        "would repeat until the call is cut off" in found
    )
    assert (
        "t.yaml:13:3: error: node 'dental' starts a loop with no way out: no path from it "
        "ends in a route, transfer or hangup" in found
    )


def test_a_loop_through_a_menu_with_an_exit_is_allowed() -> None:
    text = BASE.replace('options: {"1": dental}', 'options: {"1": dental, "9": main}')
    assert problems(text) == []


def test_keywords_must_stand_for_a_key() -> None:
    text = BASE.replace(
        'options: {"1": dental},', 'options: {"1": dental}, keywords: {tooth: "1", pills: "3"},'
    )
    assert problems(text) == [
        "t.yaml:12:73: error: menu 'main': 'pills' stands for key '3', which is not an option; "
        "speech must never be the only way"
    ]


def test_catalogue_names_are_checked() -> None:
    catalogue = parse_catalogue(
        "destinations: [default111]\nprompts: [safety-999]\nflags: [flu_surge]\n"
        "notify_targets: []\nsms_templates: []\ncare_plan_types: [end_of_life]\n"
    )
    text = BASE.replace(
        "  default:\n",
        "  dental-x:\n    branch:\n      - when: {flag: flu_sorge, care_plan: [frail]}\n"
        "        goto: note\n    else: note\n"
        "  note:\n    notify: {target: pager}\n    next: sms\n"
        "  sms:\n    sms: {template: video}\n    next: default\n"
        "  default:\n",
    ).replace('"1": dental}', '"1": dental, "2": dental-x}')
    found = problems(text, catalogue)
    assert found == [
        "t.yaml:6:3: error: prompt 'menu' has no recording: sound:urgentline/menu is not in the "
        "catalogue",
        "t.yaml:14:26: error: unknown destination 'dental' (known: ['default111'])",
        "t.yaml:17:15: error: unknown flag 'flu_sorge' (known: ['flu_surge'])",
        "t.yaml:17:15: warning: unknown care-plan type 'frail' (known: ['end_of_life'])",
        "t.yaml:21:22: error: unknown webhook target 'pager' (known: [])",
        "t.yaml:24:21: error: unknown text template 'video' (known: [])",
    ]


def test_messages_are_checked_for_slot_window_and_expiry() -> None:
    text = BASE.replace(
        "nodes:\n",
        "messages:\n"
        "  old:\n    prompt: menu\n    slot: surge\n    owner: team\n"
        "    from: 2025-01-01\n    until: 2025-02-01\n"
        "  lost:\n    prompt: menu\n    slot: elsewhere\n    owner: team\n"
        "  backwards:\n    prompt: menu\n    slot: surge\n    owner: team\n"
        "    from: 2025-03-01\n    until: 2025-02-01\n"
        "nodes:\n",
    ).replace(
        "    next: main\n",
        "    next: surge\n  surge:\n    messages: {slot: surge}\n    next: main\n",
        1,
    )
    found = problems(text, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert "t.yaml:23:12: error: message 'backwards' ends before it starts" in found
    found = problems(
        text.replace("    from: 2025-03-01\n    until: 2025-02-01\n", ""),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert found == [
        "t.yaml:13:12: warning: message 'old' ended at 2025-02-02 00:00 and will not play again",
        "t.yaml:16:11: warning: message 'lost' is in slot 'elsewhere', which no messages node "
        "plays",
    ]


def test_odd_values_get_warnings() -> None:
    text = BASE.replace("invalid: default}", "invalid: default, timeout_s: 1}").replace(
        "  dental:\n    route: {destination: dental}",
        "  dental:\n    branch:\n      - when: {time: {from: '10:00', until: '10:00'}}\n"
        "        goto: to-dental\n      - when: {split: {percent: 100}}\n        goto: to-dental\n"
        "      - when: {bank_holiday: true}\n        goto: to-dental\n    else: to-dental\n"
        "  to-dental:\n    route: {destination: dental}",
    )
    assert problems(text) == [
        "t.yaml:12:98: warning: menu 'main' waits only 1 s for a key",
        "t.yaml:15:15: warning: time 10:00-10:00 is empty: it never holds",
        "t.yaml:17:15: warning: a 100% split is not a split",
        "t.yaml:19:15: warning: bank_holiday never holds: the script names no calendar",
    ]


def test_unused_prompts_and_unreachable_nodes_are_warnings_only() -> None:
    text = BASE.replace("prompts:\n", "prompts:\n  spare: {text: Not used.}\n").replace(
        "  default:\n", "  orphan:\n    hangup: {}\n  default:\n"
    )
    loaded = load_text(text, "t.yaml")
    assert loaded.ok
    assert [str(p) for p in loaded.problems] == [
        "t.yaml:5:3: warning: prompt 'spare' is never played",
        "t.yaml:16:3: warning: node 'orphan' is never reached from 'safety'",
    ]


def test_collect_lengths_must_make_sense() -> None:
    text = BASE.replace(
        "  dental:\n    route: {destination: dental}",
        "  dental:\n    collect: {prompt: menu, into: nhs_number, min_length: 10, max_length: 3}\n"
        "    next: to-dental\n  to-dental:\n    route: {destination: dental}",
    )
    assert problems(text) == [
        "t.yaml:14:14: error: collect 'dental': min_length 10 is above max_length 3"
    ]
