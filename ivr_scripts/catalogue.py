"""What exists outside the script: destinations, recorded prompts, flags, webhook targets...

The checker is given a catalogue rather than knowing these itself, so the
same checker serves the shipped catalogue in CI, the live destinations of a
deployment and a commissioner's test catalogue. Each list may be absent: an
absent list is not checked.

File format (YAML)::

    destinations: [dental, crisis, default111]
    prompts: [safety-999, welcome]          # recordings under sound:urgentline/
    flags: [flu_surge]
    notify_targets: [palliative-team]
    sms_templates: [pharmacy-finder]
    care_plan_types: [end_of_life, mental_health]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ivr_scripts.errors import CatalogueError
from ivr_scripts.problems import Problem
from ivr_scripts.yamlsource import read_yaml

SHIPPED_CATALOGUE = Path(__file__).resolve().parent / "catalogue.yaml"
FIELDS = (
    "destinations",
    "prompts",
    "flags",
    "notify_targets",
    "sms_templates",
    "care_plan_types",
)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Known names; ``None`` means "do not check this kind of name"."""

    destinations: frozenset[str] | None = None
    prompts: frozenset[str] | None = None
    flags: frozenset[str] | None = None
    notify_targets: frozenset[str] | None = None
    sms_templates: frozenset[str] | None = None
    care_plan_types: frozenset[str] | None = None

    def with_destinations(self, names: Iterable[str]) -> Catalogue:
        """The same catalogue with ``names`` as the known destinations."""
        return replace(self, destinations=frozenset(names))


def parse_catalogue(text: str, filename: str = "<catalogue>") -> Catalogue:
    """Read a catalogue; raise ``CatalogueError`` with positions when it is malformed."""
    data, source, problems = read_yaml(text, filename)
    if data is None or problems:
        raise CatalogueError(problems)
    if not isinstance(data, dict):
        raise CatalogueError([Problem(filename, 1, 1, "a catalogue is a mapping of lists")])
    values: dict[str, frozenset[str]] = {}
    for key, value in data.items():
        line, col = source.key_at((key,))
        if key not in FIELDS:
            raise CatalogueError(
                [Problem(filename, line, col, f"unknown list '{key}' (known: {list(FIELDS)})")]
            )
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise CatalogueError([Problem(filename, line, col, f"'{key}' must be a list of names")])
        values[key] = frozenset(value)
    return Catalogue(**values)


def load_catalogue(path: str | Path) -> Catalogue:
    path = Path(path)
    return parse_catalogue(path.read_text(encoding="utf-8"), str(path))


def shipped_catalogue() -> Catalogue:
    """The catalogue the shipped scripts are checked against in CI."""
    return load_catalogue(SHIPPED_CATALOGUE)
