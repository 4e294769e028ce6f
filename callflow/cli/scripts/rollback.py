"""``urgentline scripts rollback NAME``: put back the version that was live before."""

from __future__ import annotations

import click

from callflow.cli.scripts._common import (
    author_option,
    build_catalogue,
    print_problems,
    run_with_store,
    with_catalogue_options,
)
from callflow.cli.scripts.publish import announce_change
from ivr_scripts import PublishRefused
from ivr_scripts.store import Publication, ScriptStore


@click.command()
@click.argument("name")
@click.option("--to", "to", type=int, default=None, help="a version number [default: the previous]")
@click.option("--comment", "-m", default="", help="why (kept in the audit log)")
@author_option
@with_catalogue_options
def rollback(
    name: str,
    to: int | None,
    comment: str,
    author: str,
    catalogue_path: str | None,
    destinations_path: str | None,
) -> None:
    """Publish again the version of NAME that was live before the current one (or --to V)."""
    catalogue = build_catalogue(catalogue_path, destinations_path)

    async def work(store: ScriptStore) -> Publication:
        try:
            return await store.rollback(name, actor=author, to=to, comment=comment)
        except PublishRefused as refused:
            print_problems(refused.problems)
            raise

    done = run_with_store(work, catalogue)
    click.echo(f"rolled {done.script} back to version {done.version} (was version {done.previous})")
    announce_change(done)
