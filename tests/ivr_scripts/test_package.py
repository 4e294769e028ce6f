"""The package's public face, its import boundaries, and the examples in the docs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import ivr_scripts
from ivr_scripts import load_text

DOCS = Path(__file__).resolve().parents[2] / "docs" / "scripts.md"


def test_the_public_face_is_pinned() -> None:
    assert sorted(ivr_scripts.__all__) == sorted(set(ivr_scripts.__all__))
    assert all(hasattr(ivr_scripts, name) for name in ivr_scripts.__all__)
    assert {"start", "step", "State", "CallContext", "parse_script", "load_text", "check"} <= set(
        ivr_scripts.__all__
    )


def test_the_package_imports_nothing_of_the_project_nor_a_database() -> None:
    code = (
        "import sys, ivr_scripts, ivr_scripts.simulate, ivr_scripts.impact;"
        "bad = {m for m in sys.modules if m.split('.')[0] in"
        " {'callflow', 'careplans', 'nlp', 'dashboards', 'sip_lab', 'sqlmodel', 'sqlalchemy',"
        " 'redis', 'asyncio', 'aiohttp'}};"
        "print(sorted(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_complete_examples_in_the_guide_load_cleanly() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text(), flags=re.S)
    complete = [b for b in blocks if re.search(r"^name: ", b, flags=re.M)]
    assert complete
    for block in complete:
        loaded = load_text(block, "docs/scripts.md")
        assert loaded.ok and not loaded.problems, loaded.problems
