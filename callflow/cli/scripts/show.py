"""``urgentline scripts show NAME [VERSION]``: the text of a saved version."""

from __future__ import annotations

import click

from callflow.cli.scripts._common import parse_version, stored_source


@click.command()
@click.argument("name")
@click.argument("version", default="published", callback=lambda _c, _p, v: parse_version(v))
def show(name: str, version: str) -> None:
    """Print VERSION of NAME (a number, 'published' or 'latest'; default: published)."""
    click.echo(stored_source(name, version).text, nl=False)
