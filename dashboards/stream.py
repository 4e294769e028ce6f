"""EventConsumer: the CallEvent stream read through a Redis consumer group.

Theory of operation. One task per consumer loops:

1. make sure the group exists (``XGROUP CREATE ... MKSTREAM`` from id ``0``, so
   a brand-new group first reads the stream's history; ``BUSYGROUP`` means it
   already exists and is fine);
2. read this consumer's *pending* entries first (``XREADGROUP`` from id ``0``,
   paging on), i.e. what a previous run under the same consumer name was given
   but did not acknowledge; then new entries (``>``), blocking up to
   ``block_ms``;
3. hand each batch to every handler; acknowledge (``XACK``) only once all of
   them have succeeded. A handler that raises is logged and the batch is
   retried for the handlers that failed after a backoff, so delivery is at
   least once and handlers must be idempotent (the metrics are);
4. an entry that is not a CallEvent (or whose payload was trimmed away) is
   logged by id only and acknowledged, so it cannot wedge the group;
5. a Redis error is logged and retried after a jittered exponential backoff;
   the next read starts again from this consumer's pending entries, since an
   entry delivered by a read whose reply was lost is only in the pending list.

Give each service instance its own group (each needs every event) and a
consumer name that is stable across restarts (so its pending entries come back).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from redis.exceptions import RedisError, ResponseError

from callflow.events import CallEvent
from callflow.storage import RedisStore

log = logging.getLogger(__name__)

Batch = Sequence[tuple[str, CallEvent]]
"""``(stream entry id, event)`` pairs, oldest first."""
Handler = Callable[[Batch], Awaitable[None]]

StreamId = tuple[int, int]
EMBEDDED_POLL_S = 0.05
"""How often the embedded (fakeredis) store is polled for new entries."""


def stream_id(entry_id: str) -> StreamId:
    """``"1700000000000-3"`` as a comparable pair."""
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def parse_entry(fields: Mapping[str, str] | None) -> CallEvent:
    """A stream entry's fields as a CallEvent.

    Raises:
        ValueError: the entry is empty (trimmed) or not a well-formed CallEvent.
    """
    if not fields:
        raise ValueError("empty entry")
    try:
        event = CallEvent.from_fields(fields)
    except (KeyError, TypeError, ValueError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(type(exc).__name__) from exc
    if not isinstance(event.attributes, Mapping):
        raise ValueError("attributes not an object")
    if event.at.tzinfo is None:
        raise ValueError("naive timestamp")
    return event


class Backoff:
    """Jittered exponential delays: ``base_s`` doubling up to ``cap_s``."""

    def __init__(self, base_s: float, cap_s: float) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.failures = 0

    def reset(self) -> None:
        self.failures = 0

    async def sleep(self) -> None:
        delay = min(self.cap_s, self.base_s * 2**self.failures)
        self.failures += 1
        await asyncio.sleep(delay * random.uniform(0.5, 1.0))


class EventConsumer:
    """A supervised reader of ``redis.events_stream`` feeding batches to handlers.

    Args:
        redis: the store whose ``events_stream`` is read.
        group: the consumer group (one per service instance).
        consumer: this consumer's name within the group (stable across restarts).
        handlers: async callables taking a batch; each must be idempotent.
        block_ms: how long one read waits for new entries.
        batch: most entries per read.
        backoff_s, max_backoff_s: first and longest delay after a failure.
        timeout_s: deadline of one Redis command (on top of ``block_ms`` for reads).

    Usage::

        consumer = EventConsumer(redis, group="dashboards-a", consumer="a",
                                 handlers=[metrics.handle])
        consumer.start()
        ...
        await consumer.stop()
    """

    def __init__(
        self,
        redis: RedisStore,
        *,
        group: str,
        consumer: str,
        handlers: Sequence[Handler],
        block_ms: int = 1000,
        batch: int = 500,
        backoff_s: float = 0.2,
        max_backoff_s: float = 10.0,
        timeout_s: float = 5.0,
    ) -> None:
        self.redis = redis
        self.group = group
        self.consumer = consumer
        self.handlers = tuple(handlers)
        self.block_ms = block_ms
        self.batch = batch
        self.timeout_s = timeout_s
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._done: StreamId = (0, 0)
        self._progress = asyncio.Condition()
        self.handled = 0
        self.malformed = 0
        self.handler_errors = 0
        self.redis_errors = 0

    @property
    def stream(self) -> str:
        return self.redis.events_stream

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start the reading task (the caller owns it: call ``stop`` on shutdown)."""
        if self.running:
            raise RuntimeError("consumer already running")
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"event-consumer-{self.consumer}")

    async def stop(self) -> None:
        """Cancel the task and wait for it; entries not yet acknowledged stay pending."""
        task, self._task = self._task, None
        if task is None:
            return
        # The flag as well as the cancel: a client library that swallows a
        # cancellation (fakeredis can) must not keep the loop alive.
        self._stopping = True
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task

    async def oldest_entry_at(self) -> datetime | None:
        """When the stream's oldest entry was added (its id's milliseconds); ``None`` if empty.

        Anything older is gone for good: no group, however new, can read it again.
        """
        async with asyncio.timeout(self.timeout_s):
            first: Any = await self.redis.client.xrange(self.stream, count=1)
        if not first:
            return None
        millis, _ = stream_id(first[0][0])
        return datetime.fromtimestamp(millis / 1000, UTC)

    async def drain(self, timeout: float) -> None:  # noqa: ASYNC109 (the deadline is the contract)
        """Wait until every entry now on the stream has been handled and acknowledged.

        Assumes this consumer is the only one in its group (the intended set-up).

        Raises:
            TimeoutError: not done within ``timeout`` seconds.
        """
        async with asyncio.timeout(timeout):
            last: Any = await self.redis.client.xrevrange(self.stream, count=1)
            if not last:
                return
            target = stream_id(str(last[0][0]))
            async with self._progress:
                await self._progress.wait_for(lambda: self._done >= target)

    async def _run(self) -> None:
        backoff = Backoff(self._backoff_s, self._max_backoff_s)
        group_ready = False
        pending_from: str | None = "0"
        while not self._stopping:
            try:
                if not group_ready:
                    await self._ensure_group()
                    group_ready = True
                if pending_from is not None:
                    entries = await self._read(pending_from, block=False)
                    pending_from = entries[-1][0] if entries else None
                else:
                    entries = await self._read(">", block=True)
            except (RedisError, OSError, TimeoutError) as exc:
                self.redis_errors += 1
                log.warning("event stream read failed (%s): backing off", type(exc).__name__)
                group_ready, pending_from = False, "0"
                await backoff.sleep()
                continue
            backoff.reset()
            try:
                if entries and not await self._process(entries, backoff):
                    pending_from = "0"  # not acknowledged: read again from the pending list
            except Exception:  # a worker's loop: a bug here must not stop the reading
                log.exception("event consumer failed on a batch: re-reading pending entries")
                pending_from = "0"
                await backoff.sleep()

    async def _ensure_group(self) -> None:
        try:
            async with asyncio.timeout(self.timeout_s):
                await self.redis.client.xgroup_create(
                    self.stream, self.group, id="0", mkstream=True
                )
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def _read(self, start: str, *, block: bool) -> list[tuple[str, dict[str, str] | None]]:
        # fakeredis may swallow the cancellation of a blocked read, so the
        # embedded store is polled instead of blocked on.
        blocking = block and not self.redis.embedded
        async with asyncio.timeout(self.timeout_s + (self.block_ms / 1000 if blocking else 0)):
            reply: Any = await self.redis.client.xreadgroup(
                self.group,
                self.consumer,
                {self.stream: start},
                count=self.batch,
                block=self.block_ms if blocking else None,
            )
        entries: list[tuple[str, dict[str, str] | None]] = reply[0][1] if reply else []
        if block and not blocking and not entries:
            await asyncio.sleep(min(self.block_ms / 1000, EMBEDDED_POLL_S))
        return entries

    async def _process(
        self, entries: list[tuple[str, dict[str, str] | None]], backoff: Backoff
    ) -> bool:
        """Handle and acknowledge one batch; ``False`` if it was left unacknowledged."""
        events: list[tuple[str, CallEvent]] = []
        for entry_id, fields in entries:
            try:
                events.append((entry_id, parse_entry(fields)))
            except ValueError as exc:
                self.malformed += 1
                log.warning("stream entry %s skipped: not a call event (%s)", entry_id, exc)
        waiting = list(self.handlers) if events else []
        while waiting and not self._stopping:
            failed = []
            for handler in waiting:
                try:
                    await handler(events)
                except Exception:  # a worker's loop: log, count, back off, retry
                    self.handler_errors += 1
                    failed.append(handler)
                    log.exception("event handler %s failed: retrying", _name(handler))
            waiting = failed
            if waiting:
                await backoff.sleep()
        if waiting:
            return False  # stopping: the batch stays pending for the next run
        backoff.reset()
        try:
            async with asyncio.timeout(self.timeout_s):
                await self.redis.client.xack(self.stream, self.group, *(i for i, _ in entries))
        except (RedisError, OSError, TimeoutError) as exc:
            self.redis_errors += 1
            log.warning("event stream ack failed (%s): will re-read", type(exc).__name__)
            await backoff.sleep()
            return False
        self.handled += len(events)
        async with self._progress:
            self._done = max(self._done, stream_id(entries[-1][0]))
            self._progress.notify_all()
        return True


def _name(handler: Handler) -> str:
    return getattr(handler, "__qualname__", None) or type(handler).__name__
