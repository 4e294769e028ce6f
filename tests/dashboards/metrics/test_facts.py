"""Applying events is idempotent and order-free: duplicates and reordering change nothing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from callflow.events import CallEvent, CallEventType
from dashboards.metrics import LiveMetrics
from dashboards.metrics.facts import CallFacts
from dashboards.views import Board, Rag
from tests.dashboards.metrics.kit import (
    abandoned_call,
    answered_call,
    at,
    event,
    ivr_hangup,
    waiting_call,
)

PATHWAYS = ["default111", "dental", "crisis"]


@st.composite
def calls(draw: st.DrawFn) -> list[CallEvent]:
    """Events of a few calls of every kind, with call-backs and fallbacks sprinkled in."""
    events: list[CallEvent] = []
    for n in range(draw(st.integers(min_value=1, max_value=12))):
        call_id = f"call-{n}"
        arrive = draw(st.integers(min_value=0, max_value=3000))
        wait = draw(st.floats(min_value=0, max_value=300, allow_nan=False))
        pathway = draw(st.sampled_from(PATHWAYS))
        kind = draw(st.sampled_from(["answered", "abandoned", "ivr", "waiting"]))
        if kind == "answered":
            provider = draw(st.sampled_from([None, "pharmacy"]))
            events += answered_call(call_id, arrive, wait, pathway=pathway, provider=provider)
        elif kind == "abandoned":
            events += abandoned_call(call_id, arrive, wait, pathway=pathway)
        elif kind == "ivr":
            events += ivr_hangup(call_id, arrive)
        else:
            events += waiting_call(call_id, arrive, pathway=pathway)
        if draw(st.booleans()):
            events.append(event(call_id, CallEventType.CALLBACK_OFFERED, arrive + 40))
        if draw(st.booleans()):
            events.append(event(call_id, CallEventType.FALLBACK, arrive + 30, reason="x"))
    return events


def snapshot(live: LiveMetrics) -> list[object]:
    """Every figure a caller can see, at a few moments and windows, and the board."""
    seen: list[object] = []
    for now in (at(500), at(2000), at(4000)):
        for window in (600, 3600):
            for kind in ("system", "provider", "pathway"):
                for key in sorted(live.scopes(kind)):
                    seen.append((kind, key, window, live.figures(kind, key, window, now)))
        seen.append(_board(live.board(now, 3600, 300, lambda *_: Rag.NONE)))
    return seen


def _board(board: Board) -> object:
    rows = [board.system, *board.providers, *board.pathways]
    return sorted((r.kind, r.key, r.figures, r.trend, r.answered_trend) for r in rows)


@settings(max_examples=150, deadline=None)
@given(calls(), st.data())
def test_any_order_with_any_duplicates_gives_the_same_figures(
    events: list[CallEvent], data: st.DataObject
) -> None:
    once = LiveMetrics()
    once.apply(events)
    shuffled = data.draw(st.permutations(events))
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    messy = LiveMetrics()
    for batch in (shuffled[: len(shuffled) // 2], repeats, shuffled[len(shuffled) // 2 :]):
        messy.apply(batch)
    assert snapshot(messy) == snapshot(once)


@settings(max_examples=50, deadline=None)
@given(calls())
def test_every_event_applied_twice_changes_nothing(events: list[CallEvent]) -> None:
    live = LiveMetrics()
    assert live.apply(events) > 0
    before = snapshot(live)
    assert live.apply(events) == 0
    assert snapshot(live) == before


def test_the_earliest_event_of_a_type_wins_and_ties_are_settled_by_value() -> None:
    first = event("x", CallEventType.ROUTING, 10, pathway="dental", fallback=False)
    tie = event("x", CallEventType.ROUTING, 10, pathway="crisis", fallback=False)
    later = event("x", CallEventType.ROUTING, 11, pathway="aaa", fallback=False)
    outcomes = set()
    for order in ([first, tie, later], [later, tie, first], [tie, later, first]):
        facts = CallFacts()
        for e in order:
            facts.apply(e)
        outcomes.add(facts.routing)
    assert len(outcomes) == 1
    (routing,) = outcomes
    assert routing is not None and routing.pathway == "crisis"  # "crisis" < "dental"


def test_event_types_the_metrics_do_not_read_change_nothing() -> None:
    facts = CallFacts()
    assert not facts.apply(event("x", CallEventType.MENU_CHOICE, 5, choice="1"))
    assert facts.records() == CallFacts().records()
