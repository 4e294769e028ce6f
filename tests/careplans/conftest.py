"""Fixtures of the registry's tests: the shipped example files and their people."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "careplans" / "examples"


@pytest.fixture
def examples() -> Path:
    return EXAMPLES


@pytest.fixture
def ucp_bundle() -> bytes:
    return (EXAMPLES / "ucp-bundle.json").read_bytes()


@pytest.fixture
def eol_csv() -> bytes:
    return (EXAMPLES / "eol-register.csv").read_bytes()


@pytest.fixture
def mh_csv() -> bytes:
    return (EXAMPLES / "mh-crisis-register.csv").read_bytes()
