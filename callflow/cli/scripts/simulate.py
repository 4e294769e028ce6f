"""``urgentline scripts simulate``: one call through a script, node by node, no service needed."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import click

from callflow.cli.scripts._common import loaded_or_fail, print_problems, read_source
from ivr_scripts import CallContext, Script
from ivr_scripts.commands import Hangup, Route, Transfer
from ivr_scripts.conditions import local_now
from ivr_scripts.simulate import Caller, Simulation
from ivr_scripts.simulate import simulate as run_simulation

WITHHELD = {"", "withheld", "anonymous", "unknown", "private"}


@click.command()
@click.argument("script_ref", metavar="FILE|NAME@VERSION")
@click.option("--cli", "cli_number", default=None, help="the caller's number, or 'withheld'")
@click.option(
    "--keys",
    default="",
    help="the caller's answers in order, comma-separated: keys (1), digits (9434765919#), "
    "words (toothache) or nothing for silence: '1,,3'",
)
@click.option("--say", "phrases", multiple=True, help="a phrase the caller says (repeatable)")
@click.option("--at", "at", default=None, help="when the call arrives (ISO; local to the script)")
@click.option("--flag", "flags", multiple=True, help="a live flag raised (repeatable)")
@click.option("--care-plan", "care_plans", multiple=True, help="a care-plan type (repeatable)")
@click.option("--repeat-caller", is_flag=True, help="the caller is a repeat caller")
@click.option("--age", type=click.IntRange(0, 130), default=None, help="the caller's age")
@click.option("--language", default=None, help="the caller's language preference (e.g. cy)")
@click.option("--call-id", default=None, help="call id (drives pilots' splits)")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def simulate(
    script_ref: str,
    cli_number: str | None,
    keys: str,
    phrases: tuple[str, ...],
    at: str | None,
    flags: tuple[str, ...],
    care_plans: tuple[str, ...],
    repeat_caller: bool,
    age: int | None,
    language: str | None,
    call_id: str | None,
    as_json: bool,
) -> None:
    """Run one simulated call through FILE (or a saved version) and print its path.

    The caller listens to each prompt to the end, then gives the next answer
    from --keys at each menu, question or digit collection (silence when they
    run out), and the next --say phrase at each speech capture.
    """
    source = read_source(script_ref)
    loaded = source.load()
    script = loaded_or_fail(loaded, source.label)
    if loaded.errors:
        print_problems(loaded.errors)
        click.echo(f"warning: {source.label} fails the checker; simulating it anyway", err=True)
    now = _arrival(at, script)
    withheld = cli_number is not None and cli_number.strip().lower() in WITHHELD
    if call_id is None:
        seed = f"{cli_number or ''}|{now.isoformat()}"
        call_id = "sim-" + hashlib.sha256(seed.encode()).hexdigest()[:16]
    context = CallContext(
        call_id=call_id,
        now=now,
        withheld=withheld,
        repeat_caller=repeat_caller,
        care_plans=frozenset(care_plans),
        age=age,
        language=language.lower() if language else None,
        flags=frozenset(flags),
    )
    answers = tuple(k.strip() for k in keys.split(",")) if keys else ()
    result = run_simulation(script, context, Caller(answers, phrases))
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2))
        return
    _print(result, source.label)


def _arrival(at: str | None, script: Script) -> datetime:
    if at is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter(f"'{at}' is not an ISO date and time", param_hint="--at") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=script.timezone)


def _print(result: Simulation, label: str) -> None:
    script = result.script
    local = local_now(script, result.context)
    when = ""
    if local is not None:
        holiday = ", bank holiday" if local.date() in script.bank_holidays else ""
        when = f" at {local:%Y-%m-%d %H:%M} {local.tzname()} ({local:%a}{holiday})"
    click.echo(f"{script.name} version {script.version} ({label}){when}")
    width = max(len(h.node) for h in result.hops)
    for hop in result.hops:
        heard = f"  <- {', '.join(hop.caller)}" if hop.caller else ""
        click.echo(f"  {hop.node:<{width}}  {hop.kind:<8}  {hop.detail}{heard}")
    for sent in result.sent:
        click.echo(f"  sent: {sent}")
    click.echo("final: " + _final(result))


def _final(result: Simulation) -> str:
    terminal = result.terminal
    match terminal:
        case Route(destination=destination, fallback_reason=reason, priority_s=priority):
            text = f"route to {destination} (pathway {result.pathway})"
            if reason:
                text += f", fallback because {reason}"
            if priority:
                text += f", priority {priority:+d} s"
            if terminal.tags:
                text += f", tags {','.join(terminal.tags)}"
            if terminal.answers:
                text += ", answers " + ",".join(f"{q}={a}" for q, a in terminal.answers)
            return text
        case Transfer(number=number):
            return f"transfer to {number} (pathway {result.pathway})"
        case Hangup():
            return "hang up"
