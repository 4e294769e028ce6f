"""Fixtures: a simulator on an ephemeral loopback port (strict, fast timings) and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sip_lab.ari import AriSimulator
from tests.sip_lab.labkit import PASSWORD, USER, Ari

FAST = {
    "provider_answer_ms": 20,
    "provider_hold_ms": 150,
    "media_ms": 60,
    "dtmf_interval_ms": 20,
    "dialplan_hold_ms": 100,
}


@pytest.fixture
async def sim() -> AsyncIterator[AriSimulator]:
    """A strict simulator, as the project's tests run it."""
    async with AriSimulator(port=0, user=USER, password=PASSWORD, strict=True, **FAST) as s:
        yield s


@pytest.fixture
async def loose_sim() -> AsyncIterator[AriSimulator]:
    """A non-strict simulator: behaves exactly like Asterisk."""
    async with AriSimulator(port=0, user=USER, password=PASSWORD, strict=False, **FAST) as s:
        yield s


@pytest.fixture
async def ari(sim: AriSimulator) -> AsyncIterator[Ari]:
    """A client of the strict simulator."""
    client = Ari(sim.base_url, sim.control_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def loose(loose_sim: AriSimulator) -> AsyncIterator[Ari]:
    """A client of the non-strict simulator."""
    client = Ari(loose_sim.base_url, loose_sim.control_url)
    try:
        yield client
    finally:
        await client.aclose()
