"""The routing-script model: a flow of named nodes, as commissioners write it.

A script is data, validated when it is loaded, so that the interpreter can
trust it: every ``next``/option target names a node, every menu can be finished
by DTMF alone, and every path ends in a route or a hang-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Prompt:
    """A recorded message: ``media`` is an ARI media URI, ``text`` what it says."""

    id: str
    media: str
    text: str


@dataclass(frozen=True, slots=True)
class SayNode:
    prompt: str
    next: str
    barge_in: bool = False


@dataclass(frozen=True, slots=True)
class MenuNode:
    prompt: str
    options: dict[str, str]
    no_input: str
    invalid: str
    timeout_s: float = 5.0
    retries: int = 1


@dataclass(frozen=True, slots=True)
class RouteNode:
    destination: str


@dataclass(frozen=True, slots=True)
class HangupNode:
    pass


Node = SayNode | MenuNode | RouteNode | HangupNode


@dataclass(frozen=True, slots=True)
class Script:
    name: str
    version: str
    start: str
    fallback: str
    nodes: dict[str, Node]
    prompts: dict[str, Prompt] = field(default_factory=dict)

    def media(self, prompt_id: str) -> str:
        return self.prompts[prompt_id].media
