"""The durable handoff outbox: SQL rows and the worker that delivers them.

Theory of operation
-------------------
1. **Write.** When a call ends, the session writes its CallRecord and the
   handoff's outbox row in one transaction (``write_record_and_handoff``):
   either both exist or neither does, so a crash can lose neither.
2. **Claim.** Each service instance runs one ``OutboxWorker``. It claims due
   rows with a single ``UPDATE … RETURNING``: on PostgreSQL the candidates
   come from ``SELECT … FOR UPDATE SKIP LOCKED`` (concurrent workers skip each
   other's rows instead of waiting); on SQLite, where writers are serialised,
   the UPDATE's own ``WHERE`` is the claim condition. A claim sets the row to
   ``delivering``, counts the attempt and sets a lease (``next_attempt_at`` =
   now + lease).
3. **Deliver.** POST the bundle with an HMAC signature, ``Idempotency-Key`` =
   handoff id, and a deadline (``handoff_timeout_s``, less than half the lease).
4. **Record.** 2xx -> ``delivered``. Anything else -> ``pending`` again, due
   after an exponential backoff with jitter, or ``dead`` once
   ``handoff_max_attempts`` are used. The update is fenced on
   (worker, attempt): a worker that lost its lease cannot overwrite the row.
5. **Crash.** A worker that dies mid-delivery leaves its rows ``delivering``;
   when the lease runs out they are due again and another worker takes them.
   The provider may then see a request twice, with the same Idempotency-Key:
   that is what the key is for. A graceful stop releases its rows at once.

Nothing here logs or stores payload content: logs carry handoff ids, provider
ids, attempt numbers and error codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import aiohttp
from sqlalchemy import Table, and_, func, select, update
from sqlalchemy.engine import CursorResult
from sqlmodel import Session, col

from callflow.handoff.bundle import DEFAULT_SOURCE_ENDPOINT, HandoffFacts, build_bundle
from callflow.handoff.errors import HandoffInFlight, NoSuchHandoff
from callflow.handoff.models import HandoffOutbox, OutboxState, aware
from callflow.handoff.settings import HandoffConfig, check_timings, secret_for, webhook_map
from callflow.handoff.signing import signed_headers
from callflow.storage.db import Database
from callflow.storage.models import CallRecord
from callflow.tasks import stop as stop_task

log = logging.getLogger(__name__)
T = TypeVar("T")

OUTBOX = cast(Table, HandoffOutbox.__table__)  # type: ignore[attr-defined]
_DUE_STATES = (OutboxState.PENDING.value, OutboxState.DELIVERING.value)
_REPLAYABLE = (OutboxState.DEAD.value, OutboxState.DELIVERED.value)
CONTENT_TYPE = "application/fhir+json"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_handoff_id() -> str:
    """A fresh handoff id (a UUID: valid as FHIR id, idempotency key and SIP header)."""
    return str(uuid.uuid4())


# -- writing --------------------------------------------------------------------


def outbox_row(
    facts: HandoffFacts,
    *,
    url: str | None,
    now: datetime | None = None,
    source_endpoint: str = DEFAULT_SOURCE_ENDPOINT,
) -> HandoffOutbox:
    """A pending outbox row carrying the bundle built from ``facts``.

    Args:
        facts: the call's handoff facts.
        url: the provider's webhook; ``None`` to resolve it at delivery time.
        now: creation time (defaults to the current time); the row is due at once.
        source_endpoint: ``MessageHeader.source.endpoint``.

    Raises:
        BundleError: the bundle does not validate (a bug in the builder).
    """
    created = (now or utcnow()).astimezone(UTC)  # SQLite keeps wall time: store UTC only
    return HandoffOutbox(
        handoff_id=facts.handoff_id,
        call_id=facts.call_id,
        provider=facts.destination,
        url=url,
        payload=build_bundle(facts, source_endpoint=source_endpoint),
        state=OutboxState.PENDING.value,
        attempts=0,
        next_attempt_at=created,
        created_at=created,
        updated_at=created,
    )


def write_handoff(session: Session, row: HandoffOutbox) -> None:
    """Add ``row`` to the caller's transaction unless that handoff is already stored.

    Idempotent, so a retried transaction cannot reset a handoff already under way.
    """
    if session.get(HandoffOutbox, row.handoff_id) is None:
        session.add(row)


def write_record_and_handoff(session: Session, record: CallRecord, row: HandoffOutbox) -> None:
    """Write the CallRecord and its handoff's outbox row in the caller's transaction.

    Usage (the two commit together, or not at all)::

        await db.run(lambda s: write_record_and_handoff(s, record, row))
    """
    session.merge(record)
    write_handoff(session, row)


# -- claiming and recording outcomes (synchronous: run through Database.run) ----


@dataclass(frozen=True, slots=True)
class Claim:
    """A row this worker holds until ``lease_until``; ``attempt`` counts this try."""

    handoff_id: str
    provider: str
    url: str | None
    payload: dict[str, Any] = field(repr=False)
    attempt: int
    worker_id: str


def claim_due(
    session: Session, *, worker_id: str, now: datetime, lease_s: float, limit: int
) -> list[Claim]:
    """Claim up to ``limit`` due rows for ``worker_id``, in one statement."""
    now = now.astimezone(UTC)
    t = OUTBOX
    due = and_(t.c.state.in_(_DUE_STATES), t.c.next_attempt_at <= now)
    values = {
        "state": OutboxState.DELIVERING.value,
        "claimed_by": worker_id,
        "attempts": t.c.attempts + 1,
        "next_attempt_at": now + timedelta(seconds=lease_s),
        "updated_at": now,
    }
    candidates = select(t.c.handoff_id).where(due).order_by(t.c.next_attempt_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Locked rows belong to another worker's claim in progress: skip, don't wait.
        locked = candidates.with_for_update(skip_locked=True).cte("due")
        stmt = update(t).where(t.c.handoff_id == locked.c.handoff_id)
    else:
        # SQLite serialises writers: the statement runs under the write lock, and
        # its WHERE re-checks "still due", so two claims cannot take one row.
        stmt = update(t).where(t.c.handoff_id.in_(candidates.scalar_subquery())).where(due)
    returning = stmt.values(**values).returning(
        t.c.handoff_id, t.c.provider, t.c.url, t.c.payload, t.c.attempts
    )
    rows = session.execute(returning).all()
    return [
        Claim(
            handoff_id=row.handoff_id,
            provider=row.provider,
            url=row.url,
            payload=row.payload,
            attempt=row.attempts,
            worker_id=worker_id,
        )
        for row in rows
    ]


def _fenced(claim: Claim) -> Any:
    t = OUTBOX
    return and_(
        t.c.handoff_id == claim.handoff_id,
        t.c.state == OutboxState.DELIVERING.value,
        t.c.claimed_by == claim.worker_id,
        t.c.attempts == claim.attempt,
    )


def mark_delivered(session: Session, claim: Claim, *, now: datetime, status: int) -> bool:
    """Record a 2xx; False when this worker no longer holds the row."""
    now = now.astimezone(UTC)
    stmt = (
        update(OUTBOX)
        .where(_fenced(claim))
        .values(
            state=OutboxState.DELIVERED.value,
            delivered_at=now,
            updated_at=now,
            claimed_by=None,
            last_error=None,
            last_status=status,
        )
    )
    return _changed(session.execute(stmt))


def mark_failed(
    session: Session,
    claim: Claim,
    *,
    now: datetime,
    error: str,
    status: int | None,
    retry_at: datetime | None,
) -> bool:
    """Record a failure: due again at ``retry_at``, or dead when it is ``None``."""
    now = now.astimezone(UTC)
    retry_at = retry_at.astimezone(UTC) if retry_at is not None else None
    state = OutboxState.DEAD if retry_at is None else OutboxState.PENDING
    stmt = (
        update(OUTBOX)
        .where(_fenced(claim))
        .values(
            state=state.value,
            next_attempt_at=retry_at or now,
            updated_at=now,
            claimed_by=None,
            last_error=error[:64],
            last_status=status,
        )
    )
    return _changed(session.execute(stmt))


def release_claims(session: Session, *, worker_id: str, now: datetime) -> int:
    """Hand this worker's rows back (graceful stop): due at once for any worker."""
    now = now.astimezone(UTC)
    stmt = (
        update(OUTBOX)
        .where(
            and_(
                OUTBOX.c.claimed_by == worker_id,
                OUTBOX.c.state == OutboxState.DELIVERING.value,
            )
        )
        .values(
            state=OutboxState.PENDING.value, next_attempt_at=now, claimed_by=None, updated_at=now
        )
    )
    return cast(CursorResult[Any], session.execute(stmt)).rowcount


def _changed(result: Any) -> bool:
    return bool(cast(CursorResult[Any], result).rowcount == 1)


def backoff_delay(attempt: int, *, base_s: float, max_s: float, jitter: float) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based).

    Exponential (``base_s * 2**(attempt-1)``, capped at ``max_s``) with "equal
    jitter": half the step is fixed, half is ``jitter`` (0..1) of it, so retries
    of many handoffs failed together spread out instead of arriving in a herd.
    """
    step = min(max_s, base_s * 2.0 ** min(max(attempt - 1, 0), 62))
    return step / 2 + step / 2 * min(max(jitter, 0.0), 1.0)


# -- reading and replaying (HTTP API) -------------------------------------------


@dataclass(frozen=True, slots=True)
class HandoffStatus:
    """A row's delivery status, without its payload."""

    handoff_id: str
    call_id: str
    provider: str
    state: str
    attempts: int
    last_error: str | None
    last_status: int | None
    next_attempt_at: datetime
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, row: HandoffOutbox) -> HandoffStatus:
        return cls(
            handoff_id=row.handoff_id,
            call_id=row.call_id,
            provider=row.provider,
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            last_status=row.last_status,
            next_attempt_at=aware(row.next_attempt_at),
            created_at=aware(row.created_at),
            updated_at=aware(row.updated_at),
            delivered_at=aware(row.delivered_at) if row.delivered_at else None,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "handoff_id": self.handoff_id,
            "call_id": self.call_id,
            "provider": self.provider,
            "state": self.state,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "last_status": self.last_status,
            "next_attempt_at": self.next_attempt_at.isoformat(),
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
        }


@dataclass(frozen=True, slots=True)
class StoredHandoff:
    status: HandoffStatus
    bundle: dict[str, Any] = field(repr=False)


class OutboxStore:
    """Reads and operator actions on the outbox, for the HTTP API and the CLI."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, handoff_id: str) -> StoredHandoff | None:
        def read(session: Session) -> StoredHandoff | None:
            row = session.get(HandoffOutbox, handoff_id)
            if row is None:
                return None
            return StoredHandoff(HandoffStatus.of(row), dict(row.payload))

        return await self.db.run(read)

    async def list(
        self, *, state: OutboxState | None = None, provider: str | None = None, limit: int = 100
    ) -> list[HandoffStatus]:
        def read(session: Session) -> list[HandoffStatus]:
            query = select(HandoffOutbox)
            if state is not None:
                query = query.where(col(HandoffOutbox.state) == state.value)
            if provider is not None:
                query = query.where(col(HandoffOutbox.provider) == provider)
            query = query.order_by(col(HandoffOutbox.created_at).desc()).limit(limit)
            return [HandoffStatus.of(row) for row in session.execute(query).scalars()]

        return await self.db.run(read)

    async def counts(self) -> dict[str, int]:
        """Rows per state (every state present, zero included): for metrics and /readyz."""

        def read(session: Session) -> dict[str, int]:
            query = select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)
            found = {state: int(n) for state, n in session.execute(query).all()}
            return {state.value: found.get(state.value, 0) for state in OutboxState}

        return await self.db.run(read)

    async def replay(
        self, handoff_id: str, *, url: str | None = None, now: datetime | None = None
    ) -> HandoffStatus:
        """Send a dead or delivered handoff again: back to ``pending`` with fresh attempts.

        Args:
            handoff_id: the handoff.
            url: the provider's current webhook, replacing the stored one if given.
            now: when it becomes due (default: now).

        Raises:
            NoSuchHandoff: no such row.
            HandoffInFlight: the row is pending or being delivered already.
        """
        when = (now or utcnow()).astimezone(UTC)

        def apply(session: Session) -> HandoffStatus:
            values: dict[str, Any] = {
                "state": OutboxState.PENDING.value,
                "attempts": 0,
                "next_attempt_at": when,
                "updated_at": when,
                "claimed_by": None,
                "last_error": None,
                "last_status": None,
                "delivered_at": None,
            }
            if url is not None:
                values["url"] = url
            stmt = (
                update(OUTBOX)
                .where(and_(OUTBOX.c.handoff_id == handoff_id, OUTBOX.c.state.in_(_REPLAYABLE)))
                .values(**values)
            )
            changed = _changed(session.execute(stmt))
            session.expire_all()
            row = session.get(HandoffOutbox, handoff_id)
            if row is None:
                raise NoSuchHandoff(handoff_id)
            if not changed:
                raise HandoffInFlight(handoff_id, row.state)
            return HandoffStatus.of(row)

        return await self.db.run(apply)


# -- the worker -----------------------------------------------------------------


@dataclass(slots=True)
class OutboxStats:
    """What one worker did since it started (for tests, the bench and metrics)."""

    claimed: int = 0
    posts: int = 0
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lease_lost: int = 0
    cycle_errors: int = 0


@dataclass(frozen=True, slots=True)
class _Outcome:
    ok: bool
    error: str | None = None
    status: int | None = None
    retry_after_s: float | None = None


class OutboxWorker:
    """Delivers due outbox rows to provider webhooks; one per service instance.

    Several workers (in one process or many) may share a database: claims never
    overlap while a lease lasts, and a lease outlives a POST's deadline.

    Usage::

        async with OutboxWorker(db, settings) as worker:
            ...                  # runs in the background until the block ends
            worker.wake()        # a row was just written: look now, not at the next poll

    Args:
        db: the database holding ``handoff_outbox``.
        config: the handoff settings.
        http: an aiohttp session to POST with (default: the worker opens its own).
        worker_id: this worker's name in ``claimed_by`` (default: host:pid:random).
        clock: the current time (tests move it).
        rng: jitter source.
    """

    def __init__(
        self,
        db: Database,
        config: HandoffConfig,
        *,
        http: aiohttp.ClientSession | None = None,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
    ) -> None:
        check_timings(config)
        self.db = db
        self.config = config
        self.worker_id = (worker_id or _default_worker_id())[:64]
        self.stats = OutboxStats()
        self._webhooks: Mapping[str, str] = webhook_map(config)
        self._http = http
        self._owns_http = http is None
        self._source_clock = clock
        self._rng = rng or random.Random()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: set[asyncio.Task[None]] = set()
        self._closed = False

    # lifecycle

    async def __aenter__(self) -> OutboxWorker:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def start(self) -> None:
        """Start the background loop (inside a running event loop)."""
        if self._closed:
            raise RuntimeError("an OutboxWorker cannot be restarted once closed")
        if self._task is not None:
            return
        self._ensure_http()
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"outbox-worker:{self.worker_id}"
        )

    async def aclose(self, *, release: bool = True) -> None:
        """Stop: cancel the loop and deliveries in flight, then release held rows.

        Args:
            release: hand rows this worker holds back at once (default). ``False``
                leaves them to their lease, as a crash would.
        """
        if self._closed:
            return
        self._closed = True
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for task in tasks:
            await stop_task(task)
        if release:
            try:
                count = await self._sql(
                    lambda s: release_claims(s, worker_id=self.worker_id, now=self._clock())
                )
            except Exception as exc:  # a stopping worker must not fail the shutdown
                log.warning("outbox: releasing claims failed (%s)", type(exc).__name__)
            else:
                if count:
                    log.info("outbox: released %d handoff(s) on stop", count)
        if self._owns_http and self._http is not None:
            await self._http.close()

    def _clock(self) -> datetime:
        return self._source_clock().astimezone(UTC)

    def wake(self) -> None:
        """Look for due rows now (call after writing a row in this process)."""
        self._wake.set()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # one pass, for tests and the bench

    async def run_once(self) -> int:
        """Claim one batch and deliver it, waiting for every delivery.

        Returns:
            How many rows were claimed.
        """
        self._ensure_http()
        claims = await self._claim(self.config.handoff_batch_size)
        await asyncio.gather(*(self._deliver(claim) for claim in claims))
        return len(claims)

    # the loop

    async def _run(self) -> None:
        failures = 0
        while True:
            free = self.config.handoff_concurrency - len(self._inflight)
            claimed = 0
            if free > 0:
                try:
                    claims = await self._claim(min(free, self.config.handoff_batch_size))
                except Exception as exc:  # database down or busy: log, back off, retry
                    failures += 1
                    self.stats.cycle_errors += 1
                    log.warning("outbox: claim failed (%s)", type(exc).__name__)
                    await self._sleep(
                        backoff_delay(
                            failures,
                            base_s=self.config.handoff_poll_s,
                            max_s=max(self.config.handoff_poll_s, 30.0),
                            jitter=self._rng.random(),
                        )
                    )
                    continue
                failures = 0
                claimed = len(claims)
                for claim in claims:
                    task = asyncio.get_running_loop().create_task(self._deliver(claim))
                    self._inflight.add(task)
                    task.add_done_callback(self._delivery_done)
                if claimed and claimed == min(free, self.config.handoff_batch_size):
                    continue  # there may be more due right now
            await self._sleep(self.config.handoff_poll_s)

    def _delivery_done(self, task: asyncio.Task[None]) -> None:
        self._inflight.discard(task)
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()

    async def _claim(self, limit: int) -> list[Claim]:
        now = self._clock()
        claims = await self._sql(
            lambda s: claim_due(
                s,
                worker_id=self.worker_id,
                now=now,
                lease_s=self.config.handoff_lease_s,
                limit=limit,
            )
        )
        self.stats.claimed += len(claims)
        return claims

    async def _deliver(self, claim: Claim) -> None:
        try:
            outcome = await self._post(claim)
        except Exception as exc:  # a bug, not the provider: counted as a failed attempt
            log.warning("handoff %s: delivery raised %s", claim.handoff_id, type(exc).__name__)
            outcome = _Outcome(ok=False, error=f"internal-{type(exc).__name__}"[:64])
        now = self._clock()
        try:
            if outcome.ok:
                assert outcome.status is not None
                held = await self._sql(
                    lambda s: mark_delivered(s, claim, now=now, status=cast(int, outcome.status))
                )
                self.stats.delivered += held
                log.debug(
                    "handoff %s delivered to %s (attempt %d)",
                    claim.handoff_id,
                    claim.provider,
                    claim.attempt,
                )
            else:
                retry_at = self._retry_at(claim, outcome, now)
                error = outcome.error or "failed"
                held = await self._sql(
                    lambda s: mark_failed(
                        s, claim, now=now, error=error, status=outcome.status, retry_at=retry_at
                    )
                )
                if held and retry_at is None:
                    self.stats.dead += 1
                    log.error(
                        "handoff %s to %s is dead after %d attempts (last error %s)",
                        claim.handoff_id,
                        claim.provider,
                        claim.attempt,
                        error,
                    )
                elif held:
                    self.stats.retried += 1
                    log.warning(
                        "handoff %s to %s: attempt %d failed (%s), retry in %.1f s",
                        claim.handoff_id,
                        claim.provider,
                        claim.attempt,
                        error,
                        (cast(datetime, retry_at) - now).total_seconds(),
                    )
        except Exception as exc:  # the row keeps its lease and is retried after it
            self.stats.cycle_errors += 1
            log.warning(
                "handoff %s: recording the outcome failed (%s); retried after the lease",
                claim.handoff_id,
                type(exc).__name__,
            )
            return
        if not held:
            self.stats.lease_lost += 1
            log.warning(
                "handoff %s: lease lost before attempt %d was recorded",
                claim.handoff_id,
                claim.attempt,
            )

    async def _sql(self, fn: Callable[[Session], T]) -> T:
        """``Database.run``, except that a cancelled caller still waits for the thread.

        A cancelled ``to_thread`` leaves its thread running with a connection out
        of the pool; waiting for it keeps ``aclose`` from returning (and the
        engine from being disposed) while SQL is still in flight.
        """
        task = asyncio.ensure_future(self.db.run(fn))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait([task])
            if not task.cancelled():
                task.exception()  # retrieved: its failure does not matter any more
            raise

    def _retry_at(self, claim: Claim, outcome: _Outcome, now: datetime) -> datetime | None:
        if claim.attempt >= self.config.handoff_max_attempts:
            return None
        delay = backoff_delay(
            claim.attempt,
            base_s=self.config.handoff_backoff_base_s,
            max_s=self.config.handoff_backoff_max_s,
            jitter=self._rng.random(),
        )
        if outcome.retry_after_s is not None:
            delay = max(delay, min(outcome.retry_after_s, self.config.handoff_backoff_max_s))
        return now + timedelta(seconds=delay)

    async def _post(self, claim: Claim) -> _Outcome:
        url = claim.url or self._webhooks.get(claim.provider)
        if not url:
            return _Outcome(ok=False, error="no-webhook")
        body = encode_body(claim.payload)
        headers = signed_headers(
            secret_for(self.config, claim.provider),
            body,
            idempotency_key=claim.handoff_id,
            timestamp=int(self._clock().timestamp()),
        )
        headers["Content-Type"] = CONTENT_TYPE
        headers["X-Urgentline-Attempt"] = str(claim.attempt)
        headers["User-Agent"] = "urgentline-handoff/1"
        http = self._ensure_http()
        self.stats.posts += 1
        try:
            async with http.post(
                url,
                data=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.config.handoff_timeout_s),
                allow_redirects=False,
            ) as response:
                status = response.status
                retry_after = _retry_after(response.headers.get("Retry-After"))
        except TimeoutError:
            return _Outcome(ok=False, error="timeout")
        except aiohttp.ClientConnectorError:
            return _Outcome(ok=False, error="connect-error")
        except aiohttp.ServerDisconnectedError:
            return _Outcome(ok=False, error="disconnected")
        except aiohttp.ClientError as exc:
            return _Outcome(ok=False, error=f"client-{type(exc).__name__}"[:64])
        if 200 <= status < 300:
            return _Outcome(ok=True, status=status)
        return _Outcome(ok=False, error=f"http-{status}", status=status, retry_after_s=retry_after)

    def _ensure_http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.config.handoff_concurrency)
            )
        return self._http


def encode_body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed): compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP-date: ignored, the backoff applies
    return seconds if seconds >= 0 else None


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
