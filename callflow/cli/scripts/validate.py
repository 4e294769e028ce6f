"""``urgentline scripts validate FILE…``: the checker, as CI and editors run it."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from callflow.cli.scripts._common import build_catalogue, print_problems, with_catalogue_options
from ivr_scripts import load_text


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@with_catalogue_options
@click.option("--strict", is_flag=True, help="fail on warnings too")
def validate(
    files: tuple[str, ...],
    catalogue_path: str | None,
    destinations_path: str | None,
    strict: bool,
) -> None:
    """Check FILES; print file:line:col: error|warning: message for each problem.

    Exits 1 when any file has an error (or, with --strict, a warning).
    """
    catalogue = build_catalogue(catalogue_path, destinations_path)
    now = datetime.now(UTC)
    failed = False
    for path in files:
        loaded = load_text(
            Path(path).read_text(encoding="utf-8"), path, catalogue=catalogue, now=now
        )
        print_problems(loaded.problems)
        warnings = len(loaded.problems) - len(loaded.errors)
        if loaded.errors or loaded.script is None or (strict and warnings):
            failed = True
            continue
        script = loaded.script
        note = f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
        click.echo(f"{path}: ok ({script.name}, {len(script.nodes)} nodes{note})")
    sys.exit(1 if failed else 0)
