"""``urgentline scripts``: check, try, version, publish and replay routing scripts.

One module per subcommand (hatch's layout). ``validate`` and ``simulate`` need
nothing but files; the others use the version store in
``URGENTLINE_DATABASE_URL`` (migrated on first use), and ``publish``/``rollback``
announce the change on ``URGENTLINE_REDIS_URL`` so running services switch new
calls at once.
"""

from __future__ import annotations

import click

from callflow.cli.scripts.diff import diff
from callflow.cli.scripts.history import history
from callflow.cli.scripts.impact import impact
from callflow.cli.scripts.publish import publish
from callflow.cli.scripts.rollback import rollback
from callflow.cli.scripts.save import save
from callflow.cli.scripts.show import show
from callflow.cli.scripts.simulate import simulate
from callflow.cli.scripts.validate import validate


@click.group(short_help="Routing scripts: validate, simulate, version, publish, replay.")
def scripts() -> None:
    """Routing scripts: check them, try them, see their impact, publish and roll back."""


for command in (validate, simulate, save, publish, rollback, history, show, diff, impact):
    scripts.add_command(command)

__all__ = ["scripts"]
