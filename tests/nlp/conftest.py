"""Shared helpers for the nlp tests: a fixed 'today' and the corpora's paths."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

TODAY = dt.date(2025, 6, 1)
DATA = Path(__file__).with_name("data")
SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpus"
DEV_DEMOGRAPHICS = SHARED / "demographics-dev.jsonl"
DEV_REASONS = SHARED / "reasons-dev.jsonl"


def load_cli_module() -> ModuleType:
    """``callflow/cli/nlp.py`` loaded on its own (it imports nothing of callflow)."""
    path = Path(__file__).resolve().parents[2] / "callflow" / "cli" / "nlp.py"
    spec = importlib.util.spec_from_file_location("urgentline_cli_nlp_under_test", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dev_demographics() -> Path:
    if not DEV_DEMOGRAPHICS.exists():
        pytest.skip(f"dev corpus not found at {DEV_DEMOGRAPHICS}")
    return DEV_DEMOGRAPHICS


@pytest.fixture(scope="session")
def dev_reasons() -> Path:
    if not DEV_REASONS.exists():
        pytest.skip(f"dev corpus not found at {DEV_REASONS}")
    return DEV_REASONS
