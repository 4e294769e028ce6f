"""``urgentline scripts``: routing scripts."""

from __future__ import annotations

import sys

import click

from ivr_scripts import ScriptError, load_script


@click.group()
def scripts() -> None:
    """Routing scripts: check them before they go live."""


@scripts.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check FILES; print file:line:col: error: message for each problem."""
    failed = False
    for path in files:
        try:
            script = load_script(path)
        except ScriptError as exc:
            failed = True
            for problem in exc.problems:
                click.echo(str(problem))
            continue
        click.echo(f"{path}: ok ({script.name}, {len(script.nodes)} nodes)")
    sys.exit(1 if failed else 0)
