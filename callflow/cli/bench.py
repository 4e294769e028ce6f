"""``urgentline bench``: calls per second and cost per call, against a floor.

The simulator and the load driver run as child processes, so the CPU time
measured here (``time.process_time`` of this process, all threads) is the
service's own. In the same run, on the same simulator, a bare ARI app (answer,
hang up) sets the floor: ``ratio_to_floor`` is what the overlay costs on top of
the least any ARI application must spend.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import click

from callflow.handoff.settings import HandoffSettings
from callflow.service import Service
from callflow.settings import Settings
from callflow.storage import Database, RedisStore
from ivr_scripts.loader import SCRIPTS_DIR, load_script

USER, PASSWORD = "bench", "bench-secret"


@click.command()
@click.option("--calls", type=int, default=300, show_default=True, help="Calls per phase.")
@click.option("--concurrency", type=int, default=50, show_default=True, help="Calls in flight.")
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON result.")
@click.option(
    "--components/--calls-only",
    default=True,
    show_default=True,
    help="Also measure the queue, handoff delivery, plan lookup and speech extraction.",
)
def bench(calls: int, concurrency: int, as_json: bool, components: bool) -> None:
    """Push CALLS calls through simulator + service and through a bare ARI app."""
    if calls <= 0 or concurrency <= 0:
        raise click.BadParameter("--calls and --concurrency must be positive")
    if as_json:
        logging.getLogger().setLevel(logging.WARNING)
    result = asyncio.run(run_bench(calls=calls, concurrency=concurrency, quiet=as_json))
    if components:
        result["components"] = asyncio.run(run_components(quiet=as_json))
    click.echo(json.dumps(result, indent=None if as_json else 2, sort_keys=True))


async def run_components(*, quiet: bool = True) -> dict[str, Any]:
    """The parts a call leans on, each on the embedded back ends (SQLite + fakeredis)."""
    from callflow.handoff.bench import run_handoff_bench
    from callflow.plans.bench import bench_lookup
    from callflow.routing.bench import queue_throughput
    from dashboards.bench import run_dashboards_bench
    from nlp.bench import extraction_latency

    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    say(
        "components: queue, handoff delivery, care-plan lookup (10,000 plans), extraction,"
        " dashboards (alert latency, metrics ingest, rule evaluation)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'components.db'}")
        await asyncio.to_thread(db.migrate)
        redis = RedisStore(None)
        try:
            queue = await queue_throughput(redis)
            handoff = await run_handoff_bench(handoffs=500, concurrency=16)
            plans = await bench_lookup(db, redis, plans=10_000, samples=1_000, say=say)
            dashboards = await run_dashboards_bench(db, redis)
        finally:
            await redis.aclose()
            db.dispose()
    extraction = await asyncio.to_thread(extraction_latency)
    return {
        "queue": queue,
        "handoff": handoff,
        "careplan_lookup": plans,
        "extraction": extraction.to_json(),
        "dashboards": dashboards,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start_simulator(port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "callflow", "lab", "ari",
        "--port", str(port), "--user", USER, "--password", PASSWORD,
        "--media-ms", "1", "--provider-answer-ms", "2", "--provider-hold-ms", "200",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/ari/asterisk/ping"
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(url, auth=None, headers=_auth_header()) as reply:
                    if reply.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    process.kill()
    raise click.ClickException("the ARI simulator did not start")


def _auth_header() -> dict[str, str]:
    return {"Authorization": aiohttp.encode_basic_auth(USER, PASSWORD)}


async def _load(control_url: str, calls: int, concurrency: int, app: str) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sip_lab.bench.load",
        "--control-url", control_url, "--calls", str(calls),
        "--concurrency", str(concurrency), "--app", app,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise click.ClickException("the load driver failed")
    return dict(json.loads(out))


async def _records_written(service: Service, calls: int, timeout_s: float = 60) -> None:
    """The load driver saw the calls end; wait until their CallRecords are written too."""
    for _ in range(int(timeout_s / 0.05)):
        if (await service.summary())["calls"] >= calls:
            return
        await asyncio.sleep(0.05)
    raise click.ClickException("CallRecords missing after the load finished")


def _centile(samples: list[float], q: float) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


async def run_bench(*, calls: int, concurrency: int, quiet: bool = True) -> dict[str, Any]:
    from sip_lab.bench.floor import FloorApp

    def say(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    port = _free_port()
    simulator = await _start_simulator(port)
    base_url = f"http://127.0.0.1:{port}/ari"
    control_url = f"http://127.0.0.1:{port}/_lab"
    try:
        say(f"floor: {calls} calls through a bare ARI app (answer + hang up)")
        async with FloorApp(base_url, USER, PASSWORD, app="floor"):
            cpu0 = time.process_time()
            floor_load = await _load(control_url, calls, concurrency, "floor")
            floor_cpu_ms = (time.process_time() - cpu0) * 1000 / calls

        say(f"service: {calls} calls through urgentline (bench script, embedded storage)")
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                ari_url=base_url, ari_user=USER, ari_password=PASSWORD,
                database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", dial_timeout_s=10,
            )  # fmt: skip
            db = Database(settings.database_url)
            redis = RedisStore(None)
            script = load_script(SCRIPTS_DIR / "bench.yaml")
            # Handoffs are built and written with each record (the call's cost); their
            # delivery is measured on its own below, so no worker posts them here.
            no_delivery = HandoffSettings(handoff_worker_enabled=False)
            async with Service(
                settings, db=db, redis=redis, script=script, handoff_settings=no_delivery
            ) as service:
                assert service.events is not None
                if not await service.events.wait_connected(10):
                    raise click.ClickException("the service could not connect to the simulator")
                cpu0 = time.process_time()
                wall0 = time.monotonic()
                load = await _load(control_url, calls, concurrency, settings.ari_app)
                await _records_written(service, calls)
                wall = time.monotonic() - wall0
                cpu_ms = (time.process_time() - cpu0) * 1000 / calls
                summary = await service.summary()
                decisions = [s * 1000 for s in service.metrics.decision_samples]
                fallbacks = service.metrics.fallback_counts()
            db.dispose()
            await redis.aclose()
    finally:
        simulator.terminate()
        await simulator.wait()
    return {
        "calls": calls,
        "concurrency": concurrency,
        "calls_per_s": round(calls / wall, 1),
        "p50_decision_ms": round(_centile(decisions, 50), 2),
        "p99_decision_ms": round(_centile(decisions, 99), 2),
        "cpu_ms_per_call": round(cpu_ms, 2),
        "floor_cpu_ms_per_call": round(floor_cpu_ms, 2),
        "ratio_to_floor": round(cpu_ms / floor_cpu_ms, 2) if floor_cpu_ms else None,
        "floor_calls_per_s": round(calls / floor_load["elapsed_s"], 1),
        "service_outcomes": load["outcomes"],
        "records": summary,
        "fallback_reasons": fallbacks,
    }
