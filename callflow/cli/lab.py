"""``urgentline lab``: the ARI simulator and its traffic generator, from the command line.

``sip_lab`` is imported inside the commands: ``callflow`` must not depend on the
lab anywhere else, and the CLI is the one composition root (DESIGN).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from sip_lab.ari import AriSimulator


@click.group()
def lab() -> None:
    """Simulated Asterisk (ARI) and simulated callers for development and tests."""


@lab.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=8088, show_default=True, help="Port (0: any free).")
@click.option("--user", default="urgentline", show_default=True, help="ARI user.")
@click.option("--password", default="urgentline", show_default=True, help="ARI password.")
@click.option(
    "--strict/--no-strict",
    default=False,
    show_default=True,
    help="Refuse parameters the ARI spec does not allow (beyond what Asterisk checks).",
)
@click.option("--media-ms", type=int, default=300, show_default=True, help="Length of one prompt.")
@click.option(
    "--provider-answer-ms",
    type=int,
    default=150,
    show_default=True,
    help="Providers ring this long.",
)
@click.option(
    "--provider-hold-ms",
    type=int,
    default=2000,
    show_default=True,
    help="Providers stay on the line this long.",
)
def ari(
    host: str,
    port: int,
    user: str,
    password: str,
    strict: bool,
    media_ms: int,
    provider_answer_ms: int,
    provider_hold_ms: int,
) -> None:
    """Run the ARI simulator until Ctrl-C."""
    from sip_lab.ari import serve

    def announce(sim: AriSimulator) -> None:
        click.echo(f"ARI:           {sim.base_url}  (events: {sim.base_url}/events?app=...)")
        click.echo(f"control plane: {sim.control_url}")
        click.echo(f"strict mode:   {'on' if strict else 'off'}; Ctrl-C to stop")

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(
                host,
                port,
                user,
                password,
                strict,
                on_ready=announce,
                media_ms=media_ms,
                provider_answer_ms=provider_answer_ms,
                provider_hold_ms=provider_hold_ms,
            )
        )


@lab.command()
@click.option(
    "--control-url",
    default="http://127.0.0.1:8088/_lab",
    show_default=True,
    help="The simulator's control plane.",
)
@click.option("--calls", type=int, default=20, show_default=True, help="Calls to place.")
@click.option("--rate", type=float, default=2.0, show_default=True, help="New calls per second.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of the caller mix.")
@click.option(
    "--wait-s",
    type=float,
    default=0.0,
    show_default=True,
    help="Then wait this long for the calls to end and print their outcomes (0: don't).",
)
def traffic(control_url: str, calls: int, rate: float, seed: int, wait_s: float) -> None:
    """Place simulated inbound calls with a realistic mix of key presses and hang-ups."""
    from sip_lab.traffic import TrafficError, plan_calls, run_traffic, wait_for_calls_to_end

    if calls < 0:
        raise click.BadParameter("must not be negative", param_hint="--calls")
    if rate <= 0:
        raise click.BadParameter("must be positive", param_hint="--rate")
    kinds = Counter(p.kind for p in plan_calls(calls, seed=seed))
    try:
        ids = asyncio.run(run_traffic(control_url, calls=calls, rate=rate, seed=seed))
    except (TrafficError, OSError) as exc:
        raise click.ClickException(f"could not place calls: {exc}") from exc
    click.echo(json.dumps({"placed": len(ids), "kinds": dict(kinds)}, sort_keys=True))
    if wait_s > 0:
        try:
            records = asyncio.run(wait_for_calls_to_end(control_url, ids, wait_s))
        except TimeoutError as exc:
            raise click.ClickException(str(exc)) from exc
        outcomes = Counter(r["outcome"] for r in records)
        click.echo(json.dumps({"ended": len(records), "outcomes": dict(outcomes)}, sort_keys=True))
