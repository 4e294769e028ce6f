"""Stopping background tasks for sure.

On Python 3.11, ``asyncio.wait_for`` can swallow a cancellation that arrives
just as the awaited operation completes (its 3.12 rewrite on ``asyncio.timeout``
fixed it). redis-py awaits every command through ``wait_for``, so a worker loop
that talks to Redis may carry on after a single ``cancel()``, and a shutdown
that awaits it hangs for ever. ``stop`` cancels again until the task ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)


async def stop(task: asyncio.Task[Any] | None, *, grace_s: float = 10.0) -> None:
    """Cancel ``task`` and wait until it has ended, re-cancelling a lost cancellation.

    Gives up (logged) after ``grace_s``: a shutdown must end even if a task will not.
    """
    if task is None:
        return
    deadline = asyncio.get_running_loop().time() + grace_s
    while not task.done():
        task.cancel()
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            log.error("task %s did not stop within %.0f s", task.get_name(), grace_s)
            return
        await asyncio.wait({task}, timeout=min(0.5, remaining))
    with contextlib.suppress(asyncio.CancelledError):
        await task
