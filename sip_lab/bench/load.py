"""Closed-loop load: keep ``concurrency`` calls in flight until ``calls`` have ended.

Run as its own process (``python -m sip_lab.bench.load``) so that placing and
watching calls does not count against the CPU of the application measured.
Prints one line of JSON: calls, elapsed seconds and outcomes by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter
from typing import Any

import aiohttp

POLL_S = 0.05


async def place_calls(
    control_url: str,
    *,
    calls: int,
    concurrency: int,
    app: str,
    script: list[dict[str, Any]] | None = None,
    timeout_s: float = 600,
) -> dict[str, Any]:
    """Place ``calls`` calls, at most ``concurrency`` at once; bounded by ``timeout_s``."""
    outcomes: Counter[str] = Counter()
    next_index = 0
    started = time.monotonic()
    deadline = started + timeout_s

    async def one_caller(http: aiohttp.ClientSession) -> None:
        nonlocal next_index
        while next_index < calls and time.monotonic() < deadline:
            index = next_index
            next_index += 1
            body = {
                "caller": f"+4477009{index % 100000:05d}",
                "app": app,
                "args": ["inbound"],
                "script": script or [],
            }
            async with http.post(f"{control_url}/calls", json=body) as reply:
                channel_id = (await reply.json())["channel_id"]
            while time.monotonic() < deadline:
                await asyncio.sleep(POLL_S)
                async with http.get(f"{control_url}/calls/{channel_id}") as reply:
                    state = await reply.json()
                if state.get("ended_at"):
                    outcomes[state["outcome"]] += 1
                    break

    connector = aiohttp.TCPConnector(limit=concurrency * 2)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        await asyncio.gather(*(one_caller(http) for _ in range(concurrency)))
    return {
        "calls": sum(outcomes.values()),
        "elapsed_s": round(time.monotonic() - started, 3),
        "outcomes": dict(outcomes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--control-url", required=True)
    parser.add_argument("--calls", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--app", default="urgentline")
    parser.add_argument("--script", default="[]", help="caller script as JSON")
    args = parser.parse_args()
    result = asyncio.run(
        place_calls(
            args.control_url,
            calls=args.calls,
            concurrency=args.concurrency,
            app=args.app,
            script=json.loads(args.script),
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
