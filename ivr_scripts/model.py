"""The routing-script model: a flow of named nodes, as commissioners write it.

A script is data, built by the loader from a YAML document that has passed the
JSON Schema, so the interpreter can trust its shape: every reference names a
node or a prompt, every condition is well formed. Policy (the 999 message
before any menu, no endless loops, known destinations...) is the checker's job.

Everything here is a frozen value. Mappings are plain dicts that nobody
mutates after loading; the order of keys is the order in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo

# --------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class TimeOfDay:
    """Local time in ``[start, end)``; wraps past midnight when ``start > end``."""

    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DaysOfWeek:
    """Local weekday in ``days`` (0 = Monday ... 6 = Sunday)."""

    days: frozenset[int]


@dataclass(frozen=True, slots=True)
class BankHoliday:
    """Today (local) is, or is not, a bank holiday of the script's calendar."""

    value: bool = True


@dataclass(frozen=True, slots=True)
class DateRange:
    """Local date between ``start`` and ``end``, both included; either may be open."""

    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class RepeatCaller:
    value: bool = True


@dataclass(frozen=True, slots=True)
class CarePlan:
    """The caller has a care plan of one of ``types`` (any plan when empty).

    ``value`` False inverts it: the caller has no plan of those types.
    """

    types: frozenset[str] = frozenset()
    value: bool = True


@dataclass(frozen=True, slots=True)
class Withheld:
    value: bool = True


@dataclass(frozen=True, slots=True)
class AgeBand:
    """The caller's age, when known, is within ``[min, max]`` (years, both included)."""

    min: int | None = None
    max: int | None = None


@dataclass(frozen=True, slots=True)
class Language:
    """The caller's language preference is one of ``codes`` (e.g. ``cy``)."""

    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Reason:
    """A ``capture`` of the caller's reason was classified with any of ``labels``.

    Labels are the syndromic indicators and ``red_flag`` (``nlp.reasons``), so a
    script can play the 999 advice and route a spoken emergency first.
    """

    labels: frozenset[str]


@dataclass(frozen=True, slots=True)
class Flag:
    """A live flag (set by supervisors or the syndromic loop) is raised."""

    name: str


@dataclass(frozen=True, slots=True)
class Split:
    """A stable ``percent`` of calls, chosen by a hash of the call id and ``salt``."""

    percent: float
    salt: str


@dataclass(frozen=True, slots=True)
class Answered:
    """The self-assessment ``question`` was answered with one of ``codes``."""

    question: str
    codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Tagged:
    """A ``set`` node has tagged the call with ``tag``."""

    tag: str


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Condition


Condition = (
    TimeOfDay
    | DaysOfWeek
    | BankHoliday
    | DateRange
    | RepeatCaller
    | CarePlan
    | Withheld
    | AgeBand
    | Language
    | Reason
    | Flag
    | Split
    | Answered
    | Tagged
    | AllOf
    | AnyOf
    | Not
)

# --------------------------------------------------------------------- nodes


@dataclass(frozen=True, slots=True)
class SayNode:
    """Play one prompt, then go to ``next``; with ``barge_in`` a key skips it."""

    prompt: str
    next: str
    barge_in: bool = False


@dataclass(frozen=True, slots=True)
class MessagesNode:
    """Play the front-end messages of ``slot`` that are active now (maybe none)."""

    slot: str
    next: str
    barge_in: bool = True


@dataclass(frozen=True, slots=True)
class MenuNode:
    """Play ``prompt`` and wait for a key; ``keywords`` map spoken words to keys."""

    prompt: str
    options: dict[str, str]
    no_input: str
    invalid: str
    timeout_s: float = 5.0
    retries: int = 1
    keywords: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AskNode:
    """A self-assessment question: a menu whose answer is coded and kept for the handoff."""

    question: str
    prompt: str
    options: dict[str, str]
    codes: dict[str, str]
    no_input: str
    invalid: str
    timeout_s: float = 5.0
    retries: int = 1
    keywords: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CollectNode:
    """Collect digits into ``into`` (kept for the handoff, never in the menu path)."""

    prompt: str
    into: str
    next: str
    on_failure: str
    min_length: int = 1
    max_length: int = 20
    terminator: str | None = "#"
    timeout_s: float = 5.0
    retries: int = 1


@dataclass(frozen=True, slots=True)
class CaptureNode:
    """Ask the caller to speak; the shell records and ``nlp`` extracts ``fields``."""

    prompt: str
    fields: tuple[str, ...]
    next: str
    on_failure: str
    max_seconds: float = 20.0


@dataclass(frozen=True, slots=True)
class BranchCase:
    when: Condition
    goto: str


@dataclass(frozen=True, slots=True)
class BranchNode:
    """Go to the first case whose condition holds, else to ``otherwise``."""

    cases: tuple[BranchCase, ...]
    otherwise: str


@dataclass(frozen=True, slots=True)
class SetNode:
    """Tag the call and adjust its priority (seconds of waiting credited), then ``next``."""

    next: str
    tags: tuple[str, ...] = ()
    priority_s: int = 0


@dataclass(frozen=True, slots=True)
class RouteNode:
    """Terminal: queue the call for ``destination`` (``priority_s`` on top of any ``set``)."""

    destination: str
    priority_s: int = 0
    pathway: str | None = None


@dataclass(frozen=True, slots=True)
class TransferNode:
    """Terminal: transfer the call to an external number (E.164)."""

    number: str
    pathway: str | None = None


@dataclass(frozen=True, slots=True)
class SmsNode:
    """Send the caller a text from ``template`` (with ``link``), then ``next`` at once."""

    template: str
    next: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class NotifyNode:
    """Call the named webhook ``target`` about this call, then ``next`` at once."""

    target: str
    next: str


@dataclass(frozen=True, slots=True)
class HangupNode:
    """Terminal: end the call."""


Node = (
    SayNode
    | MessagesNode
    | MenuNode
    | AskNode
    | CollectNode
    | CaptureNode
    | BranchNode
    | SetNode
    | RouteNode
    | TransferNode
    | SmsNode
    | NotifyNode
    | HangupNode
)

KIND_NAMES: dict[type, str] = {
    SayNode: "say",
    MessagesNode: "messages",
    MenuNode: "menu",
    AskNode: "ask",
    CollectNode: "collect",
    CaptureNode: "capture",
    BranchNode: "branch",
    SetNode: "set",
    RouteNode: "route",
    TransferNode: "transfer",
    SmsNode: "sms",
    NotifyNode: "notify",
    HangupNode: "hangup",
}
INPUT_NODES = (MenuNode, AskNode, CollectNode, CaptureNode)
TERMINAL_NODES = (RouteNode, TransferNode, HangupNode)


def prompt_of(node: Node) -> str | None:
    """The prompt a node plays when entered, if any (messages play their own)."""
    match node:
        case SayNode(prompt=prompt) | MenuNode(prompt=prompt) | AskNode(prompt=prompt):
            return prompt
        case CollectNode(prompt=prompt) | CaptureNode(prompt=prompt):
            return prompt
        case _:
            return None


def kind_of(node: Node) -> str:
    """The node's kind as written in YAML (``say``, ``menu``...)."""
    return KIND_NAMES[type(node)]


def successors(node: Node) -> list[str]:
    """Every node id ``node`` may go to next, in file order, without duplicates."""
    targets: list[str]
    match node:
        case SayNode(next=nxt) | MessagesNode(next=nxt) | SetNode(next=nxt):
            targets = [nxt]
        case SmsNode(next=nxt) | NotifyNode(next=nxt):
            targets = [nxt]
        case MenuNode() | AskNode():
            targets = [*node.options.values(), node.no_input, node.invalid]
        case CollectNode() | CaptureNode():
            targets = [node.next, node.on_failure]
        case BranchNode(cases=cases, otherwise=otherwise):
            targets = [*(c.goto for c in cases), otherwise]
        case RouteNode() | TransferNode() | HangupNode():
            targets = []
    return list(dict.fromkeys(targets))


# --------------------------------------------------------------------- script


@dataclass(frozen=True, slots=True)
class Prompt:
    """A recorded message: ``media`` is an ARI media URI, ``text`` what it says.

    ``safety`` marks the 999 message the checker requires before any menu.
    """

    id: str
    media: str
    text: str
    safety: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """A scheduled front-end message, owned by a named commissioner or team.

    It plays at ``messages`` nodes of its ``slot`` while ``start <= now < end``
    (either bound may be open) and ``when`` holds.
    """

    id: str
    prompt: str
    slot: str
    owner: str
    start: datetime | None = None
    end: datetime | None = None
    when: Condition | None = None


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Where each part of the document was written (1-based line, column).

    Paths are tuples of keys and list indexes, as in the JSON document:
    ``("nodes", "main", "menu", "options", "1")``.
    """

    values: Mapping[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)
    keys: Mapping[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)

    def at(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """The value at ``path``, or the nearest enclosing part that exists."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def key_at(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """The key that introduces ``path`` (``main:`` for a node), else ``at(path)``."""
        return self.keys.get(path) or self.at(path)


EMPTY_SOURCE = SourceMap()


@dataclass(frozen=True, slots=True)
class Script:
    """A loaded routing script; ``version`` is the store's number or the file's checksum."""

    name: str
    version: str
    start: str
    fallback: str
    nodes: dict[str, Node]
    prompts: dict[str, Prompt] = field(default_factory=dict)
    messages: tuple[Message, ...] = ()
    timezone: tzinfo = UTC
    bank_holidays: frozenset[date] = frozenset()
    calendar_until: date | None = None
    max_visits: int = 3
    checksum: str = ""
    description: str = ""
    filename: str = "<script>"
    source: SourceMap = field(default=EMPTY_SOURCE, compare=False, repr=False)

    def media(self, prompt_id: str) -> str:
        return self.prompts[prompt_id].media
