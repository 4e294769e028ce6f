"""``urgentline careplans``: import plans, list conflicts, benchmark the lookup.

The commands are thin: build ``Settings`` and the stores, then run one
coroutine of ``callflow.plans``. Import output names files, lines and reasons
(``FILE:LINE: reason``), never a value from the file; a large import shows a
progress bar on stderr. Exit status: 0 when every row landed, 1 when any row
or file was rejected (the good rows still landed).
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import click

from callflow.plans.bench import bench_lookup
from callflow.plans.lookup import PlanLookup
from callflow.plans.services import PlanService
from callflow.settings import Settings
from callflow.storage import Database, RedisStore
from careplans.errors import UnreadableFileError
from careplans.importing import LAYOUTS
from careplans.model import ImportReport

PROGRESS_FROM = 1000
"""Imports with at least this many records show a progress bar."""


@click.group()
def careplans() -> None:
    """Care and crisis plans: imports, conflicts to review, lookup benchmark."""


@asynccontextmanager
async def _stores(
    database_url: str | None = None,
    redis_url: str | None = None,
    *,
    embedded: bool = False,
    prefix: str | None = None,
) -> AsyncIterator[tuple[Database, RedisStore]]:
    """The configured database (migrated) and Redis, or the given ones; closed after."""
    settings = Settings()
    db = Database(database_url or settings.database_url)
    redis = RedisStore(
        None if embedded else (redis_url or settings.redis_url), prefix or settings.redis_prefix
    )
    try:
        await asyncio.to_thread(db.migrate)
        yield db, redis
    finally:
        await redis.aclose()
        db.dispose()


class _Progress:
    """A click progress bar opened on the first report of a large import (worker thread)."""

    def __init__(self, label: str) -> None:
        self._label = label
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total < PROGRESS_FROM:
                return
            self._bar = click.progressbar(length=total, label=self._label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(done - self._done)
        self._done = done

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@careplans.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--layout",
    type=click.Choice(LAYOUTS),
    default=None,
    help="File layout; recognised from the content when omitted.",
)
@click.option(
    "--source",
    default=None,
    help="Source name; re-importing one source updates its plans (default: per layout).",
)
def import_files(files: tuple[Path, ...], layout: str | None, source: str | None) -> None:
    """Import FHIR R4 Bundles and register CSVs; bad rows are reported, the rest land."""
    failed = asyncio.run(_import_all(files, layout, source))
    if failed:
        raise click.ClickException(f"{failed} row(s) or file(s) rejected; the rest landed")


async def _import_all(files: tuple[Path, ...], layout: str | None, source: str | None) -> int:
    async with _stores() as (db, redis):
        # The lookup is only there to invalidate the cache after each file.
        service = PlanService(db, PlanLookup(db, redis, key_secret=b"imports"))
        return await _import_each(service, files, layout, source)


async def _import_each(
    service: PlanService, files: tuple[Path, ...], layout: str | None, source: str | None
) -> int:
    failed = 0
    for path in files:
        progress = _Progress(path.name)
        try:
            content = await asyncio.to_thread(path.read_bytes)
            report = await service.import_content(
                content, layout=layout, source=source, on_progress=progress
            )
        except UnreadableFileError as exc:
            click.echo(f"{path}:{exc.line or 1}: error: {exc.reason}", err=True)
            failed += 1
            continue
        finally:
            progress.close()
        _print_report(path, report)
        failed += report.rejected
    return failed


def _print_report(path: Path, report: ImportReport) -> None:
    conflicts = f", {report.conflicts} conflict(s) flagged for review" if report.conflicts else ""
    click.echo(
        f"{path}: {report.layout} (source {report.source}): {report.rows} row(s), "
        f"{report.landed} landed ({report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged), {report.rejected} rejected{conflicts}"
    )
    for error in sorted(report.errors, key=lambda e: e.line or 0):
        click.echo(f"{path}:{error.line or 1}: error: {error.reason}", err=True)
    for warning in sorted(report.warnings, key=lambda e: e.line or 0):
        click.echo(f"{path}:{warning.line or 1}: warning: {warning.reason}", err=True)


@careplans.command()
def conflicts() -> None:
    """List conflicts between sources waiting for review (plan ids and fields)."""
    rows = asyncio.run(_conflicts())
    if not rows:
        click.echo("no conflicts to review")
    for row in rows:
        winner = row["winner_plan_id"]
        other = next(p for p in row["plans"] if p != winner)
        click.echo(
            f"{row['detected_at'][:16]}  {row['plan_type']}: shown {winner}, "
            f"superseded {other}; differ in {', '.join(row['fields'])}"
        )


async def _conflicts() -> list[dict[str, Any]]:
    async with _stores() as (db, redis):
        return await PlanService(db, PlanLookup(db, redis, key_secret=b"reads")).open_conflicts()


@careplans.command()
@click.option("--plans", type=click.IntRange(1, 12_000), default=10_000, show_default=True)
@click.option("--samples", type=click.IntRange(10, 100_000), default=2_000, show_default=True)
@click.option(
    "--database-url",
    default=None,
    help="Scratch database to seed (default: a temporary SQLite file). Never production.",
)
@click.option("--redis-url", default=None, help="Redis to use (default: in-process fakeredis).")
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON result.")
def bench(
    plans: int, samples: int, database_url: str | None, redis_url: str | None, as_json: bool
) -> None:
    """Seed synthetic plans and report lookup p50/p99 from the Redis cache and from SQL."""
    say = None if as_json else (lambda message: click.echo(message, err=True))
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'careplans-bench.db'}"
        result = asyncio.run(_bench(url, redis_url, plans, samples, say))
    click.echo(json.dumps(result, indent=None if as_json else 2, sort_keys=True))


async def _bench(
    url: str,
    redis_url: str | None,
    plans: int,
    samples: int,
    say: Callable[[str], None] | None,
) -> dict[str, Any]:
    async with _stores(
        url, redis_url, embedded=redis_url is None, prefix="urgentline-careplans-bench"
    ) as (db, redis):
        try:
            return await bench_lookup(db, redis, plans=plans, samples=samples, say=say)
        finally:
            await redis.delete_prefix()
