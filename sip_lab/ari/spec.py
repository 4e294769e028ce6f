"""The ARI specification (Asterisk 22 Swagger 1.1 ``api-docs``) as routing and checks.

Why load the JSON instead of hand-listing routes and parameters: the simulator
exists to catch the client's mistakes, so what counts as a known path, a known
parameter or a valid value must come from the same files Asterisk is built from,
not from someone's reading of them.

Routing follows ``res_ari.c``: the path is walked segment by segment, a literal
segment wins over a ``{wildcard}`` one and there is no backtracking (so
``/channels/create/answer`` is a 404, as on Asterisk).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from sip_lab.ari.types import JsonObject

API_DOCS_DIR = Path(__file__).resolve().parent / "api-docs"
INTEGER_TYPES = frozenset({"int", "long"})
AUTH_PARAMS = frozenset({"api_key"})
"""Query parameters Asterisk consumes before any operation sees them."""

_TRUE = frozenset({"yes", "true", "y", "t", "1", "on"})
_FALSE = frozenset({"no", "false", "n", "f", "0", "off"})
_INTEGER = re.compile(r"-?\d+")


def ast_true(value: str) -> bool:
    """Asterisk's ``ast_true()``: how a query-string boolean is read."""
    return value.strip().lower() in _TRUE


def is_boolean_text(value: str) -> bool:
    """Whether Asterisk would read ``value`` as a boolean one way or the other."""
    return value.strip().lower() in _TRUE | _FALSE


def atoi(value: str) -> int:
    """C ``atoi()``: leading whitespace, optional sign, digits; anything else is 0."""
    match = re.match(r"\s*([+-]?\d+)", value)
    return int(match.group(1)) if match else 0


@dataclass(frozen=True, slots=True)
class Param:
    """One operation parameter as declared in the spec."""

    name: str
    param_type: str
    data_type: str
    required: bool
    allow_multiple: bool
    allowed_values: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP operation (``resource.nickname``), e.g. ``channels.answer``."""

    resource: str
    nickname: str
    method: str
    path: str
    params: tuple[Param, ...]
    websocket: bool

    @property
    def key(self) -> str:
        """The name the request log and statistics use."""
        return f"{self.resource}.{self.nickname}"

    @property
    def query_params(self) -> dict[str, Param]:
        """Parameters that may come in the query string (or a JSON body field)."""
        return {p.name: p for p in self.params if p.param_type == "query"}

    @property
    def body_param(self) -> Param | None:
        """The whole-body parameter (``variables`` containers, a filter object ...)."""
        return next((p for p in self.params if p.param_type == "body"), None)


@dataclass(slots=True)
class _Node:
    literals: dict[str, _Node] = field(default_factory=dict)
    wildcard: tuple[str, _Node] | None = None
    operations: dict[str, Operation] = field(default_factory=dict)
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """A request path matched to a spec path."""

    path: str
    path_params: dict[str, str]
    operations: Mapping[str, Operation]

    def allowed_methods(self) -> list[str]:
        """Methods the spec defines for this path, for the ``Allow`` header."""
        return ["OPTIONS", *sorted(self.operations)]


class ApiSpec:
    """All resource files of the api-docs directory, indexed for routing and checks."""

    def __init__(self, directory: Path = API_DOCS_DIR) -> None:
        self.directory = directory
        self.listing: JsonObject = _load(directory / "resources.json")
        self.files: dict[str, JsonObject] = {}
        self.models: dict[str, JsonObject] = {}
        self.operations: dict[str, Operation] = {}
        self._root = _Node()
        for api in self.listing["apis"]:
            name = str(api["path"]).rsplit("/", 1)[-1].replace(".{format}", "")
            doc = _load(directory / f"{name}.json")
            self.files[f"{name}.json"] = doc
            self.models.update(doc.get("models", {}))
            for entry in doc["apis"]:
                for raw in entry["operations"]:
                    self._add(_operation(name, str(entry["path"]), raw))

    def _add(self, op: Operation) -> None:
        node = self._root
        for segment in _segments(op.path):
            if segment.startswith("{") and segment.endswith("}"):
                if node.wildcard is None:
                    node.wildcard = (segment[1:-1], _Node())
                node = node.wildcard[1]
            else:
                node = node.literals.setdefault(segment, _Node())
        node.operations[op.method] = op
        node.path = op.path
        self.operations[op.key] = op

    def resolve(self, path: str) -> Resolution | None:
        """Match a request path (relative to ``/ari``, e.g. ``/channels/x/answer``).

        Returns None when no spec path matches (Asterisk: 404 Resource not found).
        """
        node = self._root
        params: dict[str, str] = {}
        for raw in _segments(path):
            segment = unquote(raw)
            if segment in node.literals:
                node = node.literals[segment]
            elif node.wildcard is not None:
                params[node.wildcard[0]] = segment
                node = node.wildcard[1]
            else:
                return None
        if node.path is None:
            return None
        return Resolution(node.path, params, dict(node.operations))

    def document(self, filename: str, host: str | None) -> JsonObject | None:
        """An api-docs file as Asterisk serves it: ``basePath`` rewritten to the Host."""
        if filename == "resources.json":
            doc = dict(self.listing)
        elif filename in self.files:
            doc = dict(self.files[filename])
        else:
            return None
        if "basePath" in doc:
            if host:
                doc["basePath"] = f"http://{host}/ari"
            else:
                del doc["basePath"]
        return doc


def check_strict(
    op: Operation, query: Iterable[tuple[str, str]], body: JsonObject | None
) -> str | None:
    """Beyond Asterisk: reject what the spec does not allow for this operation.

    Asterisk silently ignores unknown parameters, reads ``abc`` as the integer 0,
    keeps only the last of a repeated parameter and drops JSON fields of the
    wrong type; each of those hides a client bug. Returns the message for a
    400 reply, or None when the request is clean.
    """
    declared = op.query_params
    body_param = op.body_param
    seen: dict[str, int] = {}
    for name, value in query:
        seen[name] = seen.get(name, 0) + 1
        if name in AUTH_PARAMS:
            continue
        param = declared.get(name)
        if param is None:
            return f"Unknown parameter '{name}' for {op.method} {op.path}"
        if seen[name] > 1:
            hint = " (pass a comma-separated list)" if param.allow_multiple else ""
            return f"Parameter '{name}' given more than once; Asterisk uses only the last one{hint}"
        problem = _check_text(param, value)
        if problem:
            return problem
    present = set(seen)
    if body is not None:
        for name, value in body.items():
            if body_param is not None and name == body_param.name and name not in declared:
                problem = _check_container(body_param, value)
            elif name in declared:
                problem = _check_json(declared[name], value)
            else:
                problem = f"Unknown parameter '{name}' in the JSON body for {op.method} {op.path}"
            if problem:
                return problem
            present.add(name)
    for param in op.params:
        if param.required and param.param_type != "path" and param.name not in present:
            return f"Missing required parameter '{param.name}'"
    return None


def _check_text(param: Param, value: str) -> str | None:
    values = value.split(",") if param.allow_multiple else [value]
    for item in values:
        if param.data_type in INTEGER_TYPES and not _INTEGER.fullmatch(item.strip()):
            return f"Parameter '{param.name}' must be an integer ({param.data_type}), got '{item}'"
        if param.data_type == "boolean" and not is_boolean_text(item):
            return f"Parameter '{param.name}' must be a boolean, got '{item}'"
        if param.allowed_values is not None and item not in param.allowed_values:
            allowed = ", ".join(param.allowed_values)
            return f"Parameter '{param.name}' must be one of: {allowed}; got '{item}'"
    return None


def _check_json(param: Param, value: Any) -> str | None:
    items = value if param.allow_multiple and isinstance(value, list) else [value]
    for item in items:
        if param.data_type in INTEGER_TYPES:
            if isinstance(item, bool) or not isinstance(item, int):
                return f"Parameter '{param.name}' must be a JSON integer ({param.data_type})"
        elif param.data_type == "boolean":
            if not isinstance(item, bool):
                return f"Parameter '{param.name}' must be a JSON boolean"
        elif not isinstance(item, str):
            return f"Parameter '{param.name}' must be a JSON string"
        if param.allowed_values is not None and str(item) not in param.allowed_values:
            allowed = ", ".join(param.allowed_values)
            return f"Parameter '{param.name}' must be one of: {allowed}; got '{item}'"
    return None


def _check_container(param: Param, value: Any) -> str | None:
    if param.data_type != "containers":
        return None if isinstance(value, dict) else f"'{param.name}' must be a JSON object"
    if not isinstance(value, dict):
        return f"'{param.name}' must be a JSON object of variable names to values"
    for key, item in value.items():
        if isinstance(item, str):
            continue
        if (
            isinstance(item, dict)
            and isinstance(item.get("value"), str)
            and set(item) <= {"value", "report_events"}
            and isinstance(item.get("report_events", False), bool)
        ):
            continue
        return f"Variable '{key}' in '{param.name}' must be a string or {{value, report_events}}"
    return None


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _load(path: Path) -> JsonObject:
    with path.open(encoding="utf-8") as fh:
        data: JsonObject = json.load(fh)
    return data


def _operation(resource: str, path: str, raw: JsonObject) -> Operation:
    params = []
    for p in raw.get("parameters", []):
        allowable = p.get("allowableValues") or {}
        values = allowable.get("values") if allowable.get("valueType") == "LIST" else None
        params.append(
            Param(
                name=str(p["name"]),
                param_type=str(p["paramType"]),
                data_type=str(p.get("dataType", "string")),
                required=bool(p.get("required", False)),
                allow_multiple=bool(p.get("allowMultiple", False)),
                allowed_values=tuple(str(v) for v in values) if values else None,
            )
        )
    return Operation(
        resource=resource,
        nickname=str(raw["nickname"]),
        method=str(raw["httpMethod"]).upper(),
        path=path,
        params=tuple(params),
        websocket=raw.get("upgrade") == "websocket",
    )
