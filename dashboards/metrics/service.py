"""MetricsService: the I/O shell around LiveMetrics (stream in, roll-ups out, the clock).

Restart: on ``start`` the recent per-call facts are rebuilt from the stream
itself (``XRANGE`` over the retention window, from the start of a roll-up
bucket) *before* the consumer joins its group. The stream already holds every
event (the publisher keeps about a million), so no second copy of the facts is
kept in SQL; the consumer then re-delivers what it had pending and reads on,
and since applying an event twice changes nothing, the overlap is harmless.
Buckets older than the re-read window keep the roll-ups already stored.

Roll-ups: every change marks its call's arrival bucket dirty; a background task
writes the dirty buckets every ``flush_every_s`` and just after each bucket
closes, then prunes the calls that have aged out (only once written).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis.exceptions import RedisError

from callflow.storage import RedisStore
from dashboards.metrics.live import SCOPE_KINDS, LiveMetrics, UnknownScopeKind, floor_to
from dashboards.metrics.rollups import HistoryPoint, Rollup, RollupStore
from dashboards.stream import Batch, parse_entry, stream_id
from dashboards.views import Board, Figures, Rag

log = logging.getLogger(__name__)

RagFn = Callable[[str, str, Figures], Rag]


def no_rag(kind: str, key: str, figures: Figures) -> Rag:
    """The board's status when no alert rules are wired in: none."""
    return Rag.NONE


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MetricsService:
    """LiveMetrics fed from the stream, with its roll-ups written to SQL.

    Args:
        live: the in-memory figures.
        rollups: where roll-ups go.
        redis: the store whose stream is re-read on start.
        window_s: the board's (and Prometheus') default window.
        board_bucket_s: the board's default sparkline bucket.
        flush_every_s: how often dirty roll-up buckets are written.
        write_timeout_s: deadline of one roll-up write.
        clock: UTC now.

    Usage (the composition root)::

        metrics = MetricsService(LiveMetrics(providers=ids), RollupStore(db), redis)
        await metrics.start()                     # re-read the stream, start writing
        consumer = EventConsumer(redis, group="dashboards-" + instance,
                                 consumer=instance, handlers=[metrics.handle])
        consumer.start()
        ...
        await consumer.stop()
        await metrics.aclose()                    # last roll-up write
    """

    def __init__(
        self,
        live: LiveMetrics,
        rollups: RollupStore,
        redis: RedisStore,
        *,
        window_s: int = 3600,
        board_bucket_s: int = 300,
        flush_every_s: float = 60.0,
        write_timeout_s: float = 30.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.live = live
        self.rollups = rollups
        self.redis = redis
        self.window_s = window_s
        self.board_bucket_s = board_bucket_s
        self.flush_every_s = flush_every_s
        self.write_timeout_s = write_timeout_s
        self.clock = clock
        self._task: asyncio.Task[None] | None = None
        self.write_failures = 0

    async def handle(self, batch: Batch) -> None:
        """The EventConsumer handler: merge a batch into the live facts."""
        self.live.apply(event for _, event in batch)

    async def load(self, *, page: int = 1000) -> int:
        """Re-read the stream from the start of the retention window; returns events read.

        Raises:
            RedisError: the stream cannot be read (the caller decides whether to start anyway).
        """
        since = self.live.set_floor(self.clock() - timedelta(seconds=self.live.retention_s))
        start = f"{math.floor(since.timestamp() * 1000)}-0"
        read = skipped = 0
        while True:
            entries = cast(
                list[tuple[str, dict[str, str]]],
                await self.redis.client.xrange(self.redis.events_stream, min=start, count=page),
            )
            events = []
            for _entry_id, fields in entries:
                try:
                    events.append(parse_entry(fields))
                except ValueError:
                    skipped += 1
            self.live.apply(events)
            read += len(events)
            if len(entries) < page:
                break
            millis, sequence = stream_id(entries[-1][0])
            start = f"{millis}-{sequence + 1}"
        log.info("metrics rebuilt from the stream: %d events (%d skipped)", read, skipped)
        return read

    async def flush(self) -> int:
        """Write every dirty roll-up bucket; returns rows written (0 and kept dirty on failure)."""
        buckets = self.live.take_dirty()
        if not buckets:
            return 0
        size = self.live.rollup_bucket_s
        rows = [
            Rollup(bucket, size, kind, key, figures)
            for bucket in buckets
            for kind, key, figures in self.live.rollup(bucket)
        ]
        try:
            async with asyncio.timeout(self.write_timeout_s):
                return await self.rollups.upsert(rows)
        except BaseException as exc:
            self.live.restore_dirty(buckets)
            if isinstance(exc, Exception):
                self.write_failures += 1
                log.warning("roll-ups not written (%s): will retry", type(exc).__name__)
                return 0
            raise

    async def maintain(self) -> None:
        """Write the dirty roll-ups, then drop the calls that have aged out."""
        await self.flush()
        dropped = self.live.prune(self.clock())
        if dropped:
            log.debug("metrics pruned %d calls", dropped)

    async def start(self) -> None:
        """Rebuild from the stream (a Redis failure is logged, not fatal) and start the writer."""
        if self._task is not None:
            raise RuntimeError("metrics service already started")
        try:
            await self.load()
        except (RedisError, OSError) as exc:
            log.warning("metrics not rebuilt from the stream (%s)", type(exc).__name__)
        self._task = asyncio.create_task(self._run(), name="metrics-rollups")

    async def aclose(self) -> None:
        """Stop the writer and make a last attempt to write what is dirty."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._delay())
            try:
                await self.maintain()
            except Exception:  # a worker's loop: log, count, go on at the next tick
                self.write_failures += 1
                log.exception("metrics maintenance failed")

    def _delay(self) -> float:
        """Until the next periodic write or just after the current bucket closes."""
        moment = self.clock().timestamp()
        size = self.live.rollup_bucket_s
        closes = floor_to(moment, size) + size + 1.0
        return max(0.1, min(self.flush_every_s, closes - moment))

    # ------------------------------------------------------------------ views

    def board(
        self,
        rag: RagFn = no_rag,
        *,
        window_s: int | None = None,
        bucket_s: int | None = None,
        now: datetime | None = None,
    ) -> Board:
        """The live board at ``now`` (default: the clock)."""
        return self.live.board(
            now or self.clock(), window_s or self.window_s, bucket_s or self.board_bucket_s, rag
        )

    async def history(
        self, kind: str, key: str, since: datetime, until: datetime
    ) -> list[HistoryPoint]:
        """Stored roll-ups of one scope (``kind`` checked) in ``[since, until)``.

        Raises:
            UnknownScopeKind: ``kind`` is not a scope kind.
        """
        if kind not in SCOPE_KINDS:
            raise UnknownScopeKind(kind)
        return await self.rollups.history(
            kind, key, since, until, bucket_s=self.live.rollup_bucket_s
        )

    def stats(self) -> dict[str, Any]:
        """Counters for ``/readyz``-style reports and the benchmark."""
        return {
            "calls": len(self.live),
            "ignored_old_events": self.live.ignored_old,
            "evicted_calls": self.live.evicted,
            "rollup_write_failures": self.write_failures,
        }
