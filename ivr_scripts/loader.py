"""Load a routing script from YAML: read, validate against the JSON Schema, build, check.

Four stages, each reporting ``file:line:col`` problems:

1. ``yamlsource.read_yaml``: YAML into plain values with positions;
2. the JSON Schema shipped in ``schema/ivr-script.schema.json`` (the same file
   editors use), its errors mapped back to the line and column of the value;
3. building the model: references to nodes and prompts, dates, time zone,
   calendar (a script with any error so far has no model);
4. the checker (``checker.check``): policy, with errors and warnings.

``load_text`` never raises on bad input; ``parse_script`` raises
``ScriptError`` when there is any error, so a broken script is refused whole
and the live version stays.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema
from jsonschema.exceptions import ValidationError

from ivr_scripts.calendars import Calendar, available, load_calendar
from ivr_scripts.catalogue import Catalogue
from ivr_scripts.checker import check
from ivr_scripts.conditions import DAY_NAMES
from ivr_scripts.errors import ScriptError
from ivr_scripts.model import (
    AgeBand,
    AllOf,
    Answered,
    AnyOf,
    AskNode,
    BankHoliday,
    BranchCase,
    BranchNode,
    CaptureNode,
    CarePlan,
    CollectNode,
    Condition,
    DateRange,
    DaysOfWeek,
    Flag,
    HangupNode,
    Language,
    MenuNode,
    Message,
    MessagesNode,
    Node,
    Not,
    NotifyNode,
    Prompt,
    Reason,
    RepeatCaller,
    RouteNode,
    SayNode,
    Script,
    SetNode,
    SmsNode,
    SourceMap,
    Split,
    Tagged,
    TimeOfDay,
    TransferNode,
    Withheld,
)
from ivr_scripts.problems import Problem, errors, ordered
from ivr_scripts.yamlsource import read_yaml

SCRIPTS_DIR = Path(__file__).resolve().parent / "scripts"
SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "ivr-script.schema.json"
DEFAULT_TIMEZONE = "Europe/London"
MAX_SCHEMA_PROBLEMS = 50
DTMF_KEYS = set("0123456789*#")

Path_ = tuple[str | int, ...]

__all__ = [
    "DTMF_KEYS",
    "SCHEMA_PATH",
    "SCRIPTS_DIR",
    "Loaded",
    "Problem",
    "ScriptError",
    "load_script",
    "load_text",
    "parse_script",
    "schema",
    "shipped_script",
]


@dataclass(frozen=True, slots=True)
class Loaded:
    """The outcome of loading: a script (``None`` when it cannot be built) and problems.

    A script may come with errors from the checker (a draft that must not be
    published, but that the simulator can still run).
    """

    script: Script | None
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return errors(self.problems)

    @property
    def ok(self) -> bool:
        return self.script is not None and not self.errors


@functools.cache
def schema() -> dict[str, Any]:
    """The language's JSON Schema (draft 2020-12)."""
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@functools.cache
def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    validator: jsonschema.protocols.Validator = cls(schema())
    return validator


def load_text(
    text: str,
    filename: str = "<script>",
    *,
    catalogue: Catalogue | None = None,
    now: datetime | None = None,
) -> Loaded:
    """Load and check ``text``; never raises for bad input.

    Args:
        text: the YAML document.
        filename: shown in every problem.
        catalogue: known destinations, prompts, flags...; unchecked when ``None``.
        now: judge message windows against this time (no expiry warnings when ``None``).
    """
    data, source, problems = read_yaml(text, filename)
    if data is None and errors(problems):
        return Loaded(None, ordered(problems))
    schema_problems = _schema_problems(data, source, filename)
    problems += schema_problems
    if schema_problems or errors(problems):
        return Loaded(None, ordered(problems))
    builder = _Builder(data, source, filename)
    script = builder.build(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())
    problems += builder.problems
    if script is None or errors(problems):
        return Loaded(None, ordered(problems))
    problems += check(script, catalogue, now=now)
    return Loaded(script, ordered(problems))


def parse_script(
    text: str, filename: str = "<script>", *, catalogue: Catalogue | None = None
) -> Script:
    """Load and check a script; raise ``ScriptError`` listing every problem if any is an error."""
    loaded = load_text(text, filename, catalogue=catalogue)
    if loaded.script is None or loaded.errors:
        raise ScriptError(loaded.problems)
    return loaded.script


def load_script(path: str | Path, *, catalogue: Catalogue | None = None) -> Script:
    """``parse_script`` of a file (named in problems as given)."""
    path = Path(path)
    return parse_script(path.read_text(encoding="utf-8"), str(path), catalogue=catalogue)


def shipped_script(name: str = "london") -> Script:
    """A script shipped in ``ivr_scripts/scripts`` (``london``, ``minimal``, ``bench``)."""
    return load_script(SCRIPTS_DIR / f"{name}.yaml")


# --------------------------------------------------------------------- schema


def _schema_problems(data: Any, source: SourceMap, filename: str) -> list[Problem]:
    problems: list[Problem] = []
    raw = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    kind_errors = {
        tuple(e.absolute_path) for e in raw if e.validator == "oneOf" and _is_node_path(e)
    }
    for error in raw:
        path: Path_ = tuple(error.absolute_path)
        if path in kind_errors and error.validator != "oneOf" and "allOf" in error.schema_path:
            continue  # the missing/extra kind explains it already
        problems += _describe(error, path, source, filename)
        if len(problems) >= MAX_SCHEMA_PROBLEMS:
            break
    return problems


def _is_node_path(error: ValidationError) -> bool:
    path = tuple(error.absolute_path)
    return len(path) == 2 and path[0] == "nodes"


def _describe(
    error: ValidationError, path: Path_, source: SourceMap, filename: str
) -> list[Problem]:
    where = _where(path)
    sub = error.schema if isinstance(error.schema, dict) else {}
    custom = sub.get("x-messages", {}).get(str(error.validator))
    if "propertyNames" in error.schema_path:
        name = str(error.instance)
        line, col = source.key_at((*path, name))
        message = custom or f"'{_short(name)}' is not an allowed name"
        return [Problem(filename, line, col, f"{where}: '{_short(name)}': {message}")]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(sub.get("properties", {}))
        out = []
        for key in error.instance:
            if key in known:
                continue
            line, col = source.key_at((*path, key))
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f"; expected one of {known}"
            out.append(Problem(filename, line, col, f"{where}: unknown key '{_short(key)}'{hint}"))
        return out
    line, col = source.at(path)
    if custom:
        message = custom
    elif error.validator == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        required = error.validator_value if isinstance(error.validator_value, list) else []
        missing = [r for r in required if r not in present]
        message = ", ".join(f"'{m}'" for m in missing) + (" is" if len(missing) == 1 else " are")
        message += " required"
    elif error.validator == "type":
        expected = error.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        message = f"expected {_article(str(expected))}, got {_kind(error.instance)}"
    elif error.validator == "enum":
        message = f"{_short(repr(error.instance))} is not one of {error.validator_value}"
    elif error.validator in ("oneOf", "anyOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        message = best.message if best is not None else error.message
    else:
        message = error.message
    return [Problem(filename, line, col, f"{where}: {_short(message, 200)}")]


def _where(path: Path_) -> str:
    if len(path) >= 2 and path[0] in ("nodes", "prompts", "messages"):
        noun = {"nodes": "node", "prompts": "prompt", "messages": "message"}[str(path[0])]
        rest = ".".join(str(p) for p in path[2:])
        return f"{noun} '{path[1]}'" + (f" ({rest})" if rest else "")
    if not path:
        return "script"
    return ".".join(str(p) for p in path)


def _short(value: Any, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _article(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text '{_short(value, 40)}'"
    return f"the number {_short(value, 40)}"


# --------------------------------------------------------------------- building the model


class _Builder:
    """Turns a schema-valid document into a ``Script``, reporting what the schema cannot."""

    def __init__(self, doc: dict[str, Any], source: SourceMap, filename: str) -> None:
        self.doc = doc
        self.source = source
        self.filename = filename
        self.problems: list[Problem] = []
        self.tz: tzinfo = ZoneInfo("UTC")

    def fail(self, path: Path_, message: str, *, key: bool = False) -> None:
        line, col = self.source.key_at(path) if key else self.source.at(path)
        self.problems.append(Problem(self.filename, line, col, message))

    def build(self, checksum: str) -> Script | None:
        doc = self.doc
        tz_name = str(doc.get("timezone", DEFAULT_TIMEZONE))
        try:
            self.tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self.fail(
                ("timezone",),
                f"unknown time zone '{_short(tz_name)}' (IANA names, e.g. "
                "Europe/London; the system needs tzdata)",
            )
        holidays: set[date] = set()
        calendar_until: date | None = None
        if "calendar" in doc:
            calendar = self._calendar(str(doc["calendar"]))
            if calendar is not None:
                holidays |= set(calendar.dates)
                calendar_until = calendar.until
        for index, day in enumerate(doc.get("bank_holidays", [])):
            parsed = self._date(day, ("bank_holidays", index))
            if parsed is not None:
                holidays.add(parsed)
        prompts = {
            pid: Prompt(
                pid,
                str(spec.get("media", f"sound:urgentline/{pid}")),
                spec["text"],
                bool(spec.get("safety", False)),
            )
            for pid, spec in doc["prompts"].items()
        }
        nodes: dict[str, Node] = {}
        for node_id, spec in doc["nodes"].items():
            nodes[node_id] = self._node(node_id, spec, prompts)
        messages = tuple(
            self._message(mid, spec, prompts) for mid, spec in doc.get("messages", {}).items()
        )
        self._references(prompts)
        if self.problems:
            return None
        name = str(doc["name"])
        return Script(
            name=name,
            version=str(doc.get("version", checksum[:12])),
            start=str(doc["start"]),
            fallback=str(doc["fallback"]),
            nodes=nodes,
            prompts=prompts,
            messages=messages,
            timezone=self.tz,
            bank_holidays=frozenset(holidays),
            calendar_until=calendar_until,
            max_visits=int(doc.get("max_visits", 3)),
            checksum=checksum,
            description=str(doc.get("description", "")),
            filename=self.filename,
            source=self.source,
        )

    def _calendar(self, name: str) -> Calendar | None:
        try:
            return load_calendar(name)
        except KeyError:
            self.fail(("calendar",), f"unknown calendar '{name}' (shipped: {available()})")
            return None

    def _date(self, value: str, path: Path_) -> date | None:
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(path, f"'{value}' is not a real date")
            return None

    def _moment(self, value: str, path: Path_, *, end: bool) -> datetime | None:
        """A message bound; a bare date means that day's midnight (``until``: the next one)."""
        try:
            if len(value) == 10:
                day = date.fromisoformat(value)
                moment = datetime.combine(day, time(0), tzinfo=self.tz)
                if end:
                    next_day = date.fromordinal(day.toordinal() + 1)
                    moment = datetime.combine(next_day, time(0), tzinfo=self.tz)
                return moment
            parsed = datetime.fromisoformat(value)
        except (ValueError, OverflowError):
            self.fail(path, f"'{value}' is not a real date or time")
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=self.tz)

    # ----------------------------------------------------------------- nodes

    def _node(self, node_id: str, spec: dict[str, Any], prompts: dict[str, Prompt]) -> Node:
        kind = next(k for k in spec if k not in ("next", "else", "on_failure", "description"))
        body = spec[kind]
        nxt = str(spec.get("next", ""))
        path: Path_ = ("nodes", node_id, kind)
        if kind == "say":
            prompt = body.get("prompt")
            if prompt is None:
                prompt = f"@{node_id}"  # inline text: recorded as sound:urgentline/<node id>
                prompts[prompt] = Prompt(prompt, f"sound:urgentline/{node_id}", body["text"])
            return SayNode(str(prompt), nxt, bool(body.get("barge_in", False)))
        if kind == "messages":
            return MessagesNode(body["slot"], nxt, bool(body.get("barge_in", True)))
        if kind == "menu":
            return MenuNode(
                prompt=body["prompt"],
                options=dict(body["options"]),
                no_input=body["no_input"],
                invalid=body["invalid"],
                timeout_s=float(body.get("timeout_s", 5.0)),
                retries=int(body.get("retries", 1)),
                keywords=dict(body.get("keywords", {})),
            )
        if kind == "ask":
            answers = body["answers"]
            return AskNode(
                question=body["question"],
                prompt=body["prompt"],
                options={key: spec_["goto"] for key, spec_ in answers.items()},
                codes={key: str(spec_["code"]) for key, spec_ in answers.items()},
                no_input=body["no_input"],
                invalid=body["invalid"],
                timeout_s=float(body.get("timeout_s", 5.0)),
                retries=int(body.get("retries", 1)),
                keywords=dict(body.get("keywords", {})),
            )
        if kind == "collect":
            return CollectNode(
                prompt=body["prompt"],
                into=body["into"],
                next=nxt,
                on_failure=str(spec.get("on_failure", nxt)),
                min_length=int(body.get("min_length", 1)),
                max_length=int(body.get("max_length", 20)),
                terminator=body.get("terminator", "#"),
                timeout_s=float(body.get("timeout_s", 5.0)),
                retries=int(body.get("retries", 1)),
            )
        if kind == "capture":
            return CaptureNode(
                prompt=body["prompt"],
                fields=tuple(body["fields"]),
                next=nxt,
                on_failure=str(spec.get("on_failure", nxt)),
                max_seconds=float(body.get("max_seconds", 20.0)),
            )
        if kind == "branch":
            cases = tuple(
                BranchCase(self._condition(case["when"], (*path, i, "when"), node_id), case["goto"])
                for i, case in enumerate(body)
            )
            return BranchNode(cases, str(spec["else"]))
        if kind == "set":
            return SetNode(nxt, tuple(body.get("tags", ())), int(body.get("priority_s", 0)))
        if kind == "route":
            return RouteNode(
                body["destination"], int(body.get("priority_s", 0)), body.get("pathway")
            )
        if kind == "transfer":
            return TransferNode(body["number"], body.get("pathway"))
        if kind == "sms":
            return SmsNode(body["template"], nxt, body.get("link"))
        if kind == "notify":
            return NotifyNode(body["target"], nxt)
        assert kind == "hangup", kind
        return HangupNode()

    def _message(self, mid: str, spec: dict[str, Any], prompts: dict[str, Prompt]) -> Message:
        path: Path_ = ("messages", mid)
        start = self._moment(spec["from"], (*path, "from"), end=False) if "from" in spec else None
        end = self._moment(spec["until"], (*path, "until"), end=True) if "until" in spec else None
        if start is not None and end is not None and end <= start:
            self.fail((*path, "until"), f"message '{mid}' ends before it starts")
        when = self._condition(spec["when"], (*path, "when"), mid) if "when" in spec else None
        return Message(mid, spec["prompt"], spec["slot"], spec["owner"], start, end, when)

    def _condition(self, spec: dict[str, Any], path: Path_, owner: str) -> Condition:
        items: list[Condition] = []
        for key, value in spec.items():
            here: Path_ = (*path, key)
            match key:
                case "time":
                    start = time.fromisoformat(value["from"])
                    end = time.fromisoformat(value["until"])
                    items.append(TimeOfDay(start, end))
                case "days":
                    items.append(DaysOfWeek(frozenset(DAY_NAMES.index(d) for d in value)))
                case "bank_holiday":
                    items.append(BankHoliday(bool(value)))
                case "dates":
                    first = self._date(value["from"], (*here, "from")) if "from" in value else None
                    last = (
                        self._date(value["until"], (*here, "until")) if "until" in value else None
                    )
                    if first and last and last < first:
                        self.fail(here, "the date range ends before it starts")
                    items.append(DateRange(first, last))
                case "repeat_caller":
                    items.append(RepeatCaller(bool(value)))
                case "care_plan":
                    if isinstance(value, bool):
                        items.append(CarePlan(frozenset(), value))
                    else:
                        items.append(CarePlan(frozenset(value)))
                case "withheld":
                    items.append(Withheld(bool(value)))
                case "age":
                    low, high = value.get("min"), value.get("max")
                    if low is not None and high is not None and low > high:
                        self.fail(here, "the age band's min is above its max")
                    items.append(AgeBand(low, high))
                case "language":
                    codes = [value] if isinstance(value, str) else value
                    items.append(Language(frozenset(codes)))
                case "reason":
                    labels = [value] if isinstance(value, str) else value
                    items.append(Reason(frozenset(labels)))
                case "flag":
                    names = [value] if isinstance(value, str) else value
                    flags: list[Condition] = [Flag(n) for n in names]
                    items.append(flags[0] if len(flags) == 1 else AllOf(tuple(flags)))
                case "split":
                    salt = str(value.get("salt", f"{self.doc['name']}:{owner}"))
                    items.append(Split(float(value["percent"]), salt))
                case "answer":
                    codes = [value["is"]] if isinstance(value["is"], str) else value["is"]
                    items.append(Answered(value["question"], frozenset(codes)))
                case "tag":
                    items.append(Tagged(value))
                case "all" | "any":
                    parts = tuple(
                        self._condition(v, (*here, i), owner) for i, v in enumerate(value)
                    )
                    items.append(AllOf(parts) if key == "all" else AnyOf(parts))
                case "not":
                    items.append(Not(self._condition(value, here, owner)))
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    # ----------------------------------------------------------------- references

    def _references(self, prompts: dict[str, Prompt]) -> None:
        doc = self.doc
        node_ids = list(doc["nodes"])
        if doc["start"] not in doc["nodes"]:
            self.fail(
                ("start",),
                f"'start' names no node: '{doc['start']}'" + _did_you_mean(doc["start"], node_ids),
            )
        for node_id, spec in doc["nodes"].items():
            for path, target in _node_refs(node_id, spec):
                if target not in doc["nodes"]:
                    self.fail(
                        path,
                        f"node '{node_id}' goes to unknown node '{target}'"
                        + _did_you_mean(target, node_ids),
                    )
            for path, prompt in _prompt_refs(node_id, spec):
                if prompt not in prompts:
                    self.fail(
                        path,
                        f"node '{node_id}' plays unknown prompt '{prompt}'"
                        + _did_you_mean(prompt, list(doc["prompts"])),
                    )
        for mid, spec in doc.get("messages", {}).items():
            if spec["prompt"] not in prompts:
                self.fail(
                    ("messages", mid, "prompt"),
                    f"message '{mid}' plays unknown prompt '{spec['prompt']}'"
                    + _did_you_mean(spec["prompt"], list(doc["prompts"])),
                )


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _node_refs(node_id: str, spec: dict[str, Any]) -> list[tuple[Path_, str]]:
    base: Path_ = ("nodes", node_id)
    refs: list[tuple[Path_, str]] = [
        ((*base, key), spec[key]) for key in ("next", "else", "on_failure") if key in spec
    ]
    if "menu" in spec:
        menu = spec["menu"]
        refs += [((*base, "menu", "options", k), v) for k, v in menu["options"].items()]
        refs += [((*base, "menu", k), menu[k]) for k in ("no_input", "invalid")]
    if "ask" in spec:
        ask = spec["ask"]
        refs += [
            ((*base, "ask", "answers", k, "goto"), v["goto"]) for k, v in ask["answers"].items()
        ]
        refs += [((*base, "ask", k), ask[k]) for k in ("no_input", "invalid")]
    if "branch" in spec:
        refs += [
            ((*base, "branch", i, "goto"), case["goto"]) for i, case in enumerate(spec["branch"])
        ]
    return refs


def _prompt_refs(node_id: str, spec: dict[str, Any]) -> list[tuple[Path_, str]]:
    return [
        (("nodes", node_id, kind, "prompt"), spec[kind]["prompt"])
        for kind in ("say", "menu", "ask", "collect", "capture")
        if kind in spec and "prompt" in spec[kind]
    ]
