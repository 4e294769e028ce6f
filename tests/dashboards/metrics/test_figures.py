"""IUC ADC items from events: definitions, bands, centiles, windows, the live queue."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callflow.events import CallEventType
from dashboards.metrics import LiveMetrics, UnknownScopeKind
from dashboards.views import Figures, Rag
from tests.dashboards.metrics.kit import (
    IVR_S,
    abandoned_call,
    answered_call,
    at,
    event,
    ivr_hangup,
    waiting_call,
)

HOUR = 3600


def scenario() -> LiveMetrics:
    live = LiveMetrics(providers=["dental", "crisis"], pathways=["default111"])
    live.apply(
        [
            *answered_call("c1", 0, 10),
            *answered_call("c2", 100, 60, pathway="dental"),
            *answered_call("c3", 200, 90, provider="pharmacy"),
            *abandoned_call("c4", 300, 30),
            *abandoned_call("c5", 400, 45, pathway="dental"),
            *abandoned_call("c6", 500, 61),
            *ivr_hangup("c7", 600),
            *waiting_call("c8", 2900),
            *answered_call("c9", -1000, 5),  # arrived before the window
        ]
    )
    return live


def test_system_figures_follow_the_iuc_adc_definitions() -> None:
    figures = scenario().figures("system", "all", HOUR, at(3000))
    counts = replace(
        figures,
        b06_mean_answer_s=None,
        b07_p95_answer_s=None,
        b09_abandoned_time_s=0.0,
        longest_wait_s=0.0,
    )
    assert counts == Figures(
        a01_received=8,
        a02_ivr_routed=7,
        a03_answered=3,
        b01_answered_60s=2,
        b02_abandoned=3,
        b03_abandoned_30s=1,
        b04_abandoned_30_60s=1,
        b05_abandoned_over_60s=1,
        waiting_now=1,
    )
    assert figures.b06_mean_answer_s == pytest.approx((10 + 60 + 90) / 3)
    assert figures.b07_p95_answer_s == pytest.approx(60 + 0.9 * 30)  # rank 0.95·(3-1) = 1.9
    assert figures.b09_abandoned_time_s == pytest.approx(30 + 45 + 61)
    assert figures.longest_wait_s == pytest.approx(3000 - (2900 + IVR_S))
    assert figures.abandon_rate == pytest.approx(3 / 8)
    assert figures.answered_60s_rate == pytest.approx(2 / 3)


def test_a_provider_counts_only_the_calls_it_answered() -> None:
    live = scenario()
    pharmacy = live.figures("provider", "pharmacy", HOUR, at(3000))
    assert (pharmacy.a01_received, pharmacy.a03_answered, pharmacy.b02_abandoned) == (1, 1, 0)
    assert pharmacy.waiting_now == 0
    default = live.figures("provider", "default111", HOUR, at(3000))
    assert (default.a01_received, default.a03_answered) == (1, 1)  # c1; c3 went to pharmacy
    dental = live.figures("provider", "dental", HOUR, at(3000))
    assert (dental.a01_received, dental.b02_abandoned) == (1, 0)  # c5 never reached dental


def test_a_pathway_counts_its_waiting_and_abandoned_calls() -> None:
    figures = scenario().figures("pathway", "default111", HOUR, at(3000))
    assert figures.a01_received == 5  # c1, c3, c4, c6, c8 (c7 hung up before any pathway)
    assert figures.b02_abandoned == 2 and figures.a03_answered == 2
    assert figures.waiting_now == 1
    assert scenario().figures("pathway", "dental", HOUR, at(3000)).a01_received == 2


def test_unknown_scopes_are_empty_and_unknown_kinds_are_refused() -> None:
    live = scenario()
    assert live.figures("provider", "nobody", HOUR, at(3000)) == Figures()
    with pytest.raises(UnknownScopeKind):
        live.figures("region", "london", HOUR, at(3000))
    with pytest.raises(UnknownScopeKind):
        live.scopes("region")


def test_scopes_list_configured_ids_first_then_those_seen() -> None:
    live = scenario()
    assert live.scopes("system") == ("all",)
    assert live.scopes("provider") == ("dental", "crisis", "default111", "pharmacy")
    assert live.scopes("pathway") == ("default111", "dental")


def test_abandon_bands_put_a_boundary_in_the_lower_band() -> None:
    live = LiveMetrics()
    waits = [0, 30, 30.001, 60, 60.001, 600]
    for n, wait in enumerate(waits):
        live.apply(abandoned_call(f"a{n}", n, wait))
    figures = live.figures("system", "all", HOUR, at(2000))
    assert (figures.b03_abandoned_30s, figures.b04_abandoned_30_60s) == (2, 2)
    assert figures.b05_abandoned_over_60s == 2
    assert figures.b02_abandoned == 6
    assert figures.b09_abandoned_time_s == pytest.approx(sum(waits))


def test_an_answer_at_exactly_60_s_is_within_60_s() -> None:
    live = LiveMetrics()
    live.apply([*answered_call("x", 0, 60), *answered_call("y", 1, 60.001)])
    figures = live.figures("system", "all", HOUR, at(2000))
    assert (figures.a03_answered, figures.b01_answered_60s) == (2, 1)


def test_an_ivr_hang_up_is_received_but_not_abandoned() -> None:
    live = LiveMetrics()
    live.apply(ivr_hangup("x", 0))
    figures = live.figures("system", "all", HOUR, at(100))
    assert (figures.a01_received, figures.a02_ivr_routed, figures.b02_abandoned) == (1, 0, 0)


def test_waits_missing_from_events_come_from_the_timestamps() -> None:
    live = LiveMetrics()
    live.apply(
        [
            event("x", CallEventType.ARRIVED, 0),
            event("x", CallEventType.ROUTING, 20, pathway="dental"),
            event("x", CallEventType.CONNECTED, 65, destination="dental"),
            event("y", CallEventType.ARRIVED, 0),
            event("y", CallEventType.ROUTING, 10, pathway="dental"),
            event("y", CallEventType.ABANDONED, 50),  # no stage, no wait: routed, so queue
            event("z", CallEventType.ARRIVED, 0),
            event("z", CallEventType.ABANDONED, 5),  # never routed: IVR stage
        ]
    )
    figures = live.figures("system", "all", HOUR, at(100))
    assert figures.b06_mean_answer_s == pytest.approx(45)
    assert figures.b01_answered_60s == 1
    assert (figures.b02_abandoned, figures.b04_abandoned_30_60s) == (1, 1)
    assert figures.b09_abandoned_time_s == pytest.approx(40)
    dental = live.figures("pathway", "dental", HOUR, at(100))
    assert (dental.a01_received, dental.a03_answered) == (2, 1)


def test_attributes_of_the_wrong_type_are_read_as_unknown() -> None:
    live = LiveMetrics()
    live.apply(
        [
            event("x", CallEventType.ARRIVED, 0),
            event("x", CallEventType.ROUTING, 20, pathway=7, fallback="yes"),
            event("x", CallEventType.CONNECTED, 50, destination=None, wait_s="soon"),
        ]
    )
    figures = live.figures("system", "all", HOUR, at(100))
    assert figures.b06_mean_answer_s == pytest.approx(30)
    assert figures.fallbacks == 0
    assert live.scopes("pathway") == () and live.scopes("provider") == ()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=3600, allow_nan=False), min_size=1, max_size=60))
def test_centile_and_mean_match_numpy_and_the_type_7_definition(waits: list[float]) -> None:
    live = LiveMetrics()
    for n, wait in enumerate(waits):
        live.apply(answered_call(f"c{n}", n, wait))
    figures = live.figures("system", "all", 86_400, at(10_000))
    assert figures.b07_p95_answer_s == pytest.approx(np.percentile(waits, 95), abs=1e-6)
    ordered = sorted(waits)
    rank = 0.95 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    by_hand = ordered[low] + (rank - low) * (ordered[high] - ordered[low])
    assert figures.b07_p95_answer_s == pytest.approx(by_hand, abs=1e-6)
    assert figures.b06_mean_answer_s == pytest.approx(sum(waits) / len(waits), abs=1e-6)
    assert figures.b01_answered_60s == sum(1 for w in waits if w <= 60)


def test_no_answers_means_no_mean_and_no_centile() -> None:
    live = LiveMetrics()
    live.apply(abandoned_call("x", 0, 10))
    figures = live.figures("system", "all", HOUR, at(100))
    assert figures.b06_mean_answer_s is None and figures.b07_p95_answer_s is None
    assert figures.answered_60s_rate is None


def test_the_window_holds_arrivals_after_its_start_up_to_now_inclusive() -> None:
    live = LiveMetrics()
    live.apply([*ivr_hangup("start", 0), *ivr_hangup("inside", 1), *ivr_hangup("now", 600)])
    assert live.figures("system", "all", 600, at(600)).a01_received == 2  # inside, now
    assert live.figures("system", "all", 600, at(599)).a01_received == 2  # start, inside
    assert live.figures("system", "all", 601, at(600)).a01_received == 3


def test_a_call_counts_as_waiting_from_routing_until_its_outcome() -> None:
    live = LiveMetrics()
    live.apply(answered_call("x", 0, 100))  # routed at 20, answered at 120
    live.apply(waiting_call("y", 50))  # routed at 70, no outcome yet
    waiting = [live.figures("system", "all", HOUR, at(t)) for t in (10, 20, 119, 120, 200)]
    assert [f.waiting_now for f in waiting] == [0, 1, 2, 1, 1]
    assert [f.longest_wait_s for f in waiting] == [0, 0, 99, 50, 130]


def test_a_waiting_call_whose_end_was_lost_stops_counting_when_stale() -> None:
    live = LiveMetrics(stale_after_s=600)
    live.apply(waiting_call("lost", 0))
    assert live.figures("system", "all", HOUR, at(IVR_S + 599)).waiting_now == 1
    assert live.figures("system", "all", HOUR, at(IVR_S + 600)).waiting_now == 0


def test_callbacks_and_fallbacks_are_counted_once_per_call() -> None:
    live = LiveMetrics()
    live.apply(
        [
            *waiting_call("x", 0),
            event("x", CallEventType.CALLBACK_OFFERED, 100),
            event("x", CallEventType.CALLBACK_OFFERED, 200),
            event("x", CallEventType.CALLBACK_MADE, 300),
            *waiting_call("y", 0),
            event("y", CallEventType.FALLBACK, 30, reason="queue-overflow"),
            event("y", CallEventType.FALLBACK, 40, reason="queue-unavailable"),
            event("z", CallEventType.ARRIVED, 0),
            event("z", CallEventType.ROUTING, 10, pathway="default111", fallback=True),
        ]
    )
    figures = live.figures("system", "all", HOUR, at(400))
    assert (figures.callbacks_offered, figures.callbacks_made, figures.fallbacks) == (1, 1, 2)


def test_the_board_has_a_row_per_scope_with_per_bucket_trends() -> None:
    live = LiveMetrics(providers=["crisis"])
    live.apply(
        [
            *answered_call("a", 0, 10, pathway="dental"),
            *answered_call("b", 301, 90, pathway="dental"),
            *ivr_hangup("c", 650),
        ]
    )
    seen: list[tuple[str, str]] = []

    def rag(kind: str, key: str, figures: Figures) -> Rag:
        seen.append((kind, key))
        return Rag.RED if figures.b02_abandoned or kind == "provider" else Rag.GREEN

    board = live.board(at(899), 900, 300, rag)
    assert board.window_s == 900 and board.bucket_s == 300 and board.at == at(899)
    assert board.system.trend == (1, 1, 1)
    assert board.system.answered_trend == (1.0, 0.0, None)
    assert board.system.figures == live.figures("system", "all", 900, at(899))
    assert [r.key for r in board.providers] == ["crisis", "dental"]
    assert board.providers[0].trend == (0, 0, 0) and board.providers[0].rag is Rag.RED
    assert [r.key for r in board.pathways] == ["dental"]
    assert board.pathways[0].trend == (1, 1, 0) and board.pathways[0].rag is Rag.GREEN
    assert seen == [
        ("system", "all"),
        ("provider", "crisis"),
        ("provider", "dental"),
        ("pathway", "dental"),
    ]


def test_series_splits_arrivals_into_half_open_buckets() -> None:
    live = LiveMetrics()
    live.apply([*ivr_hangup("a", 0), *ivr_hangup("b", 299.9), *ivr_hangup("c", 300)])
    counts = [f.a01_received for f in live.series("system", "all", at(0), 300, 3)]
    assert counts == [2, 1, 0]
