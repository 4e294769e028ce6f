"""Alert rules as data: pydantic models loaded from YAML, and the metric table.

A rule names one figure (``metric``), where to look (``scope``: the whole
system, every provider or pathway, or one ``key``), the line it must not cross
(``comparison`` + ``threshold``) over which look-back window, and what to do
about it (``severity``, ``recipients``). Hysteresis (``clear_at``), a minimum
breach duration and a cool-down keep a figure that hovers at the line from
paging people over and over.

Rules are refused whole: ``parse_rules`` collects every problem, each as
``source:line: rule 'name': field: message``, and raises ``RulesError`` when
there is any, so an admin's typo never half-replaces the live set.

``METRICS`` is the one place that maps a metric name to a ``Figures`` item,
and says which sample a rate or an answer time is judged on (``min_calls``).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from dashboards.alerts.errors import RulesError
from dashboards.views import Figures

SHIPPED_RULES = Path(__file__).with_name("rules.yaml")
"""The default rules, from the national standards (``nhs-111-facts.md`` §1.4)."""

ScopeKind = Literal["system", "provider", "pathway"]
Comparison = Literal[">", ">=", "<", "<="]
Severity = Literal["info", "warning", "critical"]


@dataclass(frozen=True, slots=True)
class Metric:
    """How to read one figure, and on which sample it may be judged.

    ``sample`` is ``None`` for gauges and counts (longest wait, calls waiting),
    which mean something however few calls there were; rates and answer times
    are only judged when their denominator reaches the rule's ``min_calls``.
    """

    read: Callable[[Figures], float | None]
    sample: Callable[[Figures], int] | None = None

    def judge(self, figures: Figures, min_calls: int) -> float | None:
        """The value to compare, or ``None`` when it must not be judged (no or too few calls)."""
        if self.sample is not None and self.sample(figures) < min_calls:
            return None
        return self.read(figures)


def _answered(f: Figures) -> int:
    return f.a03_answered


def _received(f: Figures) -> int:
    return f.a01_received


METRICS: Mapping[str, Metric] = {
    "mean_answer_s": Metric(lambda f: f.b06_mean_answer_s, _answered),
    "p95_answer_s": Metric(lambda f: f.b07_p95_answer_s, _answered),
    "abandon_rate": Metric(lambda f: f.abandon_rate, _received),
    "answered_60s_rate": Metric(lambda f: f.answered_60s_rate, _answered),
    "longest_wait_s": Metric(lambda f: f.longest_wait_s),
    "waiting_now": Metric(lambda f: float(f.waiting_now)),
    "calls_received": Metric(lambda f: float(f.a01_received)),
    "fallbacks": Metric(lambda f: float(f.fallbacks)),
}
"""Metric name -> ``Figures`` item (b06, b07, B02/A01, B01/A03, gauges, A01, fallbacks)."""

COMPARE: Mapping[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}

_RECIPIENT = re.compile(
    r"dashboard"
    r"|webhook:https?://[^\s]+"
    r"|email:[^@\s:]+@[^@\s]+\.[^@\s]+"
    r"|sms:\+[1-9][0-9]{6,14}"
)

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _recipient(value: str) -> str:
    if not _RECIPIENT.fullmatch(value):
        raise ValueError("not dashboard, webhook:<url>, email:<address> or sms:<+E.164>")
    return value


Recipient = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=2048), AfterValidator(_recipient)
]


class Rule(BaseModel):
    """One threshold alert rule (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Name
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    metric: str
    scope: ScopeKind
    key: Key | None = None
    comparison: Comparison
    threshold: float = Field(allow_inf_nan=False)
    window_s: int = Field(900, gt=0, le=86_400)
    min_duration_s: float = Field(0.0, ge=0, le=86_400)
    clear_at: float | None = Field(None, allow_inf_nan=False)
    cooldown_s: float = Field(0.0, ge=0, le=86_400)
    min_calls: int = Field(0, ge=0)
    update_step: float | None = Field(None, gt=0, allow_inf_nan=False)
    """How far the value must move from the last notice for an "updated" transition
    (default: a tenth of the threshold, or 1 when the threshold is 0)."""
    severity: Severity = "warning"
    recipients: tuple[Recipient, ...] = ("dashboard",)

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if self.clear_at is not None:
            above = self.comparison in (">", ">=")
            if (above and self.clear_at > self.threshold) or (
                not above and self.clear_at < self.threshold
            ):
                side = "at or below" if above else "at or above"
                raise ValueError(f"clear_at must be {side} the threshold for '{self.comparison}'")
        if self.scope == "system" and self.key is not None:
            raise ValueError("a system rule has no key")
        return self

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        if metric not in METRICS:
            raise ValueError(f"unknown metric; one of {', '.join(METRICS)}")
        return metric

    @property
    def clear_level(self) -> float:
        """Where a raised alert clears: ``clear_at``, or the threshold itself."""
        return self.threshold if self.clear_at is None else self.clear_at

    @property
    def step(self) -> float:
        """The move that counts as material for an "updated" transition."""
        if self.update_step is not None:
            return self.update_step
        return abs(self.threshold) / 10 if self.threshold else 1.0

    def breaches(self, value: float) -> bool:
        """True when ``value`` is on the wrong side of the threshold."""
        return COMPARE[self.comparison](value, self.threshold)

    def clears(self, value: float) -> bool:
        """True when ``value`` is back past ``clear_at`` (hysteresis)."""
        return not COMPARE[self.comparison](value, self.clear_level)

    def covers(self, kind: str, key: str) -> bool:
        """True when an alert for scope ``(kind, key)`` belongs to this rule."""
        return kind == self.scope and (self.key is None or self.key == key)


def parse_rules(text: str, source: str = "<rules>") -> tuple[Rule, ...]:
    """Rules from YAML (or JSON) text: a list of rules, or ``{"rules": [...]}``.

    Args:
        text: the document.
        source: the name problems start with (a file name, or ``request``).

    Returns:
        The rules, in document order.

    Raises:
        RulesError: the document is not valid YAML, not a list of mappings, a rule
            is invalid, or two rules share a name. Every problem is listed.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        raise RulesError([f"{where}: not valid YAML ({getattr(exc, 'problem', None)})"]) from None
    if isinstance(data, dict) and set(data) == {"rules"}:
        data = data["rules"]
        node = node.value[0][1] if isinstance(node, yaml.MappingNode) else node
    if not isinstance(data, list):
        raise RulesError([f"{source}: expected a list of rules"])
    lines = _lines(node)
    problems: list[str] = []
    rules: list[Rule] = []
    for index, item in enumerate(data):
        item_lines = lines[index] if index < len(lines) else {}
        where = f"{source}:{item_lines.get('', 1)}"
        if not isinstance(item, dict):
            problems.append(f"{where}: rule {index + 1}: expected a mapping")
            continue
        label = (
            f"rule {item['name']!r}" if isinstance(item.get("name"), str) else f"rule {index + 1}"
        )
        try:
            rules.append(Rule.model_validate(item))
        except ValidationError as exc:
            problems.extend(_describe(exc, source, item_lines, label))
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name in seen:
            problems.append(f"{source}: rule {rule.name!r}: duplicate name (rule {index + 1})")
        seen.add(rule.name)
    if problems:
        raise RulesError(problems)
    return tuple(rules)


def load_rules(path: Path | str = SHIPPED_RULES) -> tuple[Rule, ...]:
    """Rules from a YAML file; problems start with the file's name.

    Raises:
        RulesError: see ``parse_rules``; also when the file cannot be read.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError([f"{path}: cannot read ({exc.strerror})"]) from None
    return parse_rules(text, source=str(path.name))


def dump_rules(rules: Sequence[Rule]) -> list[dict[str, Any]]:
    """JSON-able rules, defaults left out, as they would be written by hand."""
    return [rule.model_dump(mode="json", exclude_defaults=True) for rule in rules]


def _lines(node: yaml.Node | None) -> list[dict[str, int]]:
    """Per list item: ``{"": line of the item, field: line of that field}`` (1-based)."""
    if not isinstance(node, yaml.SequenceNode):
        return []
    lines: list[dict[str, int]] = []
    for item in node.value:
        entry = {"": item.start_mark.line + 1}
        if isinstance(item, yaml.MappingNode):
            for key, _value in item.value:
                entry[str(key.value)] = key.start_mark.line + 1
        lines.append(entry)
    return lines


def _describe(exc: ValidationError, source: str, lines: Mapping[str, int], label: str) -> list[str]:
    """One line per pydantic error, without echoing the rejected value."""
    out = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        line = lines.get(field, lines.get("", 1))
        path = ".".join(str(part) for part in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        out.append(f"{source}:{line}: {label}: {path + ': ' if path else ''}{message}")
    return out
