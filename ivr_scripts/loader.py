"""Load a routing script from YAML and check what the interpreter relies on.

Errors carry ``file:line:col`` so a commissioner can find the fault; a script
with any error is refused whole (the live version stays).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ivr_scripts.model import HangupNode, MenuNode, Node, Prompt, RouteNode, SayNode, Script

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
DTMF_KEYS = set("0123456789*#")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: error: {self.message}"


class ScriptError(Exception):
    """A script failed to load; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers where each mapping started (1-based line, col)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__pos__"] = (node.start_mark.line + 1, node.start_mark.column + 1)
    return mapping  # type: ignore[return-value]


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_script(path: str | Path) -> Script:
    path = Path(path)
    return parse_script(path.read_text(encoding="utf-8"), filename=str(path))


def shipped_script(name: str = "london") -> Script:
    return load_script(SCRIPTS_DIR / f"{name}.yaml")


def parse_script(text: str, filename: str = "<script>") -> Script:
    """Parse and check a script; raise ``ScriptError`` listing every problem found."""
    problems: list[Problem] = []

    def fail(where: Mapping[str, Any] | None, message: str) -> None:
        line, col = where.get("__pos__", (1, 1)) if where else (1, 1)
        problems.append(Problem(filename, line, col, message))

    try:
        doc = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ScriptError([Problem(filename, line, col, f"not valid YAML: {exc}")]) from exc
    if not isinstance(doc, dict):
        raise ScriptError([Problem(filename, 1, 1, "a script is a mapping with 'nodes'")])

    prompts: dict[str, Prompt] = {}
    for pid, spec in _mapping(doc.get("prompts"), doc, "prompts", fail).items():
        if not isinstance(spec, dict) or not isinstance(spec.get("text"), str):
            fail(doc, f"prompt '{pid}' needs 'text'")
            continue
        prompts[pid] = Prompt(pid, str(spec.get("media", f"sound:urgentline/{pid}")), spec["text"])

    nodes: dict[str, Node] = {}
    raw_nodes = _mapping(doc.get("nodes"), doc, "nodes", fail)
    for node_id, spec in raw_nodes.items():
        node = _parse_node(node_id, spec, fail)
        if node is not None:
            nodes[node_id] = node

    start = doc.get("start")
    fallback = doc.get("fallback")
    if not isinstance(start, str) or start not in raw_nodes:
        fail(doc, f"'start' must name a node, got {start!r}")
    if not isinstance(fallback, str) or not fallback:
        fail(doc, "'fallback' must name the destination used when anything fails")
    _check_references(nodes, raw_nodes, prompts, fail)
    if problems:
        raise ScriptError(problems)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Script(
        name=str(doc.get("name", Path(filename).stem)),
        version=str(doc.get("version", digest)),
        start=str(start),
        fallback=str(fallback),
        nodes=nodes,
        prompts=prompts,
    )


def _mapping(value: Any, parent: Mapping[str, Any], name: str, fail: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        fail(parent, f"'{name}' must be a mapping")
        return {}
    return {k: v for k, v in value.items() if k != "__pos__"}


def _parse_node(node_id: str, spec: Any, fail: Any) -> Node | None:
    if not isinstance(spec, dict):
        fail(None, f"node '{node_id}' must be a mapping")
        return None
    kinds = [k for k in ("say", "menu", "route", "hangup") if k in spec]
    if len(kinds) != 1:
        fail(spec, f"node '{node_id}' needs exactly one of say, menu, route, hangup")
        return None
    kind = kinds[0]
    body = spec[kind]
    try:
        if kind == "say":
            return SayNode(
                prompt=str(body["prompt"]),
                next=str(spec["next"]),
                barge_in=bool(body.get("barge_in", False)),
            )
        if kind == "menu":
            options = {str(k): str(v) for k, v in body["options"].items() if k != "__pos__"}
            return MenuNode(
                prompt=str(body["prompt"]),
                options=options,
                no_input=str(body["no_input"]),
                invalid=str(body["invalid"]),
                timeout_s=float(body.get("timeout_s", 5.0)),
                retries=int(body.get("retries", 1)),
            )
        if kind == "route":
            return RouteNode(destination=str(body["destination"]))
        return HangupNode()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        fail(spec, f"node '{node_id}': {kind} is missing or has a bad field ({exc})")
        return None


def _check_references(
    nodes: dict[str, Node], raw: dict[str, Any], prompts: dict[str, Prompt], fail: Any
) -> None:
    for node_id, node in nodes.items():
        where = raw[node_id]
        targets: list[str] = []
        match node:
            case SayNode(prompt=prompt, next=nxt):
                targets = [nxt]
                prompt_ids = [prompt]
            case MenuNode(prompt=prompt, options=options, no_input=no_input, invalid=invalid):
                targets = [*options.values(), no_input, invalid]
                prompt_ids = [prompt]
                bad_keys = [k for k in options if k not in DTMF_KEYS]
                if bad_keys:
                    fail(where, f"menu '{node_id}' has options that are not DTMF keys: {bad_keys}")
            case _:
                prompt_ids = []
        for target in targets:
            if target not in raw:
                fail(where, f"node '{node_id}' points at unknown node '{target}'")
        for prompt_id in prompt_ids:
            if prompt_id not in prompts:
                fail(where, f"node '{node_id}' plays unknown prompt '{prompt_id}'")
