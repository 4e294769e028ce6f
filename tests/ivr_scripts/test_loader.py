"""Broken scripts are refused with file:line:col, good ones load."""

from __future__ import annotations

import pytest

from ivr_scripts import ScriptError, parse_script, shipped_script
from ivr_scripts.model import MenuNode


def test_shipped_london_script_loads() -> None:
    script = shipped_script("london")
    assert script.start == "safety" and script.fallback == "default111"
    menu = script.nodes["main"]
    assert isinstance(menu, MenuNode) and set(menu.options) == {"1", "2"}


BROKEN = """\
name: broken
fallback: default111
start: a
prompts:
  p: {text: hello}
nodes:
  a:
    say: {prompt: p}
    next: nowhere
  b:
    menu: {prompt: missing, options: {"x": a}, no_input: a, invalid: a}
"""


def test_broken_script_lists_every_problem_with_position() -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(BROKEN, filename="broken.yaml")
    messages = [str(p) for p in caught.value.problems]
    assert any("broken.yaml:8:5: error:" in m and "unknown node 'nowhere'" in m for m in messages)
    assert any("unknown prompt 'missing'" in m for m in messages)
    assert any("not DTMF keys" in m for m in messages)


@pytest.mark.parametrize("text", ["", "- a list", "nodes: [", "start: 1\nnodes: {}\n"])
def test_garbage_gets_errors_not_crashes(text: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(text)
    assert caught.value.problems
