"""The board in a real browser: sign in, live updates, acknowledging alerts.

Headless Chromium (the Debian package, never a downloaded one) through
Playwright drives a real aiohttp server on 127.0.0.1 with the real access
control over a migrated SQLite database; the figures come from a ``FakeSource``
whose views the test changes and publishes on the hub.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from callflow.auth import Role
from callflow.storage import Database
from dashboards.hub import Hub
from dashboards.views import Figures, Rag, ScopeRow
from dashboards.web import publish_view
from tests.dashboards.web.kit import PASSWORD, FakeSource, build_app, fast_auth, sample_alert

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"{CHROMIUM} is missing: install Debian's chromium package"
    ),
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
GUARD_S = 10.0


@dataclass
class Live:
    """A running dashboard: where it listens, and the source and hub behind it."""

    url: str
    source: FakeSource
    hub: Hub


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    db = Database(f"sqlite:///{tmp_path / 'db.sqlite'}")
    db.migrate()
    auth = fast_auth(db)
    await auth.create_user("supervisor-user", PASSWORD, [Role.SUPERVISOR])
    source, hub = FakeSource(), Hub()
    runner = web.AppRunner(build_app(db, auth, source, hub), shutdown_timeout=GUARD_S)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield Live(f"http://{host}:{port}", source, hub)
    finally:
        await runner.cleanup()
        db.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, live: Live) -> AsyncIterator[Page]:
    """A fresh browser context, signed in as a supervisor through the login form."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    tab = await context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        await tab.goto(f"{live.url}/dashboard")
        assert tab.url == f"{live.url}/login?next=%2Fdashboard"
        await tab.get_by_label("Username").fill("supervisor-user")
        await tab.get_by_label("Password").fill(PASSWORD)
        await tab.get_by_role("button", name="Sign in").click()
        await tab.wait_for_url(f"{live.url}/dashboard")
        await expect(tab.locator("#live-status")).to_have_text("Live")
        await wait_until(lambda: live.hub.subscribers == 1)
        yield tab
        # Script errors and Content-Security-Policy violations both land here.
        assert problems == []
    finally:
        await context.close()


async def wait_until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(GUARD_S):
        while not condition():  # noqa: ASYNC110 - the hub has no event to wait on
            await asyncio.sleep(0.02)


def cell(page: Page, key: str, field: str) -> Locator:
    return page.locator(f'tr[data-key="{key}"] [data-field="{field}"]')


async def test_board_loads_and_follows_live_updates(page: Page, live: Live) -> None:
    await expect(cell(page, "system", "waiting_now")).to_have_text("7")
    await expect(cell(page, "dental", "longest_wait_s")).to_have_text("1:02:05")
    await expect(cell(page, "dental", "rag")).to_have_text("Red")
    await page.evaluate("window.sameDocument = true")

    board = live.source.board_view
    dental = replace(  # the backlog has cleared: figures and status that agree
        board.providers[0],
        rag=Rag.GREEN,
        figures=replace(
            board.providers[0].figures,
            a03_answered=39,
            b01_answered_60s=39,
            b02_abandoned=1,
            b06_mean_answer_s=12.0,
            waiting_now=12,
            longest_wait_s=30,
        ),
        trend=(3, 4, 5, 6, 9),
    )
    pharmacy = ScopeRow(
        "provider", "pharmacy", "Pharmacy advice", Figures(a01_received=5), Rag.GREEN, (1, 4)
    )
    live.source.board_view = replace(board, providers=(dental, board.providers[1], pharmacy))
    live.source.alert_views["a1"] = sample_alert(  # what keeps the system amber
        "a1",
        title="Abandonment above 3%",
        severity="warning",
        scope_kind="system",
        scope="system",
        value=0.05,
        threshold=0.03,
    )
    publish_view(live.hub, live.source.board_view)
    publish_view(live.hub, live.source.alert_views["a1"])

    await expect(cell(page, "dental", "waiting_now")).to_have_text("12")
    await expect(cell(page, "dental", "longest_wait_s")).to_have_text("0:30")
    await expect(cell(page, "dental", "rag")).to_have_text("Green")
    await expect(cell(page, "dental", "trend")).to_have_attribute(
        "aria-label", "Calls received per bucket, oldest first: 3, 4, 5, 6, 9"
    )
    await expect(cell(page, "pharmacy", "a01_received")).to_have_text("5")
    await expect(page.locator('tr[data-key="pharmacy"] a')).to_have_attribute(
        "href", "/dashboard/providers/pharmacy"
    )
    await expect(page.locator("#alert-count")).to_have_text("1 active alert, 1 to acknowledge")
    assert await page.evaluate("window.sameDocument") is True  # updated, not reloaded

    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)


async def test_new_alert_appears_and_is_acknowledged_by_click(page: Page, live: Live) -> None:
    await expect(page.locator("#alerts-empty")).to_be_visible()
    alert = sample_alert("a7", title="Longest wait over 10 minutes")
    live.source.alert_views["a7"] = alert
    publish_view(live.hub, alert)

    row = page.locator("#alert-a7")
    await expect(row).to_be_visible()
    await expect(page.locator("#alerts-empty")).to_be_hidden()
    await row.get_by_role("button", name="Acknowledge Longest wait over 10 minutes").click()

    await expect(row.locator('[data-field="acknowledged"]')).to_have_text(
        "Acknowledged by supervisor-user at 14:30"
    )
    await expect(row.get_by_role("button")).to_have_count(0)
    await expect(page.locator("#alert-count")).to_have_text("1 active alert")
    assert live.source.acks == [("a7", "supervisor-user")]

    publish_view(live.hub, replace(live.source.alert_views["a7"], state="cleared"))
    await expect(row).to_have_count(0)
    await expect(page.locator("#alerts-empty")).to_be_visible()
    await expect(page.locator("#alert-count")).to_have_text("No active alerts")


async def test_acknowledge_with_the_keyboard_only(page: Page, live: Live) -> None:
    live.source.alert_views["a3"] = sample_alert("a3")
    await page.reload()
    await expect(page.locator("#live-status")).to_have_text("Live")

    await page.keyboard.press("Tab")
    assert await focused_text(page) == "Skip to main content"
    for _ in range(40):
        if await focused_text(page) == "Acknowledge Abandonment above 5%":
            break
        await page.keyboard.press("Tab")
    else:
        pytest.fail("the Acknowledge button is not reachable with Tab")
    await page.keyboard.press("Enter")

    row = page.locator("#alert-a3")
    await expect(row.locator('[data-field="acknowledged"]')).to_be_visible()
    await expect(row.locator(".ack-cell")).to_be_focused()  # focus not lost to <body>
    assert live.source.acks == [("a3", "supervisor-user")]


async def test_server_drawn_pages_refresh_from_updates(page: Page, live: Live) -> None:
    await page.get_by_role("link", name="Dental pain service").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Dental pain service")
    received = page.locator("#figures tr", has_text="Calls received").locator("td.num")
    await expect(received).to_have_text("40")
    await page.evaluate("window.sameDocument = true")
    board = live.source.board_view
    dental = replace(board.providers[0], figures=Figures(a01_received=41))
    live.source.board_view = replace(board, providers=(dental, *board.providers[1:]))
    await expect(page.locator("#live-status")).to_have_text("Live")  # subscribed
    publish_view(live.hub, live.source.board_view)
    await expect(received).to_have_text("41")
    assert await page.evaluate("window.sameDocument") is True

    await page.get_by_role("link", name="Syndromic").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Syndromic surveillance")
    await page.evaluate("window.sameDocument = true")
    view = live.source.syndromic_view
    live.source.syndromic_view = replace(view, cells=(replace(view.cells[0], today=15),))
    await expect(page.locator("#live-status")).to_have_text("Live")
    publish_view(live.hub, live.source.syndromic_view)
    await expect(page.locator("td.alarm .today")).to_have_text("15")
    assert await page.evaluate("window.sameDocument") is True


async def focused_text(page: Page) -> str:
    text = await page.evaluate("document.activeElement?.textContent ?? ''")
    return " ".join(str(text).split())
