"""The lookup's decisions, pure: a shared number never picks one patient."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from careplans.lookup import (
    LookupOutcome,
    LookupResult,
    MatchedBy,
    PlanSummary,
    for_patient,
    for_phone,
)
from careplans.model import PlanType

EOL = PlanSummary("a" * 32, PlanType.END_OF_LIFE, "line one\nline two", "Hospice")
MH = PlanSummary("b" * 32, PlanType.MENTAL_HEALTH_CRISIS, "crisis", None)


def test_one_patient_with_plans_is_found_in_type_order() -> None:
    result = for_phone(1, {7: [MH, EOL]})
    assert result.outcome is LookupOutcome.FOUND
    assert result.plans == (EOL, MH)
    assert result.matched_by is MatchedBy.CALLER
    assert result.has("mental_health_crisis") and not result.has(PlanType.FRAILTY)


def test_a_shared_number_asks_to_confirm_identity() -> None:
    result = for_phone(3, {7: [EOL]})
    assert result.outcome is LookupOutcome.CONFIRM_IDENTITY
    assert result.plans == () and result.candidates == 3


def test_no_match_and_no_plan() -> None:
    assert for_phone(0, {}).reason == "no-match"
    assert for_phone(1, {}).reason == "no-plan"
    assert for_phone(2, {1: [], 2: []}).outcome is LookupOutcome.NONE
    assert for_patient([], MatchedBy.NHS_NUMBER).reason == "no-plan"


summaries = st.builds(
    PlanSummary,
    plan_id=st.text("0123456789abcdef", min_size=32, max_size=32),
    plan_type=st.sampled_from(PlanType),
    summary=st.text(min_size=1, max_size=40),
    owner=st.none() | st.text(max_size=20),
)
results = st.builds(
    LookupResult,
    outcome=st.sampled_from(LookupOutcome),
    plans=st.lists(summaries, max_size=3).map(tuple),
    matched_by=st.none() | st.sampled_from(MatchedBy),
    candidates=st.integers(0, 50),
    reason=st.none() | st.sampled_from(["no-match", "deadline"]),
)


@given(results)
def test_results_survive_the_cache_round_trip(result: LookupResult) -> None:
    back = LookupResult.loads(result.dumps())
    assert back == result
    assert back.served_from_cache().cached
