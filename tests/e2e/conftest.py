"""The whole service against the ARI simulator, on both storage back ends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from callflow.service import Service
from callflow.sessions.session import CALLBACK_OFFER_MEDIA
from callflow.settings import Settings
from callflow.storage import Database, RedisStore
from ivr_scripts import Script, parse_script
from ivr_scripts.loader import SCRIPTS_DIR
from sip_lab.ari import AriSimulator

USER, PASSWORD = "svc", "s3cret-pw"


def fast_london() -> Script:
    """The shipped script with a short menu timeout, so no-input paths run quickly."""
    text = (SCRIPTS_DIR / "london.yaml").read_text()
    return parse_script(text.replace("timeout_s: 5", "timeout_s: 1"), "london-fast.yaml")


@pytest.fixture
async def sim() -> AsyncIterator[AriSimulator]:
    async with AriSimulator(
        port=0,
        user=USER,
        password=PASSWORD,
        strict=True,
        provider_answer_ms=30,
        provider_hold_ms=300,
    ) as simulator:
        yield simulator


def service_settings(sim: AriSimulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "ari_url": sim.base_url,
        "ari_user": USER,
        "ari_password": PASSWORD,
        "dial_timeout_s": 2,
        "migrate_on_start": False,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def service(
    sim: AriSimulator, database: Database, redis_store: RedisStore
) -> AsyncIterator[Service]:
    async with Service(
        service_settings(sim), db=database, redis=redis_store, script=fast_london()
    ) as svc:
        assert svc.events is not None
        assert await svc.events.wait_connected(5)
        yield svc


class Lab:
    """A thin client of the simulator's control plane."""

    def __init__(self, control_url: str) -> None:
        self.url = control_url

    async def call(
        self, caller: str = "+447700900123", *steps: dict[str, Any], **extra: Any
    ) -> str:
        body = {"caller": caller, "app": "urgentline", "args": ["inbound"], "script": list(steps)}
        body.update(extra)
        async with aiohttp.ClientSession() as http, http.post(f"{self.url}/calls", json=body) as r:
            assert r.status == 201, await r.text()
            return str((await r.json())["channel_id"])

    async def get(self, path: str) -> Any:
        async with aiohttp.ClientSession() as http, http.get(f"{self.url}{path}") as r:
            assert r.status == 200, await r.text()
            return await r.json()

    async def heard(self, channel: str, media: str, timeout_s: float = 10) -> list[str]:
        """Wait until the caller has been played ``media``; what they heard so far."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        played: list[str] = []
        while asyncio.get_running_loop().time() < deadline:
            played = (await self.get(f"/calls/{channel}"))["media_played"]
            if media in played:
                return played
            await asyncio.sleep(0.05)
        raise AssertionError(f"{media} not played; heard {played}")

    async def accept_call_back(self, channel: str) -> None:
        """Press 1 once the offer is heard (not at a guessed time); see the line released."""
        await self.heard(channel, CALLBACK_OFFER_MEDIA, timeout_s=15)
        await self.send("POST", f"/calls/{channel}/act", {"dtmf": "1"})
        for _ in range(100):
            if (await self.get(f"/calls/{channel}"))["hangup_by"] == "app":
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the line was not released after the call back was accepted")

    async def send(self, method: str, path: str, body: Any = None) -> None:
        async with (
            aiohttp.ClientSession() as http,
            http.request(method, f"{self.url}{path}", json=body) as r,
        ):
            assert r.status < 300, await r.text()


@pytest.fixture
def lab(sim: AriSimulator) -> Lab:
    return Lab(sim.control_url)
