"""IUC ADC items from the call columns: pure, vectorised, no clock of its own.

Definitions (``domain/nhs-111-facts.md`` §1.2), over the calls *received* in a
window of a scope:

* A01 received, A02 routed through IVR, A03 answered: counts;
* B01 answered within 60 s: answered with ``wait_s <= 60`` (60 s itself is "within");
* B02 abandoned: abandoned at the queue stage (IVR-stage hang-ups are received,
  not abandoned: Wales' "terminated");
* B03 / B04 / B05 by the abandoned call's wait: ``w <= 30`` / ``30 < w <= 60`` /
  ``w > 60``: a boundary belongs to the lower band, as "within 60 s" does;
* B06 mean answer time and B07 95th centile: from the answered calls' own waits,
  never from other aggregates. B07 is ``numpy.percentile(waits, 95)`` with
  numpy's default ``method="linear"`` (Hyndman & Fan type 7: the value at rank
  ``0.95 * (n - 1)``, interpolated between neighbours); ``None`` with no answer;
* B09 total time of abandoned calls: the sum of B02's waits.

``waiting_now`` and ``longest_wait_s`` are live, whatever the window: calls
routed at or before ``now`` and not yet connected, abandoned or ended, leaving
out calls routed longer than ``stale_s`` ago (a call whose end was lost must not
hold the longest wait up for the rest of the day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboards.metrics.columns import Bools, CallColumns, Floats
from dashboards.views import Figures

ANSWER_TARGET_S = 60.0
SHORT_ABANDON_S = 30.0
CENTILE = 95.0


@dataclass(frozen=True, slots=True)
class Live:
    """Where and when to count the live queue; ``scope`` ``None`` means every call."""

    now: float
    stale_s: float
    scope: Bools | None


def in_window(cols: CallColumns, lo: float, hi: float, *, include_end: bool) -> Bools:
    """Calls that arrived in ``(lo, hi]`` (``include_end``) or in ``[lo, hi)``."""
    arrived = cols.arrived[: cols.used]
    if include_end:
        return (arrived > lo) & (arrived <= hi)
    return (arrived >= lo) & (arrived < hi)


def summarise(cols: CallColumns, calls: Bools, live: Live | None) -> Figures:
    """The IUC ADC items over ``calls`` (window and scope already applied)."""
    n = cols.used
    answered = calls & cols.answered[:n]
    waits = cols.wait_s[:n][answered]
    waits = waits[~np.isnan(waits)]
    abandoned = calls & cols.abandoned[:n]
    gave_up = cols.abandon_wait_s[:n][abandoned]
    waiting, longest = _queue(cols, live) if live is not None else (0, 0.0)
    return Figures(
        a01_received=int(np.count_nonzero(calls)),
        a02_ivr_routed=int(np.count_nonzero(calls & ~np.isnan(cols.routed[:n]))),
        a03_answered=int(np.count_nonzero(answered)),
        b01_answered_60s=int(np.count_nonzero(waits <= ANSWER_TARGET_S)),
        b02_abandoned=len(gave_up),
        b03_abandoned_30s=int(np.count_nonzero(gave_up <= SHORT_ABANDON_S)),
        b04_abandoned_30_60s=int(
            np.count_nonzero((gave_up > SHORT_ABANDON_S) & (gave_up <= ANSWER_TARGET_S))
        ),
        b05_abandoned_over_60s=int(np.count_nonzero(gave_up > ANSWER_TARGET_S)),
        b06_mean_answer_s=_total(waits) / len(waits) if len(waits) else None,
        b07_p95_answer_s=float(np.percentile(waits, CENTILE)) if len(waits) else None,
        b09_abandoned_time_s=_total(gave_up),
        waiting_now=waiting,
        longest_wait_s=longest,
        callbacks_offered=int(np.count_nonzero(calls & cols.callback_offered[:n])),
        callbacks_made=int(np.count_nonzero(calls & cols.callback_made[:n])),
        fallbacks=int(np.count_nonzero(calls & cols.fallback[:n])),
    )


def _total(values: Floats) -> float:
    """The sum in ascending order: the same bits whatever order the calls were seen in."""
    return float(np.sum(np.sort(values)))


def _queue(cols: CallColumns, live: Live) -> tuple[int, float]:
    n = cols.used
    routed = cols.routed[:n]
    waiting = (
        (routed <= live.now)
        & (routed > live.now - live.stale_s)
        & ~(cols.done[:n] <= live.now)  # nan (not done yet) compares False
    )
    if live.scope is not None:
        waiting &= live.scope
    if not waiting.any():
        return 0, 0.0
    return int(np.count_nonzero(waiting)), float(live.now - routed[waiting].min())


@dataclass(frozen=True, slots=True)
class Trend:
    """Per-bucket calls received and answered-within-60-s rate, oldest first."""

    received: tuple[int, ...]
    answered_60s_rate: tuple[float | None, ...]


def trend(
    cols: CallColumns, scope: Bools | None, start: float, bucket_s: float, buckets: int
) -> Trend:
    """Per-bucket counts; bucket ``k`` holds arrivals in ``[start + k·b, start + (k+1)·b)``."""
    n = cols.used
    index = np.floor((cols.arrived[:n] - start) / bucket_s)
    chosen = (index >= 0) & (index < buckets)  # nan (blank slot) compares False
    if scope is not None:
        chosen &= scope
    at = index[chosen].astype(np.int64)
    received = np.bincount(at, minlength=buckets)
    answered = np.bincount(at, weights=cols.answered[:n][chosen], minlength=buckets)
    within = cols.answered[:n][chosen] & (cols.wait_s[:n][chosen] <= ANSWER_TARGET_S)
    in_time = np.bincount(at, weights=within, minlength=buckets)
    return Trend(
        received=tuple(int(v) for v in received),
        answered_60s_rate=tuple(
            float(ok / total) if total else None
            for ok, total in zip(in_time, answered, strict=True)
        ),
    )
