"""Precedence: the most recently reviewed plan wins; disagreements are flagged, not hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from careplans.precedence import Contender, differing_fields, resolve

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def plan(plan_id: str, reviewed: date | None, **kw: object) -> Contender:
    fields: dict[str, object] = {"source": "s-" + plan_id, "created_at": T0, **kw}
    return Contender(plan_id, reviewed_on=reviewed, **fields)  # type: ignore[arg-type]


def test_most_recently_reviewed_wins_and_supersedes_the_rest() -> None:
    old = plan("a", date(2025, 1, 1), preferred_place_of_care="Hospice")
    new = plan("b", date(2026, 1, 1), preferred_place_of_care="home ")
    unreviewed = plan("c", None)
    result = resolve([old, new, unreviewed])
    assert result.winner == "b"
    assert result.superseded == {"a": "b", "c": "b"}
    (disagreement,) = result.disagreements
    assert (disagreement.winner, disagreement.loser) == ("b", "a")
    assert disagreement.fields == ("preferred_place_of_care",)


def test_unrecorded_is_not_a_disagreement_and_text_is_compared_loosely() -> None:
    a = plan("a", date(2025, 1, 1), dnacpr=True, crisis_instructions="Call  the Hospice")
    b = plan("b", date(2026, 1, 1), dnacpr=None, crisis_instructions="call the hospice")
    assert differing_fields(a, b) == ()
    c = plan("c", date(2026, 1, 1), dnacpr=False, respect_form=True)
    assert differing_fields(a, c) == ("dnacpr",)


def test_inactive_plans_do_not_compete() -> None:
    result = resolve([plan("a", date(2026, 1, 1), active=False), plan("b", date(2020, 1, 1))])
    assert result.winner == "b" and result.superseded == {}
    assert resolve([plan("a", date(2026, 1, 1), active=False)]).winner is None


def test_ties_go_to_the_plan_stored_first() -> None:
    first = plan("z", date(2026, 1, 1), created_at=T0)
    later = plan("a", date(2026, 1, 1), created_at=T0 + timedelta(hours=1))
    assert resolve([later, first]).winner == "z"


contenders = st.lists(
    st.builds(
        Contender,
        plan_id=st.text("abcdef0123456789", min_size=4, max_size=4),
        source=st.sampled_from(["ucp", "eol", "mh"]),
        reviewed_on=st.none() | st.dates(date(2020, 1, 1), date(2027, 1, 1)),
        created_at=st.integers(0, 5).map(lambda h: T0 + timedelta(hours=h)),
        active=st.booleans(),
        dnacpr=st.none() | st.booleans(),
        preferred_place_of_care=st.none() | st.sampled_from(["Home", "Hospice"]),
    ),
    max_size=6,
    unique_by=lambda c: c.plan_id,
)


@given(contenders, st.randoms())
def test_the_answer_does_not_depend_on_input_order(plans: list[Contender], rnd: object) -> None:
    shuffled = list(plans)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert resolve(plans) == resolve(shuffled)
    result = resolve(plans)
    active = [p for p in plans if p.active]
    if not active:
        assert result.winner is None
        return
    winner = next(p for p in active if p.plan_id == result.winner)
    assert all((p.reviewed_on or date.min) <= (winner.reviewed_on or date.min) for p in active)
    assert set(result.superseded) == {p.plan_id for p in active} - {winner.plan_id}
    for d in result.disagreements:
        assert d.winner == winner.plan_id and d.fields
