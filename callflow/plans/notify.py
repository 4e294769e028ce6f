"""Delivering plan-available notifications to the ambulance / provider device webhook.

Theory of operation. ``PlanService.announce`` writes the notification rows
(``careplans.outbox``) in the same transaction as the call's audit rows and
then ``wake()``s this worker. The worker loop claims due rows (a lease keeps
other workers off them), POSTs each one signed (``careplans.notifications``:
HMAC-SHA256 over timestamp + body, fresh timestamp per attempt, stable
``Idempotency-Key``), and records the outcome: a 2xx is the acknowledgement;
anything else (status, connection error, timeout) is retried with jittered
exponential backoff until acknowledged, or dead-lettered once older than
``max_age`` for an operator to replay. Rows survive restarts: a claimed row
whose worker died comes due again when its lease ends.

Logs carry notification ids, call ids, plan types and HTTP statuses: never a
name, a number or the URL's query string.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import aiohttp

from callflow import tasks
from callflow.storage import Database
from careplans import outbox
from careplans.notifications import backoff_s, notification_body, signed_headers

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class PlanNotifier:
    """The outbox worker for plan-available notifications.

    Args:
        db: the database holding ``careplan_notification``.
        url: the webhook.
        secret: the HMAC key shared with the receiver.
        timeout_s: deadline of one POST.
        max_age_s: retry until acknowledged or this old, then dead-letter.
        backoff_base_s / backoff_cap_s: the retry schedule (jittered, doubling).
        poll_s: how often to look for due rows when nobody wakes the worker.
        batch: rows claimed per pass.
        clock / jitter / wall: "now" (UTC), a random number in [0, 1), and unix
            seconds for the signature timestamp (tests replace them).
        run_worker: start the background loop on ``async with`` (tests that
            drive ``deliver_due`` themselves turn it off).

    Usage::

        async with PlanNotifier(db, url, secret) as notifier:
            ...                      # the worker runs in the background
            notifier.wake()          # after queueing rows
    """

    def __init__(
        self,
        db: Database,
        url: str,
        secret: bytes,
        *,
        timeout_s: float = 5.0,
        max_age_s: float = 86400,
        backoff_base_s: float = 1.0,
        backoff_cap_s: float = 300.0,
        poll_s: float = 1.0,
        batch: int = 20,
        clock: Callable[[], datetime] = _utcnow,
        jitter: Callable[[], float] = random.random,
        wall: Callable[[], float] = time.time,
        run_worker: bool = True,
    ) -> None:
        if not secret:
            raise ValueError("plan-available notifications need a webhook secret")
        self._db = db
        self.url = url
        self._secret = secret
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._lease = timedelta(seconds=max(30.0, 3 * timeout_s))
        self._max_age = timedelta(seconds=max_age_s)
        self._base = backoff_base_s
        self._cap = backoff_cap_s
        self._poll = poll_s
        self._batch = batch
        self._now = clock
        self._jitter = jitter
        self._wall = wall
        self._run_worker = run_worker
        self._wakeup = asyncio.Event()
        self._http: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.failed_attempts = 0

    async def __aenter__(self) -> PlanNotifier:
        self._http = aiohttp.ClientSession(timeout=self._timeout)
        if self._run_worker:
            self._task = asyncio.get_running_loop().create_task(self.run(), name="plan-notifier")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop the worker (rows not yet delivered stay queued) and close the HTTP client."""
        task, self._task = self._task, None
        await tasks.stop(task)
        if self._http is not None:
            await self._http.close()
            self._http = None

    def wake(self) -> None:
        """Deliver now rather than at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        """Deliver due notifications until cancelled; failures are logged, counted, retried."""
        while True:
            try:
                busy = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # a worker's loop: log, count, back off (STYLE)
                log.exception("plan notifier pass failed; retrying after %.1f s", self._poll)
                busy = 0
            if busy:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll):
                    await self._wakeup.wait()
            self._wakeup.clear()

    async def deliver_due(self) -> int:
        """Claim and deliver one batch of due notifications; returns how many were claimed."""
        now = self._now()
        claimed = await self._db.run(
            lambda s: outbox.claim_due(s, now=now, lease=self._lease, limit=self._batch)
        )
        if claimed:
            await asyncio.gather(*(self._deliver(item) for item in claimed))
        return len(claimed)

    async def _deliver(self, item: outbox.Claimed) -> None:
        body = notification_body(
            notification_id=item.id,
            call_id=item.call_id,
            plan_type=item.plan_type,
            view_url=item.view_url,
            created_at=item.created_at,
        )
        headers = signed_headers(
            self._secret, body, timestamp=int(self._wall()), notification_id=item.id
        )
        error: str | None = None
        try:
            http = self._http
            if http is None:
                raise RuntimeError("the notifier is not started (use `async with`)")
            async with http.post(self.url, data=body, headers=headers) as response:
                await response.read()
                if not 200 <= response.status < 300:
                    error = f"http {response.status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = type(exc).__name__ if not isinstance(exc, TimeoutError) else "timeout"
        now = self._now()
        if error is None:
            await self._db.run(lambda s: outbox.mark_delivered(s, item.id, now=now))
            self.delivered += 1
            log.info(
                "plan-available notification %s delivered (call %s, %s, attempt %d)",
                item.id, item.call_id, item.plan_type, item.attempts,
            )  # fmt: skip
            return
        self.failed_attempts += 1
        delay = backoff_s(item.attempts, base_s=self._base, cap_s=self._cap, jitter=self._jitter())
        retry_at = now + timedelta(seconds=delay)
        reason = error
        status = await self._db.run(
            lambda s: outbox.mark_failed(
                s, item.id, now=now, retry_at=retry_at, error=reason, max_age=self._max_age
            )
        )
        if status is outbox.Status.DEAD:
            log.error(
                "plan-available notification %s dead-lettered after %d attempts (%s)",
                item.id, item.attempts, error,
            )  # fmt: skip
        else:
            log.warning(
                "plan-available notification %s failed (%s), attempt %d; retry in %.1f s",
                item.id, error, item.attempts, delay,
            )  # fmt: skip
