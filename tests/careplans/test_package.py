"""The registry's public face; and, per DESIGN's import table, it imports nothing of ours."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import careplans

ROOT = Path(__file__).resolve().parents[2]


def test_public_names_exist_once() -> None:
    assert len(set(careplans.__all__)) == len(careplans.__all__)
    for name in careplans.__all__:
        assert hasattr(careplans, name), name


def test_careplans_imports_nothing_of_the_project() -> None:
    code = (
        "import sys, pkgutil, importlib, careplans\n"
        "for m in pkgutil.iter_modules(careplans.__path__):\n"
        "    importlib.import_module('careplans.' + m.name)\n"
        "ours = {'callflow', 'ivr_scripts', 'nlp', 'dashboards', 'sip_lab'}\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ours))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
