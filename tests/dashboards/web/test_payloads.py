"""The JSON of the live feed: every view model, plain and complete."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import pytest

from dashboards.hub import Hub
from dashboards.views import Figures
from dashboards.web import kind_of, publish_view, to_json
from tests.dashboards.web.kit import sample_alert, sample_board, sample_syndromic


def test_board_json_is_asdict_with_iso_times_and_rates() -> None:
    board = sample_board()
    data = to_json(board)
    assert json.loads(json.dumps(data)) == data  # plain JSON types only
    assert data["at"] == board.at.isoformat()
    system = data["system"]
    assert system["rag"] == "amber"
    assert system["trend"] == list(board.system.trend)
    for f in fields(Figures):
        assert system["figures"][f.name] == getattr(board.system.figures, f.name)
    assert system["figures"]["abandon_rate"] == board.system.figures.abandon_rate
    assert system["figures"]["answered_60s_rate"] == board.system.figures.answered_60s_rate
    crisis = data["providers"][1]["figures"]
    assert crisis["abandon_rate"] is None and crisis["answered_60s_rate"] is None


def test_every_field_of_nested_views_survives() -> None:
    view = sample_syndromic()
    data = to_json(view)
    expected = asdict(view)
    assert data["cells"] == [dict(c) for c in expected["cells"]]
    assert data["alarms"][0]["at"] == view.alarms[0].at.isoformat()
    assert data["proposals"][0]["expires_at"] is None
    assert set(data) == {"at", "cells", "alarms", "proposals"}


async def test_publish_view_uses_the_kind_of_the_view() -> None:
    hub = Hub()
    alert = sample_alert("a9")
    async with hub.subscribe() as queue:
        publish_view(hub, alert)
        update = queue.get_nowait()
    assert update.kind == kind_of(alert) == "alert"
    assert update.data == to_json(alert)


def test_non_views_are_refused() -> None:
    with pytest.raises(TypeError):
        to_json({"not": "a view"})
    with pytest.raises(TypeError):
        to_json(Figures)
