"""``AriSimulator`` lifecycle and ``serve()`` / ``urgentline lab ari``."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from click.testing import CliRunner

from callflow.cli.lab import lab
from sip_lab.ari import AriSimulator, serve
from tests.sip_lab.labkit import PASSWORD, USER, Ari


async def test_close_ends_event_sockets_before_the_server() -> None:
    sim = AriSimulator(port=0, user=USER, password=PASSWORD)
    await sim.start()
    ari = Ari(sim.base_url, sim.control_url)
    try:
        events = await ari.events()
        await sim.aclose()
        await asyncio.wait_for(events.closed.wait(), 2)
        assert events.ws.close_code == 1001
    finally:
        await ari.aclose()


async def test_port_zero_binds_a_free_port_and_urls_follow_it() -> None:
    async with AriSimulator(port=0) as sim:
        assert sim.port > 0
        assert sim.base_url == f"http://127.0.0.1:{sim.port}/ari"
        assert sim.control_url == f"http://127.0.0.1:{sim.port}/_lab"


async def test_serve_runs_until_cancelled() -> None:
    ready: asyncio.Future[AriSimulator] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve("127.0.0.1", 0, "u", "p", True, on_ready=ready.set_result))
    sim = await asyncio.wait_for(ready, 5)
    async with (
        aiohttp.ClientSession() as http,
        http.get(sim.base_url + "/asterisk/ping", params={"api_key": "u:p"}) as response,
    ):
        assert response.status == 200
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert sim.simulation.apps.sockets == set()


def test_lab_ari_command_documents_its_options() -> None:
    result = CliRunner().invoke(lab, ["ari", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    for option in ("--host", "--port", "--user", "--password", "--strict / --no-strict"):
        assert option in result.output
