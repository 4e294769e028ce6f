"""``urgentline scripts save FILE``: a new immutable version (a draft if it fails the checker)."""

from __future__ import annotations

from pathlib import Path

import click

from callflow.cli.scripts._common import (
    author_option,
    build_catalogue,
    print_problems,
    run_with_store,
    with_catalogue_options,
)
from ivr_scripts.store import Saved, ScriptStore


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--comment", "-m", default="", help="why this version (kept in the audit log)")
@author_option
@with_catalogue_options
def save(
    file: str,
    comment: str,
    author: str,
    catalogue_path: str | None,
    destinations_path: str | None,
) -> None:
    """Save FILE as the next version of the script it names.

    A script that fails the checker is saved as a draft: it can be simulated,
    diffed and replayed, never published.
    """
    catalogue = build_catalogue(catalogue_path, destinations_path)
    text = Path(file).read_text(encoding="utf-8")

    async def work(store: ScriptStore) -> Saved:
        return await store.save(text, author=author, comment=comment, filename=file)

    saved = run_with_store(work, catalogue)
    print_problems(saved.problems)
    info = saved.info
    if not saved.created:
        click.echo(f"{info.script} version {info.version} unchanged (same text)")
        return
    verdict = (
        "passes the checker"
        if info.publishable
        else f"draft: fails the checker with {info.errors} error{'s' if info.errors != 1 else ''}"
    )
    click.echo(f"saved {info.script} version {info.version} ({verdict})")
