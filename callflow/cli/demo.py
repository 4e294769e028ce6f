"""``urgentline demo``: everything embedded in one process.

The ARI simulator (with simulated providers), a traffic generator and the
service with its HTTP port and the supervisors' dashboard, on the embedded
defaults (SQLite file under ``./var``, fakeredis). Prints progress on stderr
and, at the end, one line of JSON on stdout counted from the CallRecords of
this run, with whether the dashboard's live figures agree with them.
``--outbreak-after`` adds a burst of callers describing diarrhoea and vomiting,
to watch the syndromic loop raise an alarm and propose a front-end message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

import aiohttp
import click
from aiohttp import web

from callflow.app import DASHBOARDS, create_app
from callflow.auth import AUTH_SERVICE
from callflow.handoff.settings import HandoffSettings
from callflow.plans.accesslog import QuerylessAccessLogger
from callflow.routing.destinations import load_destinations
from callflow.service import Service
from callflow.settings import Settings

DEMO_USER = "demo"


@click.command()
@click.option("--calls", type=int, default=None, help="Stop after this many calls have ended.")
@click.option("--rate", type=float, default=2.0, show_default=True, help="New calls per second.")
@click.option("--minutes", type=float, default=None, help="Stop after this many minutes.")
@click.option("--port", type=int, default=None, help="HTTP port (default URGENTLINE_HTTP_PORT).")
@click.option("--seed", type=int, default=1, show_default=True, help="Traffic mix seed.")
@click.option(
    "--outbreak-after",
    type=float,
    default=None,
    help="Seconds in: add 40 callers describing diarrhoea and vomiting (syndromic loop).",
)
def demo(
    calls: int | None,
    rate: float,
    minutes: float | None,
    port: int | None,
    seed: int,
    outbreak_after: float | None,
) -> None:
    """Run simulator, providers, traffic, the service and its dashboard (Ctrl-C ends it)."""
    if calls is not None and calls <= 0:
        raise click.BadParameter("must be positive", param_hint="--calls")
    if rate <= 0:
        raise click.BadParameter("must be positive", param_hint="--rate")
    if outbreak_after is not None and outbreak_after < 0:
        raise click.BadParameter("must not be negative", param_hint="--outbreak-after")
    summary = asyncio.run(
        run_demo(
            calls=calls,
            rate=rate,
            minutes=minutes,
            port=port,
            seed=seed,
            outbreak_after=outbreak_after,
        )
    )
    click.echo(json.dumps(summary, sort_keys=True))
    if summary["errors"]:
        sys.exit(1)


OUTBREAK_CALLS = 40


async def run_demo(
    *,
    calls: int | None,
    rate: float,
    minutes: float | None,
    port: int | None,
    seed: int,
    outbreak_after: float | None = None,
) -> dict[str, Any]:
    from sip_lab.ari import AriSimulator
    from sip_lab.traffic import TrafficMix, run_traffic

    base = Settings()
    async with AriSimulator(
        port=0, user=base.ari_user, password=base.ari_password.get_secret_value()
    ) as sim:
        settings = Settings(ari_url=sim.base_url, http_port=port or base.http_port)
        # Handoffs go to the simulated providers' webhooks (one inbox per provider).
        webhooks = {
            key: f"{sim.control_url}/webhooks/{key}" for key in load_destinations().destinations
        }
        service = Service(
            settings,
            handoff_settings=HandoffSettings(handoff_webhooks=webhooks, handoff_poll_s=0.2),
        )
        app = create_app(settings, service)
        async with service:
            runner = web.AppRunner(app, access_log_class=QuerylessAccessLogger)
            await runner.setup()
            try:
                site = web.TCPSite(runner, settings.http_host, settings.http_port)
                await site.start()
                await _announce(app, settings, sim.base_url)
                assert service.events is not None
                if not await service.events.wait_connected(10):
                    raise click.ClickException("the service could not connect to the simulator")
                started = datetime.now(UTC)
                limit_s = minutes * 60 if minutes else None
                total = calls if calls is not None else int((limit_s or 10**7) * rate)
                traffic = asyncio.create_task(
                    run_traffic(
                        sim.control_url,
                        calls=total,
                        rate=rate,
                        seed=seed,
                        # Some callers say why they call: the syndromic page has data.
                        mix=TrafficMix(invalid_key=0.10, no_input=0.05, speak_reason=0.10),
                    )
                )
                outbreak: asyncio.Task[list[str]] | None = None
                if outbreak_after is not None:
                    outbreak = asyncio.create_task(
                        _outbreak(sim.control_url, outbreak_after, rate, seed)
                    )
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                loop.add_signal_handler(signal.SIGINT, stop.set)
                try:
                    await _progress(service, started, calls, limit_s, stop)
                finally:
                    loop.remove_signal_handler(signal.SIGINT)
                    for task in (traffic, outbreak):
                        if task is not None:
                            task.cancel()
                            with contextlib.suppress(asyncio.CancelledError):
                                await task
                # Let calls in progress end (never cut a caller off in a demo either).
                if service.sessions is not None:
                    await service.sessions.drain(30)
                summary = await service.summary(since=started)
                summary["handoffs_delivered"] = await _handoffs_delivered(sim.control_url)
                if DASHBOARDS in app:
                    summary["dashboard"] = await _dashboard_check(app, summary)
                return summary
            finally:
                await runner.cleanup()


async def _outbreak(control_url: str, after_s: float, rate: float, seed: int) -> list[str]:
    from sip_lab.traffic import TrafficMix, run_traffic

    await asyncio.sleep(after_s)
    click.echo(f"\noutbreak: {OUTBREAK_CALLS} callers with diarrhoea and vomiting", err=True)
    return await run_traffic(
        control_url, calls=OUTBREAK_CALLS, rate=rate, seed=seed + 1, mix=TrafficMix.outbreak()
    )


async def _dashboard_check(app: web.Application, summary: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's live figures for this run, and whether they agree with the records."""
    dashboards = app[DASHBOARDS]
    await dashboards.consumer.drain(10)
    figures = (await dashboards.board(datetime.now(UTC))).system.figures
    connected = sum(summary["routed"].values()) + summary["fallback"]
    syndromic = await dashboards.syndromic(datetime.now(UTC))
    return {
        "received": figures.a01_received,
        "answered": figures.a03_answered,
        "matches_records": (figures.a01_received, figures.a03_answered)
        == (summary["calls"], connected),
        "alerts_open": len(await dashboards.alerts()),
        "syndromic_alarms": len(syndromic.alarms),
        "proposals": [p.flag for p in syndromic.proposals if p.status == "proposed"],
    }


async def _handoffs_delivered(control_url: str, wait_s: float = 5.0) -> int:
    """Handoffs the simulated providers accepted (waits briefly for the outbox to drain)."""
    async with aiohttp.ClientSession() as http:
        count, deadline = -1, time.monotonic() + wait_s
        while time.monotonic() < deadline:
            async with http.get(f"{control_url}/webhooks") as reply:
                now = sum(len(keys) for keys in (await reply.json()).values())
            if now == count:
                break
            count = now
            await asyncio.sleep(0.5)
        return count


async def _announce(app: web.Application, settings: Settings, ari_url: str) -> None:
    password = secrets.token_urlsafe(12)
    auth = app[AUTH_SERVICE]
    await auth.ensure_user(DEMO_USER, password, roles=["admin"])
    url = f"http://{settings.http_host}:{settings.http_port}"
    click.echo(f"ARI simulator at {ari_url}", err=True)
    click.echo(f"service at {url}  (health: {url}/healthz, metrics: {url}/metrics)", err=True)
    click.echo(f"supervisors' dashboard at {url}/dashboard", err=True)
    click.echo(f"log in at {url}/login as '{DEMO_USER}' with password '{password}'", err=True)


async def _progress(
    service: Service,
    started: datetime,
    calls: int | None,
    limit_s: float | None,
    stop: asyncio.Event,
) -> None:
    """One progress line a second until the calls have ended, time is up or Ctrl-C."""
    t0 = time.monotonic()
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
        summary = await service.summary(since=started)
        elapsed = time.monotonic() - t0
        target = f"/{calls}" if calls else ""
        click.echo(
            f"\r[{elapsed:5.0f}s] ended {summary['calls']}{target}  active {service.active_calls}"
            f"  routed {sum(summary['routed'].values())}  fallback {summary['fallback']}"
            f"  abandoned {summary['abandoned']}  errors {summary['errors']}   ",
            err=True,
            nl=False,
        )
        if calls is not None and summary["calls"] >= calls:
            break
        if limit_s is not None and elapsed >= limit_s:
            break
    click.echo("", err=True)
