"""LiveMetrics: the CallEvent stream reduced to per-call facts, and figures from them.

Theory of operation. ``apply`` merges each event into its call's facts
(``facts.py``: idempotent and order-free) and rewrites that call's slot in the
column store (``columns.py``); figures are then vectorised sums over the slots
(``compute.py``). Nothing here does I/O or reads a clock: ``now`` is always an
argument, so the same object serves the live board, the alert engine (it
implements the alerts' ``FigureSource``), Prometheus, the open-data feed and
the roll-ups, and tests drive it with plain lists of events.

Memory stays bounded: ``prune`` drops the calls of buckets that ended more than
``retention_s`` ago, but only once the bucket's roll-up has been written
(``take_dirty`` / ``restore_dirty``). ``since`` is the low-water mark: events
older than it are ignored and buckets before it are never rolled up again,
because the calls in them may be gone from memory (pruned, or never re-read
after a restart) and a recomputation would overwrite a complete roll-up with a
partial one. Sums are taken in ascending order, so even the last bit of a mean
does not depend on the order the events came in.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

import numpy as np

from callflow.events import CallEvent
from dashboards.metrics.columns import Bools, CallColumns
from dashboards.metrics.compute import Live, in_window, summarise, trend
from dashboards.metrics.facts import TRACKED, CallFacts, row
from dashboards.views import Board, Figures, Rag, ScopeRow

log = logging.getLogger(__name__)

SYSTEM = "system"
PROVIDER = "provider"
PATHWAY = "pathway"
SCOPE_KINDS = (SYSTEM, PROVIDER, PATHWAY)
SYSTEM_KEY = "all"
"""The one key of the ``system`` scope (every call)."""

DAY_S = 86_400
_CACHE_LIMIT = 4096


class UnknownScopeKind(ValueError):
    """A scope kind other than ``system``, ``provider`` or ``pathway``."""


def floor_to(moment: float, bucket_s: float) -> float:
    """The start of the ``bucket_s`` bucket holding ``moment`` (buckets aligned on the epoch)."""
    return math.floor(moment / bucket_s) * bucket_s


def as_datetime(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


class LiveMetrics:
    """Per-call facts of the recent past and the IUC ADC figures over them.

    Args:
        providers: provider ids to list even before any call reached them.
        pathways: pathway ids to list even before any call was routed to them.
        retention_s: how long a call's facts are kept after its roll-up bucket
            ends (the longest window anyone may ask for).
        rollup_bucket_s: the roll-up bucket size (``take_dirty`` reports buckets of it).
        stale_after_s: a routed call with no outcome for this long stops counting
            as waiting (its end was lost).
        max_calls: hard ceiling on calls held; past it the oldest are dropped
            even if not rolled up (a long database outage must not exhaust memory).

    Usage::

        live = LiveMetrics(providers=["dental", "crisis"])
        live.apply(events)
        figures = live.figures("provider", "dental", 900, datetime.now(UTC))
    """

    def __init__(
        self,
        *,
        providers: Iterable[str] = (),
        pathways: Iterable[str] = (),
        labels: Mapping[str, str] | None = None,
        retention_s: int = DAY_S,
        rollup_bucket_s: int = 900,
        stale_after_s: float = 6 * 3600,
        max_calls: int = 500_000,
    ) -> None:
        self.labels = dict(labels or {})
        """Names people read for provider and pathway keys (``dental`` -> its service name)."""
        self.retention_s = retention_s
        self.rollup_bucket_s = rollup_bucket_s
        self.stale_after_s = stale_after_s
        self.max_calls = max_calls
        self.since: float | None = None
        self._facts: dict[str, CallFacts] = {}
        self._columns = CallColumns()
        self._keys: dict[str, dict[str, None]] = {
            PROVIDER: dict.fromkeys(providers),
            PATHWAY: dict.fromkeys(pathways),
        }
        self._dirty: set[float] = set()
        self._cache: dict[tuple[str, str, int, float], Figures] = {}
        self.ignored_old = 0
        self.evicted = 0

    def __len__(self) -> int:
        """Calls held."""
        return len(self._facts)

    # ------------------------------------------------------------------ events in

    def apply(self, events: Iterable[CallEvent]) -> int:
        """Merge events into the facts; returns how many changed something.

        Applying an event again, or the same events in another order, leaves
        the facts (and so every figure) exactly as they were.
        """
        changed = 0
        for event in events:
            if event.type not in TRACKED:
                continue
            if self.since is not None and event.at.timestamp() < self.since:
                self.ignored_old += 1
                continue
            facts = self._facts.get(event.call_id)
            if facts is None:
                facts = self._facts[event.call_id] = CallFacts()
            before = facts.arrived
            if not facts.apply(event):
                continue
            changed += 1
            derived = row(facts)
            self._columns.put(event.call_id, derived)
            for kind, key in ((PROVIDER, derived.provider), (PATHWAY, derived.pathway)):
                if key:
                    self._keys[kind].setdefault(key, None)
            self._mark(derived.arrived)
            if before is not None and before != facts.arrived:
                self._mark(before.at)
        if changed:
            self._cache.clear()
        if len(self._facts) > self.max_calls:
            self._evict()
        return changed

    def _mark(self, arrived: float) -> None:
        if math.isnan(arrived):
            return
        bucket = floor_to(arrived, self.rollup_bucket_s)
        if self.since is None or bucket >= self.since:
            self._dirty.add(bucket)

    # ------------------------------------------------------------------ FigureSource

    def scopes(self, kind: str) -> Sequence[str]:
        """The keys of a scope kind: configured ids first, then those seen, in order."""
        if kind == SYSTEM:
            return (SYSTEM_KEY,)
        if kind not in self._keys:
            raise UnknownScopeKind(kind)
        return tuple(self._keys[kind])

    def figures(self, kind: str, key: str, window_s: int, now: datetime) -> Figures:
        """The figures of calls that arrived in ``(now - window_s, now]``, plus the live queue.

        Raises:
            UnknownScopeKind: ``kind`` is not a scope kind.
        """
        moment = now.timestamp()
        cache_key = (kind, key, window_s, moment)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        scope = self._scope(kind, key)
        calls = in_window(self._columns, moment - window_s, moment, include_end=True)
        if scope is not None:
            calls &= scope
        result = summarise(self._columns, calls, Live(moment, self.stale_after_s, scope))
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[cache_key] = result
        return result

    def _scope(self, kind: str, key: str) -> Bools | None:
        if kind == SYSTEM:
            return None
        if kind not in self._keys:
            raise UnknownScopeKind(kind)
        columns = self._columns
        codes = columns.provider if kind == PROVIDER else columns.pathway
        code = columns.known_code(key)
        if code is None:
            return np.zeros(columns.used, dtype=np.bool_)
        return codes[: columns.used] == code  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ buckets

    def series(
        self, kind: str, key: str, start: datetime, bucket_s: int, buckets: int
    ) -> list[Figures]:
        """Figures per bucket ``[start + k·bucket_s, start + (k+1)·bucket_s)``, no live queue."""
        scope = self._scope(kind, key)
        origin = start.timestamp()
        out = []
        for k in range(buckets):
            lo = origin + k * bucket_s
            calls = in_window(self._columns, lo, lo + bucket_s, include_end=False)
            if scope is not None:
                calls &= scope
            out.append(summarise(self._columns, calls, None))
        return out

    def board(
        self,
        now: datetime,
        window_s: int,
        bucket_s: int,
        rag: Callable[[str, str, Figures], Rag],
    ) -> Board:
        """The system row, then one row per provider and per pathway, with sparklines.

        Each row's trend covers ``ceil(window_s / bucket_s)`` buckets aligned on
        the epoch; the last one is the bucket holding ``now`` (still filling).
        """
        buckets = max(1, math.ceil(window_s / bucket_s))
        start = floor_to(now.timestamp(), bucket_s) - (buckets - 1) * bucket_s

        def scope_row(kind: str, key: str, label: str) -> ScopeRow:
            figures = self.figures(kind, key, window_s, now)
            line = trend(self._columns, self._scope(kind, key), start, bucket_s, buckets)
            return ScopeRow(
                kind=kind,
                key=key,
                label=label,
                figures=figures,
                rag=rag(kind, key, figures),
                trend=line.received,
                answered_trend=line.answered_60s_rate,
            )

        return Board(
            at=now,
            window_s=window_s,
            bucket_s=bucket_s,
            system=scope_row(SYSTEM, SYSTEM_KEY, "All calls"),
            providers=tuple(
                scope_row(PROVIDER, k, self.labels.get(k, k)) for k in self.scopes(PROVIDER)
            ),
            pathways=tuple(scope_row(PATHWAY, k, k) for k in self.scopes(PATHWAY)),
        )

    # ------------------------------------------------------------------ roll-ups and memory

    def set_floor(self, moment: datetime) -> datetime:
        """Ignore events before the bucket holding ``moment``, and never roll up earlier buckets.

        Call it before re-reading the stream from the returned time (the start of
        that bucket) after a restart: the buckets before it are not in memory in
        full, so their stored roll-ups must stay as they are.
        """
        self._raise_since(floor_to(moment.timestamp(), self.rollup_bucket_s))
        assert self.since is not None
        return as_datetime(self.since)

    def take_dirty(self) -> list[datetime]:
        """Roll-up buckets changed since the last call, oldest first; the caller writes them."""
        taken = sorted(self._dirty)
        self._dirty.clear()
        return [as_datetime(b) for b in taken]

    def restore_dirty(self, buckets: Iterable[datetime]) -> None:
        """Put back buckets whose write failed, so they are retried and not pruned."""
        for bucket in buckets:
            moment = bucket.timestamp()
            if self.since is None or moment >= self.since:
                self._dirty.add(moment)

    def rollup(self, bucket: datetime) -> list[tuple[str, str, Figures]]:
        """``(kind, key, figures)`` of one roll-up bucket for the system and every known scope."""
        out = []
        for kind in SCOPE_KINDS:
            for key in self.scopes(kind):
                (figures,) = self.series(kind, key, bucket, self.rollup_bucket_s, 1)
                out.append((kind, key, figures))
        return out

    def prune(self, now: datetime) -> int:
        """Drop the calls of buckets that ended ``retention_s`` before ``now`` and are written.

        Whole buckets go together, so a bucket is either complete in memory or
        gone; ``since`` then rises to the first bucket kept (never past a bucket
        still waiting to be written). Calls known only from later events (no
        ``call.arrived``) go once last seen ``retention_s`` ago.
        """
        horizon = now.timestamp() - self.retention_s
        cut = floor_to(horizon, self.rollup_bucket_s)
        old = [
            call_id
            for call_id, facts in self._facts.items()
            if (
                facts.last_seen() < horizon
                if facts.arrived is None
                else self._bucket(facts) < cut and self._bucket(facts) not in self._dirty
            )
        ]
        self._drop(old)
        self._raise_since(min([cut, *self._dirty]))
        return len(old)

    def _bucket(self, facts: CallFacts) -> float:
        return floor_to(facts.arrived.at, self.rollup_bucket_s) if facts.arrived else -math.inf

    def _evict(self) -> None:
        """Drop the oldest tenth of the calls, whole buckets at a time, written or not."""
        by_age = sorted(self._facts, key=lambda call_id: self._bucket(self._facts[call_id]))
        last = self._bucket(self._facts[by_age[max(1, len(by_age) // 10) - 1]])
        victims = [c for c in by_age if self._bucket(self._facts[c]) <= last]
        self._drop(victims)
        self.evicted += len(victims)
        self._raise_since(last + self.rollup_bucket_s)
        log.warning("live metrics over %d calls: dropped %d", self.max_calls, len(victims))

    def _drop(self, call_ids: Iterable[str]) -> None:
        dropped = False
        for call_id in call_ids:
            del self._facts[call_id]
            self._columns.remove(call_id)
            dropped = True
        if dropped:
            self._cache.clear()

    def _raise_since(self, moment: float) -> None:
        if math.isinf(moment):
            return
        self.since = moment if self.since is None else max(self.since, moment)
        self._dirty = {b for b in self._dirty if b >= self.since}
