"""``urgentline serve``: the production service, configured by environment."""

from __future__ import annotations

import click
from aiohttp import web

from callflow.app import create_app
from callflow.plans.accesslog import QuerylessAccessLogger
from callflow.settings import Settings


@click.command()
def serve() -> None:
    """Run the call-control service (ARI client + HTTP port) until stopped."""
    settings = Settings()
    click.echo(
        f"urgentline serving on http://{settings.http_host}:{settings.http_port} "
        f"(ARI {settings.ari_url}, app {settings.ari_app})"
    )
    web.run_app(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        print=None,
        # Query strings can carry identifiers (?nhs_number=…): never in access logs.
        access_log_class=QuerylessAccessLogger,
    )
