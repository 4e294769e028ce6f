"""Read YAML into plain JSON-like values, keeping the line and column of everything.

The document is composed into PyYAML's node graph and converted here, so that
nothing but plain values is ever constructed (no tags, no objects), and every
value and key gets its position in a ``SourceMap``. Scalars follow YAML 1.2's
core schema, which is what commissioners expect: ``yes``/``no``/``on`` stay
text, ``08:30`` stays text, ``0123`` stays text; only ``true``/``false``,
decimal numbers and ``null`` are typed. Duplicate keys, aliases that refer to
themselves, custom tags and oversized documents are reported, not crashed on.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ivr_scripts.model import SourceMap
from ivr_scripts.problems import Problem

MAX_CHARS = 1_000_000
MAX_VALUES = 100_000
MAX_DEPTH = 64

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars (no sexagesimals, no yes/no)."""

    yaml_implicit_resolvers: dict[Any, Any] = {}


_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9]+[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


class _TooBig(Exception):
    pass


@dataclass(slots=True)
class _Reader:
    filename: str
    values: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)
    keys: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    count: int = 0
    stack: set[int] = field(default_factory=set)

    def fail(self, where: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(self.filename, where[0], where[1], message))

    def convert(self, node: Node, path: tuple[str | int, ...]) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig
        where = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.values.setdefault(path, where)
        if isinstance(node, ScalarNode):
            return self.scalar(node, where)
        if len(path) > MAX_DEPTH:
            self.fail(where, f"nested more than {MAX_DEPTH} levels deep")
            return None
        if id(node) in self.stack:
            self.fail(where, "an alias refers to the value that contains it")
            return None
        self.stack.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                if node.tag != _SEQ:
                    self.fail(where, f"YAML tag '{node.tag}' is not allowed")
                return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            if node.tag != _MAP:
                self.fail(where, f"YAML tag '{node.tag}' is not allowed")
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key_where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if not isinstance(key_node, ScalarNode):
                    self.fail(key_where, "a key must be plain text")
                    continue
                key = key_node.value
                if key in result:
                    self.fail(key_where, f"key '{key}' is written twice here")
                    continue
                self.keys[(*path, key)] = key_where
                result[key] = self.convert(value_node, (*path, key))
            return result
        finally:
            self.stack.discard(id(node))

    def scalar(self, node: ScalarNode, where: tuple[int, int]) -> Any:
        value = node.value
        tag = node.tag
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            if value.lower() in ("true", "false"):
                return value.lower() == "true"
            self.fail(where, f"'{value}' is not true or false")
            return value
        if tag == _INT:
            try:
                return int(value.replace("_", ""))
            except ValueError:
                self.fail(where, f"'{_short(value)}' is not a whole number")
                return value
        if tag == _FLOAT:
            lowered = value.lower()
            if lowered in (".inf", "+.inf", "-.inf"):
                return -math.inf if lowered.startswith("-") else math.inf
            if lowered == ".nan":
                return math.nan
            try:
                return float(value.replace("_", ""))
            except ValueError:
                self.fail(where, f"'{_short(value)}' is not a number")
                return value
        self.fail(where, f"YAML tag '{_short(tag)}' is not allowed")
        return value


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_yaml(text: str, filename: str) -> tuple[Any, SourceMap, list[Problem]]:
    """Parse ``text`` into plain values, their positions and any problems.

    Never raises for bad input: a document that cannot be read comes back as
    ``None`` with at least one problem.
    """
    reader = _Reader(filename)
    if len(text) > MAX_CHARS:
        reader.fail((1, 1), f"the script is larger than {MAX_CHARS} characters")
        return None, SourceMap(), reader.problems
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(str(exc.problem or exc.context or "unreadable").split())
        reader.fail(where, f"not valid YAML: {what}")
        return None, SourceMap(), reader.problems
    except yaml.YAMLError as exc:
        reader.fail((1, 1), f"not valid YAML: {_short(str(exc), 120)}")
        return None, SourceMap(), reader.problems
    except RecursionError:
        reader.fail((1, 1), "not valid YAML: nested too deeply")
        return None, SourceMap(), reader.problems
    if root is None:
        reader.fail((1, 1), "the script is empty")
        return None, SourceMap(), reader.problems
    try:
        data = reader.convert(root, ())
    except _TooBig:
        reader.fail((1, 1), f"the script expands to more than {MAX_VALUES} values (aliases?)")
        return None, SourceMap(), reader.problems
    return data, SourceMap(reader.values, reader.keys), reader.problems
