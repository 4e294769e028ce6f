"""Open data: 24 hourly aggregates, small numbers withheld, nothing about single calls."""

from __future__ import annotations

import json
from datetime import timedelta

from dashboards.metrics import LiveMetrics, demand
from tests.dashboards.metrics.kit import T0, abandoned_call, answered_call, at

NOW = at(10 * 3600 + 1800)  # 19:30 on the day of T0


def open_data() -> tuple[LiveMetrics, dict[str, object]]:
    live = LiveMetrics(pathways=["palliative"])
    events = []
    for n in range(7):  # 18:00-19:00: 7 answered on dental, 2 abandoned on default111
        events += answered_call(f"call-secret-{n}", 9 * 3600 + n * 60, 20 + n, pathway="dental")
    for n in range(2):
        events += abandoned_call(f"call-hidden-{n}", 9 * 3600 + n * 60, 45)
    for n in range(3):  # 19:00-20:00 (still filling): 3 answered on dental
        events += answered_call(f"call-late-{n}", 10 * 3600 + n * 60, 30, pathway="dental")
    live.apply(events)
    return live, demand(live, NOW)


def hour(doc: dict[str, object], key: str, index: int) -> dict[str, object]:
    scopes = doc["scopes"]
    assert isinstance(scopes, list)
    (scope,) = [s for s in scopes if s["key"] == key]
    hours = scope["hours"]
    assert len(hours) == 24
    return hours[index]  # type: ignore[no-any-return]


def test_the_document_covers_24_hours_up_to_the_one_still_filling() -> None:
    _, doc = open_data()
    assert doc["period_start"] == (T0 + timedelta(hours=10) - timedelta(hours=23)).isoformat()
    assert [(s["kind"], s["key"]) for s in doc["scopes"]] == [  # type: ignore[attr-defined]
        ("system", "all"),
        ("pathway", "palliative"),
        ("pathway", "dental"),
        ("pathway", "default111"),
    ]
    last, previous = hour(doc, "all", 23), hour(doc, "all", 22)
    assert last["start"] == at(10 * 3600).isoformat() and last["complete"] is False
    assert previous["complete"] is True


def test_counts_from_one_to_four_are_withheld_and_others_shown() -> None:
    _, doc = open_data()
    system = hour(doc, "all", 22)
    assert system["calls_received"] == {"value": 9, "suppressed": False}
    assert system["calls_answered"] == {"value": 7, "suppressed": False}
    assert system["calls_abandoned"] == {"value": None, "suppressed": True}  # 2
    assert system["answered_within_60s"] == {"value": 7, "suppressed": False}
    assert system["mean_answer_s"] == {"value": 23.0, "suppressed": False}  # 20..26
    late = hour(doc, "dental", 23)
    assert late["calls_received"] == {"value": None, "suppressed": True}  # 3
    assert late["mean_answer_s"] == {"value": None, "suppressed": True}  # of 3 callers
    quiet = hour(doc, "palliative", 22)
    assert quiet["calls_received"] == {"value": 0, "suppressed": False}
    assert quiet["mean_answer_s"] == {"value": None, "suppressed": False}


def test_nothing_identifies_a_call() -> None:
    _, doc = open_data()
    text = json.dumps(doc)
    assert "call-" not in text and "secret" not in text and "hidden" not in text
