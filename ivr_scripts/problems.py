"""What the loader and the checker report: a position in the file and a message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, printed as ``file:line:col: severity: message`` (1-based line and column).

    Errors stop a script from being published (and from loading, for the live
    service); warnings are advice a commissioner should read.
    """

    file: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def errors(problems: list[Problem]) -> list[Problem]:
    """Only the errors among ``problems``."""
    return [p for p in problems if p.is_error]


def ordered(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, errors before warnings at the same place, without duplicates."""
    unique = dict.fromkeys(problems)
    return sorted(unique, key=lambda p: (p.file, p.line, p.col, p.severity != "error", p.message))
