"""Handoff throughput: deliveries per second from the outbox to a local webhook.

``run_handoff_bench`` writes N outbox rows (synthetic patients, NHS numbers in
the never-issued 999 range), starts a verifying webhook on 127.0.0.1 and one
or more ``OutboxWorker`` s, and times until the webhook has accepted every
handoff. The webhook runs in the same process and event loop as the worker,
so the figure is for the pair (signing, POST, verification, SQL claim and
outcome writes), a floor for what one instance can push.

``urgentline bench`` calls it; on its own::

    python -m callflow.handoff.bench --handoffs 1000 --concurrency 16
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import delete
from sqlmodel import Session, col

from callflow.handoff.bundle import (
    Answer,
    CarePlanFlag,
    HandoffFacts,
    ReasonCode,
    RepeatCaller,
    StatedDemographics,
    build_bundle,
)
from callflow.handoff.models import HandoffOutbox
from callflow.handoff.outbox import OutboxWorker, new_handoff_id, outbox_row, write_handoff
from callflow.handoff.settings import HandoffSettings
from callflow.handoff.signing import IDEMPOTENCY_HEADER, SignatureError, verify
from callflow.storage.db import Database

BENCH_SECRET = "bench-secret"
BENCH_PROVIDER = "bench"


def synthetic_nhs_number(index: int) -> str:
    """A checksum-valid NHS number from the 999 range (never issued to a person)."""
    n = index
    while True:
        first9 = f"999{n % 1_000_000:06d}"
        total = sum(int(d) * w for d, w in zip(first9, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10:
            return first9 + str(check)
        n += 1


def synthetic_facts(
    index: int, *, now: datetime, destination: str = BENCH_PROVIDER, handoff_id: str | None = None
) -> HandoffFacts:
    """Fully populated, clearly fake handoff facts (every resource and flag present)."""
    return HandoffFacts(
        handoff_id=handoff_id or new_handoff_id(),
        call_id=f"bench-{index}",
        destination=destination,
        pathway="dental",
        arrived_at=now - timedelta(minutes=4),
        handed_off_at=now,
        ended_at=now,
        priority="urgent",
        caller_cli=f"+4477009{index % 100000:05d}",
        menu_path=("main:2", "dental:1"),
        answers=(
            Answer("pain-score", "How bad is the pain, from 0 to 10?", 7),
            Answer("swelling", "Is your face swollen?", index % 2 == 0),
        ),
        reasons=(
            ReasonCode(
                "https://fhir.nhs.uk/Id/pathways-dx-code",
                "DX118",
                "Speak to a dental service within 4 hours",
            ),
        ),
        nhs_number=synthetic_nhs_number(index),
        nhs_number_verified=index % 3 == 0,
        demographics=StatedDemographics(
            given_name="Testy",
            family_name=f"Benchmark{index}",
            birth_date=date(1970, 1, 1) + timedelta(days=index % 10000),
            postcode="LS1 4AP",
            confidence=0.8,
        ),
        care_plan=CarePlanFlag("crisis", "UCP") if index % 5 == 0 else None,
        repeat_caller=RepeatCaller(3, 96, "nhs-number") if index % 4 == 0 else None,
        red_flag="facial-swelling" if index % 7 == 0 else None,
        script="bench",
        script_version="1",
    )


class _Webhook:
    """A provider's receiving end: verify, dedupe on Idempotency-Key, count."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.accepted: set[str] = set()
        self.posts: Counter[str] = Counter()
        self.rejected = 0
        self.all_in = asyncio.Event()
        self.expected = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            verify(self.secret, body, request.headers, now=time.time())
        except SignatureError:
            self.rejected += 1
            return web.Response(status=401)
        key = request.headers[IDEMPOTENCY_HEADER]
        self.posts[key] += 1
        self.accepted.add(key)
        if len(self.accepted) >= self.expected:
            self.all_in.set()
        return web.Response(status=202)


async def run_handoff_bench(
    *,
    handoffs: int = 500,
    concurrency: int = 16,
    workers: int = 1,
    database_url: str | None = None,
    timeout_s: float = 120.0,
) -> dict[str, Any]:
    """Deliver ``handoffs`` outbox rows to a local webhook and time it.

    Args:
        handoffs: rows to deliver.
        concurrency: POSTs in flight per worker.
        workers: workers sharing the database (as several instances would).
        database_url: a database to use (its bench rows are deleted after);
            default: a temporary SQLite file.
        timeout_s: give up after this long.

    Returns:
        ``deliveries_per_s`` (rows accepted by the webhook per second of wall
        time, claim to last 2xx), ``bundle_builds_per_s`` (build + validate),
        and the run's parameters and counts.
    """
    if handoffs <= 0 or concurrency <= 0 or workers <= 0:
        raise ValueError("handoffs, concurrency and workers must be positive")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(database_url or f"sqlite:///{Path(tmp) / 'handoff-bench.db'}")
        try:
            await asyncio.to_thread(db.migrate)
            return await _bench(db, handoffs, concurrency, workers, timeout_s)
        finally:
            db.dispose()


async def _bench(
    db: Database, handoffs: int, concurrency: int, workers: int, timeout_s: float
) -> dict[str, Any]:
    now = datetime.now(UTC)
    facts = [synthetic_facts(i, now=now) for i in range(handoffs)]
    t0 = time.perf_counter()
    for item in facts[: min(handoffs, 200)]:
        build_bundle(item)
    builds_per_s = min(handoffs, 200) / (time.perf_counter() - t0)

    hook = _Webhook(BENCH_SECRET)
    hook.expected = handoffs
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}/hook"
    ids = [item.handoff_id for item in facts]
    try:
        rows = [outbox_row(item, url=url, now=now) for item in facts]
        for start in range(0, len(rows), 200):
            chunk = rows[start : start + 200]
            await db.run(functools.partial(_write_rows, rows=chunk))
        settings = HandoffSettings(
            _env_file=None,
            handoff_secret=BENCH_SECRET,
            handoff_concurrency=concurrency,
            handoff_batch_size=concurrency,
            handoff_poll_s=0.01,
            handoff_timeout_s=10.0,
            handoff_lease_s=60.0,
        )
        pool = [OutboxWorker(db, settings, worker_id=f"bench-{n}") for n in range(workers)]
        wall0 = time.perf_counter()
        for worker in pool:
            worker.start()
        try:
            async with asyncio.timeout(timeout_s):
                await hook.all_in.wait()
            wall = time.perf_counter() - wall0
        finally:
            for worker in pool:
                await worker.aclose()
    finally:
        await runner.cleanup()
        await db.run(
            lambda s: s.execute(delete(HandoffOutbox).where(col(HandoffOutbox.handoff_id).in_(ids)))
        )
    return {
        "handoffs": handoffs,
        "workers": workers,
        "concurrency": concurrency,
        "backend": db.backend,
        "elapsed_s": round(wall, 3),
        "deliveries_per_s": round(handoffs / wall, 1),
        "bundle_builds_per_s": round(builds_per_s, 1),
        "bundle_bytes": len(json.dumps(rows[0].payload, separators=(",", ":"))),
        "posts": sum(hook.posts.values()),
        "duplicates": sum(n - 1 for n in hook.posts.values()),
        "rejected_signatures": hook.rejected,
    }


def _write_rows(session: Session, *, rows: list[HandoffOutbox]) -> None:
    for row in rows:
        write_handoff(session, row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--handoffs", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    result = asyncio.run(
        run_handoff_bench(
            handoffs=args.handoffs,
            concurrency=args.concurrency,
            workers=args.workers,
            database_url=args.database_url,
        )
    )
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
