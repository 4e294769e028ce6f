"""``urgentline scripts history NAME``: every version, which one is live, and the audit log."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from callflow.cli.scripts._common import run_with_store
from ivr_scripts.store import AuditEntry, ScriptStore, VersionInfo


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
def history(name: str, as_json: bool) -> None:
    """List the versions of NAME (* marks the published one) and its latest changes."""

    async def work(store: ScriptStore) -> tuple[list[VersionInfo], int | None, list[AuditEntry]]:
        versions = await store.history(name)
        return versions, await store.published_version(name), await store.audit(name, limit=20)

    versions, published, audit = run_with_store(work)
    if as_json:
        click.echo(json.dumps(_json(versions, published, audit), indent=2))
        return
    click.echo("   VERSION  SAVED             AUTHOR        CHECK      CHECKSUM      COMMENT")
    for v in reversed(versions):
        mark = "*" if v.version == published else " "
        check = "ok" if v.publishable else f"{v.errors} errors"
        click.echo(
            f"{mark}  {v.version:>7}  {_when(v.created_at)}  {v.author[:12]:<12}  {check:<9}  "
            f"{v.checksum[:12]}  {v.comment}"
        )
    click.echo("" if published is not None else "(never published)")
    click.echo("latest changes:")
    for entry in audit:
        moved = f" (was {entry.previous_version})" if entry.previous_version is not None else ""
        click.echo(
            f"  {_when(entry.at)}  {entry.actor[:12]:<12}  {entry.action:<15}  "
            f"version {entry.version}{moved}  {entry.comment}"
        )


def _json(versions: list[VersionInfo], published: int | None, audit: list[AuditEntry]) -> Any:
    return {
        "published": published,
        "versions": [
            {
                "version": v.version,
                "saved_at": v.created_at.isoformat(),
                "author": v.author,
                "checksum": v.checksum,
                "comment": v.comment,
                "errors": v.errors,
                "warnings": v.warnings,
            }
            for v in versions
        ],
        "audit": [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "version": e.version,
                "previous_version": e.previous_version,
                "comment": e.comment,
            }
            for e in audit
        ],
    }
