"""The pages over HTTP: who may see them, what they show, and that text is escaped."""

from __future__ import annotations

import html
from dataclasses import replace
from datetime import timedelta

import pytest
from aiohttp import web

from callflow.auth import route_access
from dashboards.views import Figures
from tests.dashboards.web.kit import NOW, Client, FakeSource, login, sample_alert

PAGES = ["/dashboard", "/dashboard/alerts", "/dashboard/providers/dental", "/dashboard/syndromic"]
HTML = {"Accept": "text/html"}


@pytest.mark.parametrize("path", [*PAGES, "/events"])
async def test_anonymous_browser_is_sent_to_sign_in(client: Client, path: str) -> None:
    response = await client.get(path, headers=HTML, allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/login?next=" + path.replace("/", "%2F")


async def test_anonymous_script_gets_401(client: Client) -> None:
    response = await client.get("/events", headers={"Accept": "text/event-stream"})
    assert response.status == 401


@pytest.mark.parametrize("path", PAGES)
async def test_provider_role_is_refused(client: Client, path: str) -> None:
    await login(client, "provider-user")
    assert (await client.get(path, headers=HTML)).status == 403


@pytest.mark.parametrize("user", ["supervisor-user", "admin-user"])
@pytest.mark.parametrize("path", PAGES)
async def test_supervisors_and_admins_see_every_page(client: Client, user: str, path: str) -> None:
    await login(client, user)
    response = await client.get(path, headers=HTML)
    assert response.status == 200
    assert response.content_type == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["Cache-Control"] == "no-store"


async def test_commissioner_sees_syndromic_page_only(client: Client) -> None:
    await login(client, "commissioner-user")
    assert (await client.get("/dashboard/syndromic", headers=HTML)).status == 200
    assert (await client.get("/dashboard", headers=HTML)).status == 403
    assert (await client.get("/dashboard/alerts", headers=HTML)).status == 403


def test_no_dashboard_route_is_public_or_left_undeclared(app: web.Application) -> None:
    rules = {
        (method, path): str(access)
        for method, path, access in route_access(app)
        if path.startswith(("/dashboard", "/events"))
    }
    assert rules[("GET", "/dashboard")] == "roles:supervisor"
    assert rules[("POST", "/dashboard/alerts/{id}/ack")] == "roles:supervisor"
    assert rules[("POST", "/dashboard/syndromic/proposals/{id}")] == "roles:commissioner"
    assert rules[("GET", "/events")] == "roles:commissioner|supervisor"
    declared = {
        rule for (_, path), rule in rules.items() if not path.startswith("/dashboard/static")
    }
    assert "public" not in declared and "roles:admin" not in declared


async def test_board_shows_every_row_with_its_figures(client: Client) -> None:
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard", headers=HTML)).text()
    system = _row(page, 'data-key="system"')
    # 7 waiting, longest 125 s, 90 of 100 answered in 60 s, 6 of 120 abandoned, mean 42.4 s.
    for cell in ("7", "2:05", "90%", "5%", "0:42", "120"):
        assert f">{cell}</td>" in system
    assert ">Amber</span>" in system
    dental = _row(page, 'data-key="dental"')
    for cell in ("4", "1:02:05", "50%", "20%", "1:35", "40"):
        assert f">{cell}</td>" in dental
    assert ">Red</span>" in dental
    assert 'href="/dashboard/providers/dental"' in dental
    crisis = _row(page, 'data-key="crisis"')
    assert crisis.count(">\u2013</td>") == 3  # no rates, no mean answer time yet
    assert ">No data</span>" in crisis
    assert page.index('data-key="dental"') < page.index('data-key="crisis"')


async def test_board_sparkline_follows_the_trend(client: Client) -> None:
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard", headers=HTML)).text()
    dental = _row(page, 'data-key="dental"')
    assert "oldest first: 3, 4, 5, 6" in dental
    points = dental.split('points="')[1].split('"')[0].split()
    heights = [float(p.split(",")[1]) for p in points]
    assert heights == sorted(heights, reverse=True)  # rising calls: the line climbs


async def test_labels_from_configuration_are_escaped(client: Client, source: FakeSource) -> None:
    evil = "<script>alert('x')</script>"
    board = source.board_view
    source.board_view = replace(
        board, providers=(replace(board.providers[0], label=evil), *board.providers[1:])
    )
    source.alert_views["a1"] = sample_alert(title=evil)
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard", headers=HTML)).text()
    assert evil not in page
    assert html.escape(evil, quote=False).replace("'", "&#39;") in page


async def test_alerts_page_lists_active_alerts(client: Client, source: FakeSource) -> None:
    source.alert_views["a1"] = sample_alert("a1")
    source.alert_views["a2"] = sample_alert(
        "a2",
        title="Longest wait over 10 minutes",
        severity="warning",
        scope_kind="system",
        scope="system",
        metric="longest_wait_s",
        value=754.0,
        threshold=600.0,
        state="acknowledged",
        acknowledged_by="sam",
        acknowledged_at=NOW - timedelta(minutes=1),
    )
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard/alerts", headers=HTML)).text()
    first = _row(page, 'data-alert-id="a1"')
    assert ">20%</td>" in first and ">5%</td>" in first and ">14:25</time>" in first
    assert 'action="/dashboard/alerts/a1/ack"' in first
    assert '<form class="ack-form" method="post" action="/dashboard/alerts/a1/ack">' in first
    second = _row(page, 'data-alert-id="a2"')
    assert ">12:34</td>" in second and ">10:00</td>" in second and ">System</td>" in second
    assert "Acknowledged by sam at 14:29" in second
    assert 'action="/dashboard/alerts/a2/ack" hidden' in second
    assert "2 active alerts, 1 to acknowledge" in page


async def test_provider_page_has_figures_and_charts(client: Client, source: FakeSource) -> None:
    source.history["dental"] = [
        (NOW - timedelta(minutes=10), Figures(a01_received=8, a03_answered=6, b01_answered_60s=3)),
        (NOW - timedelta(minutes=5), Figures(a01_received=12, a03_answered=10, b01_answered_60s=9)),
        (NOW, Figures()),
    ]
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard/providers/dental", headers=HTML)).text()
    assert "<h1>Dental pain service</h1>" in page
    assert '<th scope="row">Calls received</th><td class="num">40</td>' in page
    assert '<th scope="row">Mean time to answer</th><td class="num">1:35</td>' in page
    assert page.count('<polyline class="series') == 3
    assert page.count('<rect class="bar"') == 2  # the empty bucket has no rate, so no bar
    assert "14:20: 50%" in page and "14:25: 90%" in page
    assert '<th scope="row">14:25</th><td class="num">12</td>' in page


async def test_unknown_provider_is_404(client: Client) -> None:
    await login(client, "supervisor-user")
    response = await client.get("/dashboard/providers/nobody", headers=HTML)
    assert response.status == 404
    assert "There is no provider with this name." in await response.text()


async def test_syndromic_page_grid_alarms_and_read_only_proposals(client: Client) -> None:
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard/syndromic", headers=HTML)).text()
    header = page.split('<table class="grid">')[1].split("</thead>")[0]
    assert header.index(">N1<") < header.index(">SE15<")
    diarrhoea = _row(page, '<th scope="row">diarrhoea</th>')
    assert '<span class="today">14</span>' in diarrhoea and "Alarm" in diarrhoea
    vomiting = _row(page, '<th scope="row">vomiting</th>')
    assert "\u2013" in vomiting and "Alarm" not in vomiting  # no vomiting count in N1
    assert "ears-c2" in page
    assert "Waiting for a commissioner" in page
    assert 'value="approve"' not in page


async def test_commissioner_gets_decision_buttons(client: Client) -> None:
    await login(client, "commissioner-user")
    page = await (await client.get("/dashboard/syndromic", headers=HTML)).text()
    assert 'action="/dashboard/syndromic/proposals/p1"' in page
    assert 'value="approve"' in page and 'value="reject"' in page


async def test_wall_mode_enlarges_and_keeps_links(client: Client) -> None:
    await login(client, "supervisor-user")
    page = await (await client.get("/dashboard?wall=1", headers=HTML)).text()
    assert '<body class="wall"' in page
    assert 'href="/dashboard/providers/dental?wall=1"' in page


async def test_static_files_are_served(client: Client) -> None:
    for name in ("main.js", "dashboard.css"):
        response = await client.get(f"/dashboard/static/{name}")
        assert response.status == 200


def _row(page: str, marker: str) -> str:
    """The table row containing ``marker``."""
    at = page.index(marker)
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]
