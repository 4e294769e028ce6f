"""Bank-holiday calendars shipped in ``ivr_scripts/calendars/<name>.yaml``."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ivr_scripts.errors import CatalogueError
from ivr_scripts.problems import Problem
from ivr_scripts.yamlsource import read_yaml

CALENDARS_DIR = Path(__file__).resolve().parent / "calendars"


@dataclass(frozen=True, slots=True)
class Calendar:
    """Named holidays, and the last day the list is known to be complete."""

    name: str
    dates: dict[date, str]
    until: date


def available() -> list[str]:
    return sorted(p.stem for p in CALENDARS_DIR.glob("*.yaml"))


@functools.lru_cache(maxsize=8)
def load_calendar(name: str) -> Calendar:
    """The shipped calendar ``name``.

    Raises:
        KeyError: no calendar of that name is shipped.
        CatalogueError: the calendar file is malformed (a packaging bug).
    """
    path = CALENDARS_DIR / f"{name}.yaml"
    if name not in available():
        raise KeyError(name)
    filename = str(path)
    data, source, problems = read_yaml(path.read_text(encoding="utf-8"), filename)
    if problems or not isinstance(data, dict) or not isinstance(data.get("dates"), dict):
        raise CatalogueError(problems or [Problem(filename, 1, 1, "a calendar needs 'dates'")])
    try:
        dates = {date.fromisoformat(str(day)): str(what) for day, what in data["dates"].items()}
        until = date.fromisoformat(str(data.get("until", max(dates))))
    except ValueError as exc:
        line, col = source.at(("dates",))
        raise CatalogueError([Problem(filename, line, col, f"bad date: {exc}")]) from exc
    return Calendar(name, dates, until)
