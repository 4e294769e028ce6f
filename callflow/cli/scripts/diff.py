"""``urgentline scripts diff NAME V1 V2``: what changed between two versions (or a file)."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from callflow.cli.scripts._common import Source, parse_version, read_source, stored_source
from ivr_scripts import Script
from ivr_scripts.model import kind_of


def _side(name: str, ref: str) -> Source:
    if Path(ref).is_file():
        return read_source(ref)
    return stored_source(name, parse_version(ref))


@click.command()
@click.argument("name")
@click.argument("old")
@click.argument("new")
def diff(name: str, old: str, new: str) -> None:
    """Compare versions OLD and NEW of NAME: a summary by node, then the text.

    OLD and NEW are version numbers, 'published', 'latest' or a file.
    """
    before, after = _side(name, old), _side(name, new)
    old_script, new_script = before.load().script, after.load().script
    if old_script is not None and new_script is not None:
        for line in summary(old_script, new_script):
            click.echo(line)
    else:
        click.echo("(one side does not load: text differences only)")
    text = difflib.unified_diff(
        before.text.splitlines(keepends=True),
        after.text.splitlines(keepends=True),
        fromfile=before.label,
        tofile=after.label,
    )
    body = "".join(text)
    click.echo(body if body else "no differences in the text", nl=not body)


def summary(old: Script, new: Script) -> list[str]:
    """One line per node, prompt, message or setting added, removed or changed."""
    lines: list[str] = []
    for field in ("start", "fallback", "max_visits", "timezone", "bank_holidays"):
        if getattr(old, field) != getattr(new, field):
            lines.append(f"~ {field}")
    for label, before, after in (
        ("node", old.nodes, new.nodes),
        ("prompt", old.prompts, new.prompts),
        ("message", {m.id: m for m in old.messages}, {m.id: m for m in new.messages}),
    ):
        for key in before.keys() - after.keys():
            lines.append(f"- {label} {key.lstrip('@')}" + _kind(before[key]))
        for key in after.keys() - before.keys():
            lines.append(f"+ {label} {key.lstrip('@')}" + _kind(after[key]))
        for key in before.keys() & after.keys():
            if before[key] != after[key]:
                lines.append(f"~ {label} {key.lstrip('@')}" + _kind(after[key]))
    return sorted(lines, key=lambda line: (line[2:], line[0])) or ["no differences in meaning"]


def _kind(item: object) -> str:
    try:
        return f" ({kind_of(item)})"  # type: ignore[arg-type]
    except KeyError:
        return ""
