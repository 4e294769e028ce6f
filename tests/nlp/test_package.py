from __future__ import annotations

import subprocess
import sys

import nlp
from nlp.bench import extraction_latency, sample_utterances


def test_public_face() -> None:
    for name in nlp.__all__:
        assert hasattr(nlp, name), name


def test_nlp_imports_nothing_of_the_project() -> None:
    code = (
        "import sys, nlp, nlp.asr, nlp.asr.sphinx, nlp.bench, nlp.redaction;"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('callflow', 'ivr_scripts', 'careplans', 'dashboards', 'sip_lab')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_extraction_latency_report() -> None:
    report = extraction_latency(sample_utterances(30), repeat=1, warmup=5)
    data = report.to_json()
    assert data["n"] == 30 and data["p99_ms"] >= data["p50_ms"] > 0
    assert report.pipeline == nlp.pipeline_info()["pipeline"]
