"""``urgentline scripts publish NAME --version V``: new calls run V, on every instance."""

from __future__ import annotations

import asyncio

import click
from redis.exceptions import RedisError

from callflow.cli.scripts._common import (
    author_option,
    build_catalogue,
    parse_version,
    print_problems,
    run_with_store,
    with_catalogue_options,
)
from callflow.scripts_live import announce
from callflow.settings import Settings
from callflow.storage import RedisStore
from ivr_scripts import PublishRefused
from ivr_scripts.store import Publication, ScriptStore


@click.command()
@click.argument("name")
@click.option("--version", "version", required=True, help="version number, or 'latest'")
@click.option("--comment", "-m", default="", help="why (kept in the audit log)")
@author_option
@with_catalogue_options
def publish(
    name: str,
    version: str,
    comment: str,
    author: str,
    catalogue_path: str | None,
    destinations_path: str | None,
) -> None:
    """Publish VERSION of script NAME: new calls start on it, calls in progress keep theirs."""
    wanted = parse_version(version)
    if wanted == "published":
        raise click.BadParameter("publish a number or 'latest'", param_hint="--version")
    catalogue = build_catalogue(catalogue_path, destinations_path)

    async def work(store: ScriptStore) -> Publication:
        number = (await store.latest(name)).info.version if wanted == "latest" else int(wanted)
        try:
            return await store.publish(name, number, actor=author, comment=comment)
        except PublishRefused as refused:
            print_problems(refused.problems)
            raise

    done = run_with_store(work, catalogue)
    was = f" (was version {done.previous})" if done.previous is not None else ""
    click.echo(f"published {done.script} version {done.version}{was}")
    announce_change(done)


def announce_change(done: Publication) -> None:
    """Tell running services at once; they also poll, so a failure here only delays the switch."""
    settings = Settings()
    if not settings.redis_url:
        click.echo(
            "note: no URGENTLINE_REDIS_URL; running services pick this up when they next poll",
            err=True,
        )
        return

    async def send() -> int:
        redis = RedisStore(settings.redis_url, settings.redis_prefix)
        try:
            return await announce(redis, done.script, done.version)
        finally:
            await redis.aclose()

    try:
        receivers = asyncio.run(send())
    except (RedisError, OSError, TimeoutError) as exc:  # the publish itself is done and audited
        click.echo(
            f"warning: announcement failed ({type(exc).__name__}); services will poll", err=True
        )
        return
    click.echo(f"announced to {receivers} running instance{'s' if receivers != 1 else ''}")
