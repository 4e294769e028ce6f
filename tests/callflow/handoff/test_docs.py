"""docs/handoff.md stays true: its example is the builder's output, its code samples work."""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from callflow.handoff.bundle import StatedDemographics, build_bundle, validate_bundle
from callflow.handoff.outbox import backoff_delay
from callflow.handoff.settings import HandoffSettings
from callflow.handoff.signing import signed_headers

from .conftest import patient_facts

DOC = Path(__file__).resolve().parents[3] / "docs" / "handoff.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_example_is_what_the_builder_makes() -> None:
    facts = patient_facts(
        handoff_id="6f1c2d1e-3b7a-4c52-9d0e-5a4b3c2d1e0f", call_id="1767607200.42"
    )
    facts = replace(
        facts,
        nhs_number="9990000018",
        demographics=StatedDemographics(
            "Julie", "Jones", date(1959, 5, 4), "LS10 4YU", 0.82, "speech"
        ),
        answers=facts.answers[:1],
    )
    (example,) = blocks("json")
    assert json.loads(example) == build_bundle(facts)
    validate_bundle(json.loads(example))


def test_the_python_verification_sample_works() -> None:
    sample = next(code for code in blocks("python") if "def verify(" in code)
    namespace: dict[str, Any] = {}
    exec(sample, namespace)  # the documented code, as a provider would paste it
    verify = namespace["verify"]
    body = b'{"resourceType":"Bundle"}'
    headers = signed_headers(b"key", body, idempotency_key="h", timestamp=int(time.time()))
    assert verify([b"old", b"key"], body, headers)
    assert not verify([b"other"], body, headers)
    assert not verify([b"key"], body + b" ", headers)
    stale = signed_headers(b"key", body, idempotency_key="h", timestamp=int(time.time()) - 600)
    assert not verify([b"key"], body, stale)


def test_the_documented_retry_schedule() -> None:
    defaults = HandoffSettings(_env_file=None)
    attempts = defaults.handoff_max_attempts
    assert (attempts, defaults.handoff_backoff_base_s, defaults.handoff_backoff_max_s) == (
        15,
        2.0,
        900.0,
    )

    def total(jitter: float) -> float:
        return sum(
            backoff_delay(n, base_s=2.0, max_s=900.0, jitter=jitter) for n in range(1, attempts)
        )

    assert total(0.0) >= 45 * 60 and total(1.0) <= 93 * 60  # "about 45-90 minutes"
    text = DOC.read_text(encoding="utf-8")
    assert "15 attempts" in text and "45\N{EN DASH}90 minutes" in text
