"""``urgentline scripts impact DRAFT``: replay calls through a draft and the live version.

Recorded calls come from the ``call_record`` table (arrival time, withheld or
not, repeat caller at the time, the caller's choices in order); synthetic
calls are seeded and reproducible. Both versions run through the same
interpreter as live calls; no service is needed. Caller numbers are used only
to recognise repeat callers and never printed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

import click
from sqlmodel import Session, col, select

from callflow.cli.scripts._common import (
    Source,
    database,
    loaded_or_fail,
    print_problems,
    read_source,
    stored_source,
)
from callflow.storage import Database
from callflow.storage.models import CallRecord
from ivr_scripts.impact import (
    REPEAT_WINDOW,
    Impact,
    ReplayCall,
    compare,
    inputs_from_menu_path,
    repeat_callers,
    synthetic_calls,
)
from ivr_scripts.loader import SCRIPTS_DIR


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime

    def describe(self) -> str:
        return (
            f"from {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} ({self.start.tzname()})"
        )


@click.command()
@click.argument("draft_ref", metavar="DRAFT")
@click.option(
    "--against",
    default="published",
    show_default=True,
    help="'published', a version number, NAME@VERSION or a file",
)
@click.option(
    "--calls",
    "calls_range",
    default=None,
    help="recorded calls: 'yesterday' (default), 'today', a date, or FROM..UNTIL (dates or "
    "times, local to the script; either side may be empty)",
)
@click.option(
    "--synthetic",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="replay N synthetic calls instead of recorded ones",
)
@click.option("--seed", type=int, default=111, show_default=True, help="seed of synthetic calls")
@click.option("--flag", "flags", multiple=True, help="assume this live flag was raised")
@click.option(
    "--all-scripts", is_flag=True, help="replay records of every script, not just DRAFT's"
)
@click.option("--examples", type=click.IntRange(0, 50), default=3, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def impact(
    draft_ref: str,
    against: str,
    calls_range: str | None,
    synthetic: int | None,
    seed: int,
    flags: tuple[str, ...],
    all_scripts: bool,
    examples: int,
    as_json: bool,
) -> None:
    """Show how many calls DRAFT would send somewhere else than the live version does.

    DRAFT is a file or NAME@VERSION of a saved version.
    """
    if synthetic is not None and calls_range is not None:
        raise click.UsageError("use either --calls or --synthetic")
    draft_source = read_source(draft_ref)
    draft_loaded = draft_source.load()
    new = loaded_or_fail(draft_loaded, draft_source.label)
    if draft_loaded.errors:
        print_problems(draft_loaded.errors)
        click.echo(
            f"warning: {draft_source.label} fails the checker (impact shown anyway)", err=True
        )
    old_source = _against(against, new.name)
    old = loaded_or_fail(old_source.load(), old_source.label)
    if synthetic is not None:
        window = _window("yesterday", new.timezone)
        calls = synthetic_calls(
            synthetic, start=window.start, span=window.end - window.start, seed=seed
        )
        what = f"{synthetic:,} synthetic calls {window.describe()}, seed {seed}"
    else:
        window = _window(calls_range or "yesterday", new.timezone)
        calls = _recorded(window, None if all_scripts else new.name)
        what = f"{len(calls):,} recorded calls {window.describe()}"
    result = compare(old, new, calls, flags=frozenset(flags))
    if as_json:
        body = result.to_json(examples) | {
            "draft": {"script": new.name, "version": new.version, "source": draft_source.label},
            "against": {"script": old.name, "version": old.version, "source": old_source.label},
            "window": {"from": window.start.isoformat(), "until": window.end.isoformat()},
            "synthetic": synthetic is not None,
        }
        click.echo(json.dumps(body, indent=2))
        return
    click.echo(f"impact of {draft_source.label} against {old_source.label}")
    click.echo(f"replayed {what}")
    _print(result, examples, recorded=synthetic is None)


def _against(ref: str, name: str) -> Source:
    if ref == "published":
        try:
            return stored_source(name, "published")
        except click.ClickException:
            shipped = SCRIPTS_DIR / f"{name}.yaml"
            if not shipped.exists():
                raise
            click.echo(
                f"note: nothing published for '{name}': comparing with the shipped file", err=True
            )
            return read_source(str(shipped))
    if ref.isdigit():
        return stored_source(name, ref)
    return read_source(ref)


def _window(text: str, tz: tzinfo) -> Window:
    today = datetime.now(tz).date()

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=tz)

    if text == "yesterday":
        return Window(midnight(today - timedelta(days=1)), midnight(today))
    if text == "today":
        return Window(midnight(today), midnight(today + timedelta(days=1)))
    first, sep, last = text.partition("..")
    try:
        if not sep:
            day = date.fromisoformat(first)
            return Window(midnight(day), midnight(day + timedelta(days=1)))
        start = _moment(first, tz) if first else datetime(1970, 1, 1, tzinfo=tz)
        end = _moment(last, tz) if last else midnight(today + timedelta(days=1))
    except ValueError:
        raise click.BadParameter(
            f"'{text}' is not 'yesterday', 'today', a date or FROM..UNTIL", param_hint="--calls"
        ) from None
    if end <= start:
        raise click.BadParameter(f"'{text}' ends before it starts", param_hint="--calls")
    return Window(start, end)


def _moment(text: str, tz: tzinfo) -> datetime:
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=tz)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def _recorded(window: Window, script: str | None) -> list[ReplayCall]:
    """Calls that arrived in ``window`` (earlier ones only to recognise repeat callers)."""
    with database() as db:
        rows = asyncio.run(_rows(db, window.start - REPEAT_WINDOW, window.end, script))
    repeat = repeat_callers([(None if r.caller_withheld else r.caller, r.arrived_at) for r in rows])
    calls = []
    for row, is_repeat in zip(rows, repeat, strict=True):
        if row.arrived_at < window.start:
            continue
        calls.append(
            ReplayCall(
                call_id=row.call_id,
                arrived_at=row.arrived_at,
                inputs=inputs_from_menu_path(row.menu_path or []),
                withheld=row.caller_withheld,
                repeat_caller=is_repeat,
                recorded=row.destination,
            )
        )
    return calls


async def _rows(
    db: Database, start: datetime, end: datetime, script: str | None
) -> list[CallRecord]:
    def work(session: Session) -> list[CallRecord]:
        query = select(CallRecord).where(
            col(CallRecord.arrived_at) >= start, col(CallRecord.arrived_at) < end
        )
        if script is not None:
            query = query.where(CallRecord.script == script)
        return list(session.exec(query.order_by(col(CallRecord.arrived_at))).all())

    return await db.run(work)


def _print(result: Impact, examples: int, *, recorded: bool) -> None:
    total = result.total
    if total == 0:
        click.echo("no calls to replay")
        return
    share = 100 * result.changed / total
    click.echo(f"{result.changed:,} of {total:,} calls ({share:.1f}%) would end somewhere else")
    for (before, after), count in result.transitions.most_common():
        click.echo(f"  {count:>7,}  {_name(after)} instead of {_name(before)}")
        for change in result.examples(before, after, examples):
            inputs = ", ".join(i if i else "silence" for i in change.inputs) or "no input"
            click.echo(
                f"           e.g. call {change.call_id} at "
                f"{change.arrived_at:%Y-%m-%d %H:%M} ({inputs})"
            )
    if result.pathways:
        click.echo("by pathway of the draft:")
        for (pathway, after), count in result.pathways.most_common():
            click.echo(f"  {count:>7,}  {pathway} -> {_name(after)}")
    if recorded and result.recorded:
        faithful = 100 * result.faithful / result.recorded
        click.echo(
            f"the version compared against sends {result.faithful:,} of {result.recorded:,} "
            f"recorded calls where they really went ({faithful:.1f}%; the rest met a busy or "
            "failing destination, or a different script)"
        )


def _name(action: str) -> str:
    kind, _, target = action.partition(":")
    return {"route": f"{target}", "transfer": f"a transfer to {target}"}.get(kind, "a hang-up")
