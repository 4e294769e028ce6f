"""Acknowledging alerts and deciding proposals through the pages' forms and fetches."""

from __future__ import annotations

from dashboards.hub import Hub
from tests.dashboards.web.kit import Client, FakeSource, form_csrf, login, sample_alert

HTML = {"Accept": "text/html"}


async def test_acknowledge_through_the_page_form(
    client: Client, source: FakeSource, hub: Hub
) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard", headers=HTML)).text()
    form = page[page.index('<form class="ack-form"') :]
    async with hub.subscribe() as updates:
        response = await client.post(
            "/dashboard/alerts/a1/ack",
            data={"csrf_token": form_csrf(form), "back": "/dashboard?wall=1"},
            headers=HTML,
            allow_redirects=False,
        )
        assert response.status == 303
        assert response.headers["Location"] == "/dashboard?wall=1"
        assert source.acks == [("a1", "supervisor-user")]
        published = updates.get_nowait()
    assert published.kind == "alert"
    assert published.data["state"] == "acknowledged"
    assert published.data["acknowledged_by"] == "supervisor-user"
    after = await (await client.get("/dashboard/alerts", headers=HTML)).text()
    assert "Acknowledged by supervisor-user at 14:30" in after


async def test_acknowledge_needs_the_csrf_token(client: Client, source: FakeSource) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    await login(client, "supervisor-user")
    missing = await client.post("/dashboard/alerts/a1/ack", data={"back": "/dashboard"})
    wrong = await client.post("/dashboard/alerts/a1/ack", data={"csrf_token": "x" * 64})
    assert missing.status == wrong.status == 403
    assert source.acks == []


async def test_acknowledge_by_fetch_returns_the_alert(client: Client, source: FakeSource) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    csrf = await login(client, "supervisor-user")
    response = await client.post(
        "/dashboard/alerts/a1/ack",
        headers={"Accept": "application/json", "X-CSRF-Token": csrf},
    )
    assert response.status == 200
    body = await response.json()
    assert body["id"] == "a1" and body["acknowledged_by"] == "supervisor-user"


async def test_acknowledge_errors_carry_status_and_message(
    client: Client, source: FakeSource
) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    csrf = await login(client, "supervisor-user")
    headers = {"Accept": "application/json", "X-CSRF-Token": csrf}
    unknown = await client.post("/dashboard/alerts/nope/ack", headers=headers)
    assert unknown.status == 404
    assert (await unknown.json())["error_id"] == "no-such-alert"
    assert (await client.post("/dashboard/alerts/a1/ack", headers=headers)).status == 200
    again = await client.post("/dashboard/alerts/a1/ack", data={"csrf_token": csrf}, headers=HTML)
    assert again.status == 409
    assert "already been acknowledged by supervisor-user" in await again.text()
    assert source.acks == [("a1", "supervisor-user")]


async def test_back_link_cannot_leave_the_dashboard(client: Client, source: FakeSource) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    csrf = await login(client, "supervisor-user")
    response = await client.post(
        "/dashboard/alerts/a1/ack",
        data={"csrf_token": csrf, "back": "https://evil.example/dashboard"},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == "/dashboard/alerts"


async def test_supervisor_cannot_decide_a_proposal(client: Client, source: FakeSource) -> None:
    csrf = await login(client, "supervisor-user")
    response = await client.post(
        "/dashboard/syndromic/proposals/p1", data={"csrf_token": csrf, "decision": "approve"}
    )
    assert response.status == 403
    assert source.decisions == []


async def test_commissioner_approves_and_rejects(client: Client, source: FakeSource) -> None:
    await login(client, "commissioner-user")
    page = await (await client.get("/dashboard/syndromic", headers=HTML)).text()
    csrf = form_csrf(page[page.index('<form class="decide-form"') :])
    response = await client.post(
        "/dashboard/syndromic/proposals/p1",
        data={"csrf_token": csrf, "decision": "approve", "back": "/dashboard/syndromic"},
        headers=HTML,
        allow_redirects=False,
    )
    assert response.status == 303
    assert source.decisions == [("p1", True, "commissioner-user")]
    after = await (await client.get("/dashboard/syndromic", headers=HTML)).text()
    assert "Applied by commissioner-user" in after
    again = await client.post(
        "/dashboard/syndromic/proposals/p1",
        data={"csrf_token": csrf, "decision": "reject"},
        headers=HTML,
    )
    assert again.status == 409
    bad = await client.post(
        "/dashboard/syndromic/proposals/p1",
        data={"csrf_token": csrf, "decision": "maybe"},
        headers={"Accept": "application/json"},
    )
    assert bad.status == 422
    assert (await bad.json())["error_id"] == "invalid-decision"
    assert len(source.decisions) == 1
