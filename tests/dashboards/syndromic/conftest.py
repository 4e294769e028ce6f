"""Fixtures for syndromic surveillance: a settable clock, recorded hooks, a monitor."""

from __future__ import annotations

import pytest

from callflow.storage import Database
from dashboards.syndromic import SyndromicMonitor, load_rules
from tests.dashboards.syndromic.kit import Clock, Hooks


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hooks() -> Hooks:
    return Hooks()


@pytest.fixture
def monitor(database: Database, clock: Clock, hooks: Hooks) -> SyndromicMonitor:
    """A monitor with the shipped message rules over the test's database."""
    return SyndromicMonitor(
        database,
        rules=load_rules(),
        clock=clock,
        raise_flag=hooks.raise_flag,
        on_alarm=hooks.on_alarm,
    )
