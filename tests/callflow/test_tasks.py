"""Stopping a task for sure, even when a cancellation is swallowed (Python 3.11 wait_for)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from callflow.tasks import stop


async def test_a_swallowed_cancellation_is_repeated_until_the_task_ends() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed == 3:
                    raise
                # what a lost cancellation looks like to the loop: it carries on

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await stop(task)
    assert task.cancelled() and swallowed == 3


async def test_a_task_that_will_not_stop_is_given_up_on_after_the_grace(
    caplog: pytest.LogCaptureFixture,
) -> None:
    released = asyncio.Event()

    async def stubborn_until_released() -> None:
        while not released.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(stubborn_until_released(), name="stubborn")
    await asyncio.sleep(0)
    with caplog.at_level(logging.ERROR):
        await stop(task, grace_s=0.3)
    assert not task.done() and "stubborn did not stop" in caplog.text
    released.set()
    task.cancel()
    await asyncio.wait({task})
    assert task.done()
