"""Broken scripts are refused with file:line:col, good ones load, as the schema says."""

from __future__ import annotations

import json
from datetime import date, time

import jsonschema
import pytest

from ivr_scripts import SCHEMA_PATH, ScriptError, load_text, parse_script, schema, shipped_script
from ivr_scripts.calendars import load_calendar
from ivr_scripts.loader import SCRIPTS_DIR
from ivr_scripts.model import (
    AnyOf,
    AskNode,
    BankHoliday,
    BranchNode,
    DaysOfWeek,
    MenuNode,
    SayNode,
    TimeOfDay,
)
from ivr_scripts.yamlsource import read_yaml


def messages(text: str, filename: str = "t.yaml") -> list[str]:
    return [str(p) for p in load_text(text, filename).problems]


def test_shipped_london_script_loads() -> None:
    script = shipped_script("london")
    assert (script.name, script.start, script.fallback) == ("london", "safety", "default111")
    menu = script.nodes["main"]
    assert isinstance(menu, MenuNode) and set(menu.options) == {"1", "2", "3"}
    assert menu.keywords["toothache"] == "1"
    assert date(2026, 12, 28) in script.bank_holidays  # Boxing Day's substitute
    assert script.timezone.tzname(None) is None or str(script.timezone) == "Europe/London"
    pharmacy = script.nodes["pharmacy"]
    assert isinstance(pharmacy, BranchNode)
    condition = pharmacy.cases[0].when
    assert isinstance(condition, AnyOf)
    assert condition.items == (
        BankHoliday(True),
        DaysOfWeek(frozenset({6})),
        TimeOfDay(time(22, 0), time(8, 0)),
    )
    ask = script.nodes["medicine-question"]
    assert isinstance(ask, AskNode) and ask.codes == {"1": "yes", "2": "no"}


@pytest.mark.parametrize("name", ["london", "minimal", "bench"])
def test_shipped_scripts_load_without_errors(name: str) -> None:
    loaded = load_text((SCRIPTS_DIR / f"{name}.yaml").read_text(), f"{name}.yaml")
    assert loaded.ok, loaded.problems


def test_the_schema_is_a_valid_draft_2020_12_schema_and_accepts_the_shipped_scripts() -> None:
    document = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(document)
    assert schema() == document
    for path in SCRIPTS_DIR.glob("*.yaml"):
        data, _, problems = read_yaml(path.read_text(), str(path))
        assert not problems
        jsonschema.Draft202012Validator(document).validate(data)


BROKEN = """\
name: broken
fallback: default111
start: a
prompts:
  p: {text: hello, safety: true}
nodes:
  a:
    say: {prompt: p}
    next: nowhere
  b:
    menu: {prompt: missing, options: {"x": a}, no_input: a, invalid: a}
"""


def test_a_schema_error_points_at_the_offending_key() -> None:
    found = messages(BROKEN, "broken.yaml")
    assert found == [
        "broken.yaml:11:39: error: node 'b' (menu.options): 'x': a key is one of 0-9, * and #"
        " (in quotes)"
    ]


def test_unknown_references_are_listed_with_their_position() -> None:
    text = BROKEN.replace('"x"', '"1"')
    with pytest.raises(ScriptError) as caught:
        parse_script(text, filename="broken.yaml")
    found = [str(p) for p in caught.value.problems]
    assert "broken.yaml:9:11: error: node 'a' goes to unknown node 'nowhere'" in found
    assert "broken.yaml:11:20: error: node 'b' plays unknown prompt 'missing'" in found
    assert "did you mean 'a'?" in str(messages(text.replace("next: nowhere", "next: aa")))


def test_unknown_keys_get_a_suggestion() -> None:
    text = BROKEN.replace("say: {prompt: p}", "say: {prompt: p, barge-in: true}")
    assert (
        "t.yaml:8:22: error: node 'a' (say): unknown key 'barge-in' (did you mean 'barge_in'?)"
        in messages(text)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "t.yaml:1:1: error: the script is empty"),
        ("- a list", "t.yaml:1:1: error: script: expected an object, got a list"),
        ("nodes: [", "t.yaml:1:9: error: not valid YAML: expected the node content, but found"),
        ("name: x\nname: y\n", "t.yaml:2:1: error: key 'name' is written twice here"),
        ("a: &x [*x]\n", "t.yaml:1:4: error: an alias refers to the value that contains it"),
        ("a: !!python/object:os.system x\n", "t.yaml:1:4: error: YAML tag"),
        ("a: !!int abc\n", "t.yaml:1:4: error: 'abc' is not a whole number"),
    ],
)
def test_garbage_gets_errors_not_crashes(text: str, expected: str) -> None:
    found = messages(text)
    assert any(m.startswith(expected) for m in found), found
    assert load_text(text, "t.yaml").script is None


def test_yaml_scalars_follow_the_core_schema() -> None:
    data, source, problems = read_yaml(
        "a: yes\nb: 08:30\nc: 18:30\nd: 0123\ne: true\nf: 12\ng: 1.5\nh: ~\ni: 2026-12-25\n", "t"
    )
    assert not problems
    assert data == {
        "a": "yes",
        "b": "08:30",
        "c": "18:30",
        "d": "0123",
        "e": True,
        "f": 12,
        "g": 1.5,
        "h": None,
        "i": "2026-12-25",
    }
    assert source.at(("c",)) == (3, 4) and source.key_at(("c",)) == (3, 1)


def test_missing_fields_and_kinds_are_explained() -> None:
    text = BROKEN.replace('"x"', '"1"').replace("next: nowhere", "")
    found = messages(text)
    assert "t.yaml:8:5: error: node 'a': this node needs 'next': where the call goes after it" in (
        found
    )
    two_kinds = BROKEN.replace('"x"', '"1"').replace("next: nowhere", "hangup: {}\n    next: a")
    found = messages(two_kinds)
    assert any("node 'a': a node needs exactly one of say, messages, menu" in m for m in found)


def test_dates_times_and_zones_are_checked_beyond_their_pattern() -> None:
    base = (SCRIPTS_DIR / "minimal.yaml").read_text()
    found = messages(base.replace("name: minimal", "name: minimal\nbank_holidays: [2026-02-30]"))
    assert any("'2026-02-30' is not a real date" in m for m in found)
    found = messages(base.replace("name: minimal", "name: minimal\ntimezone: Mars/Olympus"))
    assert any("unknown time zone 'Mars/Olympus'" in m for m in found)
    found = messages(base.replace("name: minimal", "name: minimal\ncalendar: narnia"))
    assert any("unknown calendar 'narnia'" in m for m in found)


def test_inline_text_gets_its_own_recording() -> None:
    text = (
        (SCRIPTS_DIR / "minimal.yaml")
        .read_text()
        .replace("say: {prompt: safety-999}", "say: {text: Call 999 in an emergency.}")
    )
    script = load_text(text, "t.yaml").script
    assert script is not None
    node = script.nodes["safety"]
    assert isinstance(node, SayNode)
    assert script.prompts[node.prompt].media == "sound:urgentline/safety"


def test_the_calendar_lists_weekday_bank_holidays_including_easter() -> None:
    calendar = load_calendar("england-and-wales")
    assert all(day.weekday() < 5 for day in calendar.dates)
    easter_sundays = {
        2025: date(2025, 4, 20),
        2026: date(2026, 4, 5),
        2027: date(2027, 3, 28),
        2028: date(2028, 4, 16),
    }
    for year, sunday in easter_sundays.items():
        assert date.fromordinal(sunday.toordinal() - 2) in calendar.dates  # Good Friday
        assert date.fromordinal(sunday.toordinal() + 1) in calendar.dates  # Easter Monday
        assert sum(1 for d in calendar.dates if d.year == year) == 8
    assert calendar.until == date(2028, 12, 31)
