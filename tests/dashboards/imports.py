"""What a module imports, read from its source (for the packages' layering tests)."""

from __future__ import annotations

import ast
from pathlib import Path


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports by name (``import a.b``, ``from a.b import c``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


CLOCK_READS = frozenset({"now", "utcnow", "today", "monotonic", "perf_counter"})


def clock_reads(path: Path) -> list[str]:
    """Calls in ``path`` that read a clock (``datetime.now()``, ``time.monotonic()`` …)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_READS
    ]
