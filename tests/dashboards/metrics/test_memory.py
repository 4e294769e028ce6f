"""LiveMetrics stays bounded: whole written buckets age out, late events cannot reopen them."""

from __future__ import annotations

from datetime import timedelta

from callflow.events import CallEventType
from dashboards.metrics import LiveMetrics
from tests.dashboards.metrics.kit import answered_call, at, event, ivr_hangup

HOUR = 3600


def test_take_dirty_reports_each_changed_bucket_once() -> None:
    live = LiveMetrics(rollup_bucket_s=900)
    live.apply([*ivr_hangup("a", 10), *ivr_hangup("b", 950)])
    assert live.take_dirty() == [at(0), at(900)]
    assert live.take_dirty() == []
    live.apply([event("a", CallEventType.CALLBACK_OFFERED, 2000)])  # a late fact of call a
    assert live.take_dirty() == [at(0)]
    live.apply([event("a", CallEventType.CALLBACK_OFFERED, 2000)])  # a duplicate: no change
    assert live.take_dirty() == []


def test_a_rollup_has_a_row_for_every_known_scope() -> None:
    live = LiveMetrics(providers=["crisis"], rollup_bucket_s=900)
    live.apply(answered_call("a", 10, 5, pathway="dental"))
    rows = {(kind, key): f for kind, key, f in live.rollup(at(0))}
    assert set(rows) == {
        ("system", "all"),
        ("provider", "crisis"),
        ("provider", "dental"),
        ("pathway", "dental"),
    }
    assert rows[("provider", "dental")].a03_answered == 1
    assert rows[("provider", "crisis")].a01_received == 0


def test_prune_drops_only_written_buckets_past_retention() -> None:
    live = LiveMetrics(retention_s=HOUR, rollup_bucket_s=900)
    live.apply([*ivr_hangup("old", 10), *ivr_hangup("newer", 2000)])
    dirty = live.take_dirty()
    live.restore_dirty(dirty)  # as after a failed write
    assert live.prune(at(10_000)) == 0 and len(live) == 2
    live.take_dirty()  # written
    assert live.prune(at(900 + HOUR - 1)) == 0  # the first bucket ends 1 s too late
    assert live.prune(at(900 + HOUR)) == 1 and len(live) == 1
    assert live.figures("system", "all", 4 * HOUR, at(900 + HOUR)).a01_received == 1


def test_events_before_the_floor_are_ignored_and_never_reopen_a_bucket() -> None:
    live = LiveMetrics(retention_s=HOUR, rollup_bucket_s=900)
    live.apply(ivr_hangup("a", 10))
    live.take_dirty()
    live.prune(at(900 + HOUR))
    assert len(live) == 0 and live.since == at(900).timestamp()
    live.apply(ivr_hangup("replayed", 20))
    assert len(live) == 0 and live.ignored_old == 3
    assert live.take_dirty() == []


def test_set_floor_starts_at_a_bucket_boundary() -> None:
    live = LiveMetrics(rollup_bucket_s=900)
    assert live.set_floor(at(1000)) == at(900)
    live.apply([*ivr_hangup("before", 899), *ivr_hangup("after", 900)])
    # "before" arrived under the floor: its later events cannot place it in a window.
    assert live.figures("system", "all", HOUR, at(1000)).a01_received == 1
    assert live.take_dirty() == [at(900)]
    assert live.set_floor(at(0)) == at(900)  # the floor never goes down


def test_past_the_ceiling_the_oldest_buckets_are_dropped_whole() -> None:
    live = LiveMetrics(rollup_bucket_s=900, max_calls=20)
    for n in range(21):
        live.apply(ivr_hangup(f"c{n}", n * 100))  # 9 calls per bucket
    assert len(live) == 12 and live.evicted == 9
    assert live.since == at(900).timestamp()
    assert all(b >= at(900) for b in live.take_dirty())
    later = at(2100) + timedelta(seconds=1)
    assert live.figures("system", "all", 24 * HOUR, later).a01_received == 12
