"""The ``urgentline`` command line: the composition root of the commands.

Each command parses its options, builds ``Settings`` and runs one async entry
point owned by the package that does the work. Packages that ``callflow`` may
not import elsewhere (``sip_lab``, ``dashboards``) are imported lazily inside
the commands that need them (DESIGN: the CLI is the composition root).
"""

from __future__ import annotations

import logging
import os
import sys

import click
from pydantic_settings import BaseSettings

from callflow.cli.bench import bench
from callflow.cli.careplans import careplans
from callflow.cli.db import db
from callflow.cli.demo import demo
from callflow.cli.lab import lab
from callflow.cli.nlp import nlp
from callflow.cli.scripts import scripts
from callflow.cli.serve import serve
from callflow.cli.users import users
from callflow.handoff.settings import HandoffSettings
from callflow.plans.settings import PlanSettings
from callflow.settings import Settings
from dashboards.alerts.settings import AlertSettings

SETTINGS: tuple[type[BaseSettings], ...] = (Settings, PlanSettings, HandoffSettings, AlertSettings)
"""Every settings class; each feature keeps its own, all read ``URGENTLINE_*``."""


def _settings_help() -> str:
    lines = ["Configuration (environment variables, or a .env file):", ""]
    for cls in SETTINGS:
        for name, field in cls.model_fields.items():
            secret = any(word in name for word in ("password", "key", "secret"))
            default = field.get_default(call_default_factory=True)
            shown = "unset" if default is None else ("***" if secret else default)
            lines.append(f"  URGENTLINE_{name.upper()}  {field.description} [default: {shown}]")
    return "\n".join(lines)


class _Root(click.Group):
    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        with formatter.indentation():
            for line in _settings_help().splitlines():
                formatter.write(line + "\n")


@click.group(cls=_Root)
@click.option("-v", "--verbose", is_flag=True, help="Log at DEBUG level.")
def cli(verbose: bool) -> None:
    """urgentline: the urgent-care telephony overlay (NHS 111 style) on Asterisk ARI."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


for command in (serve, demo, bench, db, scripts, careplans, nlp, lab, users):
    cli.add_command(command)


def main() -> None:
    """Entry point: user errors print one line; tracebacks only with URGENTLINE_DEBUG=1."""
    try:
        cli(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("URGENTLINE_DEBUG"):
            raise
        click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)
