"""The web part's public face, and the packages it may not reach."""

from __future__ import annotations

import subprocess
import sys

import dashboards.web


def test_public_face() -> None:
    for name in dashboards.web.__all__:
        assert hasattr(dashboards.web, name), name


def test_web_part_imports_neither_sibling_parts_nor_call_control() -> None:
    forbidden = (
        "dashboards.metrics",
        "dashboards.alerts",
        "dashboards.syndromic",
        "callflow.ari",
        "callflow.sessions",
        "callflow.routing",
        "sip_lab",
    )
    code = (
        "import sys, dashboards.web;"
        f"bad = [m for m in sys.modules if m.startswith({forbidden!r})];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
