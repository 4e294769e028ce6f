"""The syndromic package's public face, DESIGN's import table, and its pure core."""

from __future__ import annotations

from pathlib import Path

import dashboards.syndromic
from tests.dashboards.imports import clock_reads, imports

PACKAGE = Path(dashboards.syndromic.__file__).parent
ALLOWED_CALLFLOW = {"callflow.events", "callflow.storage", "callflow.auth", "callflow.errors"}
PURE = ("cells.py", "detectors.py", "farrington.py", "evaluation.py", "settings.py")
IMPURE = {"asyncio", "aiohttp", "redis", "sqlmodel", "sqlalchemy", "time", "random", "logging"}


def test_public_names_exist_once() -> None:
    names = dashboards.syndromic.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(dashboards.syndromic, name), name


def test_syndromic_imports_only_what_design_allows() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for module in imports(path):
            top = module.split(".")[0]
            assert top != "sip_lab", path.name
            if top == "callflow":
                assert ".".join(module.split(".")[:2]) in ALLOWED_CALLFLOW, (path.name, module)


def test_the_detectors_do_no_io_and_read_no_clock() -> None:
    for name in PURE:
        found = imports(PACKAGE / name)
        tops = {module.split(".")[0] for module in found}
        assert not tops & IMPURE, (name, tops & IMPURE)
        local = {m for m in found if m.startswith("dashboards.syndromic.")}
        assert {m.rsplit(".", 1)[1] + ".py" for m in local} <= set(PURE), (name, local)
        assert clock_reads(PACKAGE / name) == [], name
