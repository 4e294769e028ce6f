"""The checker: what a script must satisfy beyond its schema before it may go live.

Errors (publishing is refused):

* a menu, question, collection or capture reachable without first hearing the
  999 safety message (a prompt marked ``safety: true``);
* a node from which no path ends in a route, transfer or hangup (a loop with
  no way out);
* a loop that never waits for the caller (it would spin until cut off);
* a menu that cannot be completed by keys alone: a spoken keyword standing for
  a key that is not an option (speech must never be the only way);
* with a catalogue: unknown destinations, prompts without a recording, unknown
  flags, webhook targets and text templates;
* a digit collection whose minimum length is above its maximum.

Warnings: unreachable nodes, unused prompts, messages in a slot no node plays
(or already over), a skippable safety message, very short timeouts,
conditions that can never hold, unknown care-plan types.

Pure: the script (with its source positions), the catalogue and ``now`` in,
problems out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from datetime import datetime

from ivr_scripts.catalogue import Catalogue
from ivr_scripts.model import (
    INPUT_NODES,
    TERMINAL_NODES,
    AllOf,
    AnyOf,
    AskNode,
    BankHoliday,
    BranchNode,
    CarePlan,
    CollectNode,
    Condition,
    Flag,
    MenuNode,
    MessagesNode,
    Not,
    NotifyNode,
    RouteNode,
    SayNode,
    Script,
    SmsNode,
    Split,
    TimeOfDay,
    kind_of,
    prompt_of,
    successors,
)
from ivr_scripts.problems import Problem, Severity

Path_ = tuple[str | int, ...]
MIN_TIMEOUT_S = 2.0
SOUND_PREFIX = "sound:urgentline/"


class _Report:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.problems: list[Problem] = []

    def add(
        self, path: Path_, message: str, severity: Severity = "error", *, key: bool = False
    ) -> None:
        source = self.script.source
        line, col = source.key_at(path) if key else source.at(path)
        self.problems.append(Problem(self.script.filename, line, col, message, severity))

    def warn(self, path: Path_, message: str, *, key: bool = False) -> None:
        self.add(path, message, "warning", key=key)


def check(
    script: Script, catalogue: Catalogue | None = None, *, now: datetime | None = None
) -> list[Problem]:
    """Every policy problem of ``script``, errors and warnings, in no particular order.

    Args:
        script: a script built by the loader (positions come from ``script.source``).
        catalogue: known names; the catalogue checks are skipped when ``None``.
        now: when given, messages already over are reported.
    """
    report = _Report(script)
    reachable = _reachable(script)
    _check_reachability(report, reachable)
    _check_endings(report, reachable)
    _check_safety(report)
    _check_inputs(report)
    _check_messages(report, now)
    _check_conditions(report, now)
    if catalogue is not None:
        _check_catalogue(report, catalogue)
    return report.problems


# --------------------------------------------------------------------- graph


def _reachable(script: Script) -> list[str]:
    seen = {script.start}
    order = [script.start]
    queue = deque(order)
    while queue:
        for target in successors(script.nodes[queue.popleft()]):
            if target not in seen:
                seen.add(target)
                order.append(target)
                queue.append(target)
    return order


def _strongly_connected(script: Script, nodes: list[str]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (scripts may be long chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    allowed = set(nodes)
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = []
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        work.append((root, iter(successors(script.nodes[root]))))
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in allowed:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(script.nodes[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _check_reachability(report: _Report, reachable: list[str]) -> None:
    script = report.script
    seen = set(reachable)
    for node_id in script.nodes:
        if node_id not in seen:
            report.warn(
                ("nodes", node_id),
                f"node '{node_id}' is never reached from '{script.start}'",
                key=True,
            )


def _check_endings(report: _Report, reachable: list[str]) -> None:
    script = report.script
    order = {node_id: i for i, node_id in enumerate(script.nodes)}
    predecessors: dict[str, set[str]] = {n: set() for n in reachable}
    for node_id in reachable:
        for target in successors(script.nodes[node_id]):
            predecessors[target].add(node_id)
    alive = {n for n in reachable if isinstance(script.nodes[n], TERMINAL_NODES)}
    queue = deque(alive)
    while queue:
        for before in predecessors[queue.popleft()]:
            if before not in alive:
                alive.add(before)
                queue.append(before)
    cyclic: set[str] = set()
    for component in _strongly_connected(script, reachable):
        first = min(component, key=order.__getitem__)
        loops = len(component) > 1 or first in successors(script.nodes[first])
        if not loops:
            continue
        cyclic |= set(component)
        if not any(isinstance(script.nodes[n], INPUT_NODES) for n in component):
            members = sorted(component, key=order.__getitem__)
            report.add(
                ("nodes", first),
                "loop "
                + " → ".join(f"'{m}'" for m in members)
                + f" → '{first}' never waits for the caller: it would repeat until "
                "the call is cut off",
                key=True,
            )
    for node_id in reachable:
        if node_id in alive:
            continue
        entry = node_id == script.start or any(p in alive for p in predecessors[node_id])
        if not entry:
            continue
        what = "starts a loop with no way out: " if node_id in cyclic else ""
        report.add(
            ("nodes", node_id),
            f"node '{node_id}' {what}no path from it ends in a route, transfer or hangup",
            key=True,
        )


def _check_safety(report: _Report) -> None:
    script = report.script
    safety = {
        node_id
        for node_id, node in script.nodes.items()
        if isinstance(node, SayNode) and script.prompts[node.prompt].safety
    }
    for node_id in safety:
        node = script.nodes[node_id]
        if isinstance(node, SayNode) and node.barge_in:
            report.warn(
                ("nodes", node_id, "say", "barge_in"),
                f"the 999 safety message in "
                f"'{node_id}' can be skipped with a key; set barge_in: false",
            )
    hint = (
        "play the 999 safety message first"
        if safety
        else "no prompt is marked 'safety: true'; play the 999 safety message first"
    )
    seen = {script.start}
    queue = deque([script.start])
    while queue:
        node_id = queue.popleft()
        if node_id in safety:
            continue
        node = script.nodes[node_id]
        if isinstance(node, INPUT_NODES):
            report.add(
                ("nodes", node_id),
                f"{kind_of(node)} '{node_id}' can be reached "
                f"without the 999 safety message: {hint}",
                key=True,
            )
            continue
        if isinstance(node, SayNode | MessagesNode):
            report.warn(
                ("nodes", node_id),
                f"'{node_id}' plays before the 999 safety "
                "message; callers in an emergency should hear it first",
                key=True,
            )
        for target in successors(node):
            if target not in seen:
                seen.add(target)
                queue.append(target)


def _check_inputs(report: _Report) -> None:
    for node_id, node in report.script.nodes.items():
        if isinstance(node, MenuNode | AskNode):
            kind = kind_of(node)
            for word, key in node.keywords.items():
                if key not in node.options:
                    report.add(
                        ("nodes", node_id, kind, "keywords", word),
                        f"{kind} '{node_id}':"
                        f" '{word}' stands for key '{key}', which is not an option; speech"
                        " must never be the only way",
                        key=True,
                    )
            if node.timeout_s < MIN_TIMEOUT_S:
                report.warn(
                    ("nodes", node_id, kind, "timeout_s"),
                    f"{kind} '{node_id}' waits only {node.timeout_s:g} s for a key",
                )
        if isinstance(node, CollectNode):
            if node.min_length > node.max_length:
                report.add(
                    ("nodes", node_id, "collect"),
                    f"collect '{node_id}': min_length "
                    f"{node.min_length} is above max_length {node.max_length}",
                )
            if node.timeout_s < MIN_TIMEOUT_S:
                report.warn(
                    ("nodes", node_id, "collect", "timeout_s"),
                    f"collect '{node_id}' waits only {node.timeout_s:g} s between digits",
                )


def _check_messages(report: _Report, now: datetime | None) -> None:
    script = report.script
    played = {n.slot for n in script.nodes.values() if isinstance(n, MessagesNode)}
    filled = {m.slot for m in script.messages}
    for message in script.messages:
        path: Path_ = ("messages", message.id)
        if message.slot not in played:
            report.warn(
                (*path, "slot"),
                f"message '{message.id}' is in slot '{message.slot}', which no messages node plays",
            )
        if now is not None and message.end is not None and message.end <= now:
            report.warn(
                (*path, "until"),
                f"message '{message.id}' ended at "
                f"{message.end:%Y-%m-%d %H:%M} and will not play again",
            )
    for node_id, node in script.nodes.items():
        if isinstance(node, MessagesNode) and node.slot not in filled:
            report.warn(
                ("nodes", node_id, "messages", "slot"),
                f"slot '{node.slot}' has no messages: this node plays nothing",
            )
    used = {p for p in map(prompt_of, script.nodes.values()) if p is not None}
    used |= {m.prompt for m in script.messages}
    for prompt_id in script.prompts:
        if prompt_id not in used and not prompt_id.startswith("@"):
            report.warn(("prompts", prompt_id), f"prompt '{prompt_id}' is never played", key=True)


def _conditions(script: Script) -> Iterator[tuple[Condition, Path_]]:
    """Every condition of the script with the position of the ``when`` it belongs to."""

    def walk(condition: Condition, path: Path_) -> Iterator[tuple[Condition, Path_]]:
        yield condition, path
        if isinstance(condition, AllOf | AnyOf):
            for item in condition.items:
                yield from walk(item, path)
        elif isinstance(condition, Not):
            yield from walk(condition.item, path)

    for node_id, node in script.nodes.items():
        if isinstance(node, BranchNode):
            for index, case in enumerate(node.cases):
                yield from walk(case.when, ("nodes", node_id, "branch", index, "when"))
    for message in script.messages:
        if message.when is not None:
            yield from walk(message.when, ("messages", message.id, "when"))


def _check_conditions(report: _Report, now: datetime | None) -> None:
    script = report.script
    for condition, path in _conditions(script):
        match condition:
            case TimeOfDay(start=start, end=end) if start == end:
                report.warn(path, f"time {start:%H:%M}-{end:%H:%M} is empty: it never holds")
            case Split(percent=percent) if percent in (0, 100):
                report.warn(path, f"a {percent:g}% split is not a split")
            case BankHoliday():
                if not script.bank_holidays:
                    report.warn(path, "bank_holiday never holds: the script names no calendar")
                elif (
                    now is not None
                    and script.calendar_until is not None
                    and now.date() > script.calendar_until
                ):
                    report.warn(
                        ("calendar",),
                        "the calendar lists no bank holidays after "
                        f"{script.calendar_until}; add the next year's dates",
                    )


def _check_catalogue(report: _Report, catalogue: Catalogue) -> None:
    script = report.script
    if catalogue.destinations is not None:
        known = sorted(catalogue.destinations)
        if script.fallback not in catalogue.destinations:
            report.add(("fallback",), f"unknown destination '{script.fallback}' (known: {known})")
        for node_id, node in script.nodes.items():
            if isinstance(node, RouteNode) and node.destination not in catalogue.destinations:
                report.add(
                    ("nodes", node_id, "route", "destination"),
                    f"unknown destination '{node.destination}' (known: {known})",
                )
    if catalogue.prompts is not None:
        used: dict[str, Path_] = {}
        for node_id, node in script.nodes.items():
            prompt = prompt_of(node)
            if prompt is not None:
                path: Path_ = (
                    ("prompts", prompt) if not prompt.startswith("@") else ("nodes", node_id)
                )
                used.setdefault(prompt, path)
        for message in script.messages:
            used.setdefault(message.prompt, ("prompts", message.prompt))
        for prompt_id, path in used.items():
            media = script.prompts[prompt_id].media
            if (
                media.startswith(SOUND_PREFIX)
                and media[len(SOUND_PREFIX) :] not in catalogue.prompts
            ):
                report.add(
                    path,
                    f"prompt '{prompt_id.lstrip('@')}' has no recording: {media} "
                    "is not in the catalogue",
                    key=True,
                )
    for condition, path in _conditions(script):
        flags = catalogue.flags
        if isinstance(condition, Flag) and flags is not None and condition.name not in flags:
            report.add(path, f"unknown flag '{condition.name}' (known: {sorted(flags)})")
        if isinstance(condition, CarePlan) and catalogue.care_plan_types is not None:
            for plan in sorted(condition.types - catalogue.care_plan_types):
                report.warn(
                    path,
                    f"unknown care-plan type '{plan}' (known: {sorted(catalogue.care_plan_types)})",
                )
    for node_id, node in script.nodes.items():
        targets, templates = catalogue.notify_targets, catalogue.sms_templates
        if isinstance(node, NotifyNode) and targets is not None and node.target not in targets:
            report.add(
                ("nodes", node_id, "notify", "target"),
                f"unknown webhook target '{node.target}' (known: {sorted(targets)})",
            )
        if isinstance(node, SmsNode) and templates is not None and node.template not in templates:
            report.add(
                ("nodes", node_id, "sms", "template"),
                f"unknown text template '{node.template}' (known: {sorted(templates)})",
            )
