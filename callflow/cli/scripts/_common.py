"""What the ``urgentline scripts`` commands share: settings, the store, printing problems.

Errors a commissioner can fix (an unknown script or version, a refused publish,
a file that does not load) print one line on stderr and exit 1; problems in a
script are printed first as ``file:line:col: severity: message``.
"""

from __future__ import annotations

import asyncio
import getpass
import re
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from callflow.settings import Settings
from callflow.storage import Database
from ivr_scripts import (
    Catalogue,
    CatalogueError,
    IvrScriptsError,
    Problem,
    Script,
    load_catalogue,
    load_text,
    shipped_catalogue,
)
from ivr_scripts.loader import Loaded
from ivr_scripts.store import ScriptStore, StoredVersion

T = TypeVar("T")

VERSION_REF = re.compile(r"^(?P<name>[a-z0-9][a-z0-9_-]{0,63})@(?P<version>\d+|published|latest)$")


def default_author() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


author_option = click.option(
    "--author",
    default=default_author,
    show_default="your login name",
    help="who makes the change (kept in the audit log)",
)
catalogue_options = [
    click.option(
        "--catalogue",
        "catalogue_path",
        type=click.Path(exists=True, dir_okay=False),
        help="known destinations, prompts, flags... [default: the shipped catalogue]",
    ),
    click.option(
        "--destinations",
        "destinations_path",
        type=click.Path(exists=True, dir_okay=False),
        help="take the known destinations from this destinations YAML (its 'destinations' keys)",
    ),
]


def with_catalogue_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(catalogue_options):
        fn = option(fn)
    return fn


def build_catalogue(catalogue_path: str | None, destinations_path: str | None) -> Catalogue:
    try:
        catalogue = load_catalogue(catalogue_path) if catalogue_path else shipped_catalogue()
    except CatalogueError as exc:
        print_problems(exc.problems)
        raise click.ClickException(f"cannot read the catalogue {catalogue_path}") from None
    if destinations_path:
        try:
            data = yaml.safe_load(Path(destinations_path).read_text(encoding="utf-8"))
            names = list(data["destinations"])
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            raise click.ClickException(
                f"{destinations_path}: not a destinations file ({type(exc).__name__})"
            ) from None
        catalogue = catalogue.with_destinations(str(n) for n in names)
    return catalogue


def print_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem))


@contextmanager
def database() -> Iterator[Database]:
    """The configured database, migrated."""
    db = Database(Settings().database_url)
    try:
        db.migrate()
        yield db
    finally:
        db.dispose()


def run_with_store(
    work: Callable[[ScriptStore], Coroutine[Any, Any, T]], catalogue: Catalogue | None = None
) -> T:
    """Run ``work`` against the version store; store errors become one-line user errors."""
    with database() as db:
        try:
            return asyncio.run(work(ScriptStore(db, catalogue=catalogue)))
        except IvrScriptsError as exc:
            raise click.ClickException(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Source:
    """A script to work on: a file, or a stored version (``NAME@3``, ``NAME@published``)."""

    label: str
    text: str
    version: int | None = None

    def load(self, catalogue: Catalogue | None = None) -> Loaded:
        loaded = load_text(self.text, self.label, catalogue=catalogue)
        if loaded.script is not None and self.version is not None:
            return Loaded(replace(loaded.script, version=str(self.version)), loaded.problems)
        return loaded


def read_source(ref: str) -> Source:
    """A file path, or ``NAME@VERSION`` / ``NAME@published`` / ``NAME@latest`` from the store."""
    path = Path(ref)
    if path.is_file():
        return Source(str(path), path.read_text(encoding="utf-8"))
    match = VERSION_REF.match(ref)
    if match is None:
        raise click.ClickException(f"{ref}: no such file (or NAME@VERSION of a saved script)")
    return stored_source(match["name"], match["version"])


def stored_source(name: str, version: str) -> Source:
    async def work(store: ScriptStore) -> StoredVersion:
        if version == "published":
            found = await store.published(name)
            if found is None:
                raise click.ClickException(f"script '{name}' has no published version")
            return found
        if version == "latest":
            return await store.latest(name)
        return await store.get(name, int(version))

    stored = run_with_store(work)
    return Source(stored.filename, stored.source, stored.info.version)


def parse_version(value: str) -> str:
    """A version argument: a number, ``published`` or ``latest``."""
    if value.isdigit() or value in ("published", "latest"):
        return value
    raise click.BadParameter(f"'{value}' is not a version number, 'published' or 'latest'")


def loaded_or_fail(loaded: Loaded, label: str) -> Script:
    """The script, or the problems printed and a one-line error."""
    if loaded.script is None:
        print_problems(loaded.problems)
        raise click.ClickException(f"{label} does not load; nothing to run")
    return loaded.script
