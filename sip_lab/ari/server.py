"""``AriSimulator``: a fake Asterisk 22 speaking ARI over real HTTP and WebSocket.

Usage::

    async with AriSimulator(port=0, strict=True, provider_hold_ms=300) as sim:
        # the client under test talks to sim.base_url (REST + /events WebSocket);
        # the test plays callers and providers through sim.control_url (/_lab).
        ...

Shutdown closes the event WebSockets first (clients see a close, not a silent
socket that outlives the REST port), then cancels the simulation's tasks, then
stops the HTTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from types import TracebackType

from aiohttp import web

from sip_lab.ari import control, rest
from sip_lab.ari.config import SimConfig
from sip_lab.ari.simulation import SIMULATION, Simulation
from sip_lab.ari.spec import ApiSpec

SHUTDOWN_TIMEOUT_S = 2.0


class AriSimulator:
    """One simulated Asterisk on ``host:port`` (``port=0`` picks a free port)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8088,
        user: str = "urgentline",
        password: str = "urgentline",
        *,
        strict: bool = False,
        system_name: str = "lab",
        provider_answer_ms: int = 150,
        provider_hold_ms: int = 2000,
        media_ms: int = 300,
        dtmf_interval_ms: int = 150,
        dialplan_hold_ms: int | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self._port: int | None = None
        config = SimConfig(
            system_name=system_name,
            strict=strict,
            media_ms=media_ms,
            dtmf_interval_ms=dtmf_interval_ms,
            provider_answer_ms=provider_answer_ms,
            provider_hold_ms=provider_hold_ms,
            dialplan_hold_ms=provider_hold_ms if dialplan_hold_ms is None else dialplan_hold_ms,
        )
        self.simulation = Simulation.create(config, user, password, ApiSpec())
        self._runner: web.AppRunner | None = None

    @property
    def config(self) -> SimConfig:
        """The live configuration (timings may be changed between calls)."""
        return self.simulation.config

    @property
    def port(self) -> int:
        """The bound port (after ``start()``)."""
        if self._port is None:
            raise RuntimeError("the simulator is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port/ari``: what the ARI client is configured with."""
        return f"http://{self.host}:{self.port}/ari"

    @property
    def control_url(self) -> str:
        """``http://host:port/_lab``: the control plane."""
        return f"http://{self.host}:{self.port}/_lab"

    def make_app(self) -> web.Application:
        """The aiohttp application (also usable with aiohttp's test client)."""
        app = web.Application(middlewares=[control.errors_middleware])
        app[SIMULATION] = self.simulation
        app.router.add_routes(control.routes)
        app.router.add_route("*", "/ari{tail:(/.*)?}", rest.handle)
        app.on_shutdown.append(self._close_sockets)
        return app

    async def start(self) -> None:
        """Bind and serve."""
        if self._runner is not None:
            return
        runner = web.AppRunner(
            self.make_app(), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        addresses = runner.addresses
        self._port = int(addresses[0][1]) if addresses else self._requested_port

    async def _close_sockets(self, _app: web.Application) -> None:
        await self.simulation.apps.aclose()

    async def aclose(self) -> None:
        """Close the WebSockets, stop every simulated call, then the server."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        await self.simulation.apps.aclose()
        await self.simulation.engine.aclose()
        await runner.cleanup()

    async def __aenter__(self) -> AriSimulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def serve(
    host: str = "127.0.0.1",
    port: int = 8088,
    user: str = "urgentline",
    password: str = "urgentline",
    strict: bool = False,
    *,
    on_ready: Callable[[AriSimulator], None] | None = None,
    media_ms: int = 300,
    provider_answer_ms: int = 150,
    provider_hold_ms: int = 2000,
) -> None:
    """Run a simulator until cancelled (``urgentline lab ari``).

    Args:
        host: Address to bind.
        port: Port to bind (0 picks a free one; ``on_ready`` sees which).
        user: ARI user name.
        password: ARI password.
        strict: Refuse requests the spec does not allow (beyond Asterisk).
        on_ready: Called once the simulator listens.
        media_ms, provider_answer_ms, provider_hold_ms: timings as for ``AriSimulator``
            (the benchmark shrinks them to milliseconds).
    """
    simulator = AriSimulator(
        host,
        port,
        user,
        password,
        strict=strict,
        media_ms=media_ms,
        provider_answer_ms=provider_answer_ms,
        provider_hold_ms=provider_hold_ms,
    )
    await simulator.start()
    try:
        if on_ready is not None:
            on_ready(simulator)
        await asyncio.Event().wait()
    finally:
        with contextlib.suppress(Exception):
            await simulator.aclose()
