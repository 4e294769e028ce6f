"""In-process fan-out of live updates to the dashboard's SSE clients.

Producers (metrics ticks, alert transitions, syndromic alarms) publish a kind
and a JSON-able payload; every open ``/events`` stream has its own bounded
queue. A wall screen that stops reading must not hold memory or slow the
producers, so a full queue drops its oldest update: the next board snapshot
supersedes it anyway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Update:
    kind: str  # "board" | "alert" | "syndromic" ...
    data: dict[str, Any]


class Hub:
    def __init__(self, *, queue_size: int = 64) -> None:
        self._subscribers: set[asyncio.Queue[Update]] = set()
        self._queue_size = queue_size

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        update = Update(kind, data)
        for queue in self._subscribers:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(update)

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Update]]:
        queue: asyncio.Queue[Update] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)
