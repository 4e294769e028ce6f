"""``/events`` over HTTP: snapshot, live updates, and clean endings."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

from aiohttp import ClientResponse

from dashboards.hub import Hub
from dashboards.views import Figures
from dashboards.web import publish_view
from tests.dashboards.web.kit import Client, FakeSource, login, sample_alert

STREAM = {"Accept": "text/event-stream"}
GUARD_S = 10.0
"""Bounds a wait that would otherwise hang the suite if the behaviour broke."""


async def next_event(response: ClientResponse) -> tuple[str, Any] | None:
    """The next ``(event, data)`` of a stream, skipping pings; ``None`` at its end."""
    kind, data = "message", list[str]()
    async with asyncio.timeout(GUARD_S):
        while True:
            raw = await response.content.readline()
            if not raw:
                return None
            line = raw.decode().rstrip("\r\n")
            if line.startswith(":"):
                continue
            if not line:
                if data:
                    return kind, json.loads("\n".join(data))
                continue
            field, _, value = line.partition(": ")
            if field == "event":
                kind = value
            elif field == "data":
                data.append(value)


async def wait_for(condition: Any) -> None:
    async with asyncio.timeout(GUARD_S):
        while not condition():  # noqa: ASYNC110 - the hub has no event to wait on
            await asyncio.sleep(0.02)


async def test_stream_sends_snapshot_then_hub_updates(
    client: Client, source: FakeSource, hub: Hub
) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    await login(client, "supervisor-user")
    response = await client.get("/events", headers=STREAM)
    assert response.status == 200
    assert response.content_type == "text/event-stream"

    kind, board = await next_event(response) or ("", {})
    assert kind == "board"
    assert board["at"] == "2026-01-15T14:30:00+00:00"
    assert board["system"]["figures"]["abandon_rate"] == 6 / 120
    assert board["system"]["figures"]["answered_60s_rate"] == 0.9
    assert board["system"]["rag"] == "amber"
    assert [p["key"] for p in board["providers"]] == ["dental", "crisis"]
    assert board["providers"][0]["trend"] == [3, 4, 5, 6]

    kind, alerts = await next_event(response) or ("", {})
    assert kind == "alerts"
    assert [a["id"] for a in alerts["alerts"]] == ["a1"]

    await wait_for(lambda: hub.subscribers == 1)
    changed = replace(
        source.board_view,
        system=replace(source.board_view.system, figures=Figures(waiting_now=31)),
    )
    publish_view(hub, changed)
    publish_view(hub, sample_alert("a2", state="raised"))
    kind, board = await next_event(response) or ("", {})
    assert kind == "board" and board["system"]["figures"]["waiting_now"] == 31
    kind, alert = await next_event(response) or ("", {})
    assert kind == "alert" and alert["id"] == "a2" and alert["raised_at"].endswith("+00:00")
    response.close()


async def test_stream_ends_when_the_client_leaves(client: Client, hub: Hub) -> None:
    await login(client, "supervisor-user")
    response = await client.get("/events", headers=STREAM)
    assert await next_event(response) is not None
    await wait_for(lambda: hub.subscribers == 1)
    response.close()
    # The next keep-alive ping fails, the handler returns, the hub forgets the queue.
    await wait_for(lambda: hub.subscribers == 0)


async def test_shutdown_closes_open_streams(client: Client, hub: Hub) -> None:
    await login(client, "supervisor-user")
    responses = [await client.get("/events", headers=STREAM) for _ in range(2)]
    for response in responses:
        assert await next_event(response) is not None
    await wait_for(lambda: hub.subscribers == 2)
    await client.app.shutdown()
    for response in responses:
        while await next_event(response) is not None:
            pass  # the alerts snapshot, then the end of the stream
    await wait_for(lambda: hub.subscribers == 0)
