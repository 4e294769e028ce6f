"""The alerts' public face, DESIGN's import table, and the engine's purity."""

from __future__ import annotations

from pathlib import Path

import dashboards.alerts
from tests.dashboards.imports import clock_reads, imports

PACKAGE = Path(dashboards.alerts.__file__).parent
ALLOWED_CALLFLOW = {"callflow.events", "callflow.storage", "callflow.auth", "callflow.errors"}
PURE = ("engine.py", "rules.py", "errors.py")
IMPURE = {"asyncio", "aiohttp", "aiosmtplib", "redis", "sqlmodel", "sqlalchemy", "time", "random"}


def test_public_names_exist_once() -> None:
    names = dashboards.alerts.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(dashboards.alerts, name), name


def test_alerts_import_only_what_design_allows() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for module in imports(path):
            top = module.split(".")[0]
            assert top != "sip_lab", path.name
            if top == "callflow":
                assert ".".join(module.split(".")[:2]) in ALLOWED_CALLFLOW, (path.name, module)


def test_the_engine_does_no_io_and_reads_no_clock() -> None:
    for name in PURE:
        tops = {module.split(".")[0] for module in imports(PACKAGE / name)}
        assert not tops & IMPURE, (name, tops & IMPURE)
        assert clock_reads(PACKAGE / name) == [], name
