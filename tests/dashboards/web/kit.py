"""Test kit for the dashboard pages: a source holding real view models, and an app.

``FakeSource`` implements ``DashboardSource`` over plain attributes: a test
changes them, then (for live updates) publishes the new view on the hub, the
way the real parts will.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher

from callflow.auth import AuthService, setup_auth
from callflow.settings import Settings
from callflow.storage import Database
from dashboards.hub import Hub
from dashboards.views import (
    AlarmView,
    AlertView,
    Board,
    Figures,
    IndicatorCell,
    ProposalView,
    Rag,
    ScopeRow,
    SyndromicView,
)
from dashboards.web import (
    AlertAlreadyAcknowledged,
    History,
    NoSuchAlert,
    NoSuchProposal,
    ProposalAlreadyDecided,
    setup_dashboard,
)

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct horse battery staple"
SECRET_KEY = "test-secret-key-for-dashboard-pages"
NOW = datetime(2026, 1, 15, 14, 30, tzinfo=UTC)  # winter: London time is UTC


def fast_auth(db: Database) -> AuthService:
    """Cheap argon2 parameters: same algorithm, quicker tests."""
    return AuthService(db, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def sample_board(at: datetime = NOW) -> Board:
    system = ScopeRow(
        kind="system",
        key="system",
        label="All providers",
        figures=Figures(
            a01_received=120,
            a03_answered=100,
            b01_answered_60s=90,
            b02_abandoned=6,
            b06_mean_answer_s=42.4,
            waiting_now=7,
            longest_wait_s=125,
        ),
        rag=Rag.AMBER,
        trend=(10, 12, 9, 15),
    )
    dental = ScopeRow(
        kind="provider",
        key="dental",
        label="Dental pain service",
        figures=Figures(
            a01_received=40,
            a03_answered=32,
            b01_answered_60s=16,
            b02_abandoned=8,
            b06_mean_answer_s=95.0,
            waiting_now=4,
            longest_wait_s=3725,
        ),
        rag=Rag.RED,
        trend=(3, 4, 5, 6),
    )
    crisis = ScopeRow(
        kind="provider",
        key="crisis",
        label="Mental health crisis line",
        figures=Figures(),
        rag=Rag.NONE,
        trend=(),
    )
    return Board(at=at, window_s=3600, bucket_s=300, system=system, providers=(dental, crisis))


def sample_alert(alert_id: str = "a1", **changes: object) -> AlertView:
    alert = AlertView(
        id=alert_id,
        rule="abandon-rate",
        title="Abandonment above 5%",
        severity="critical",
        scope_kind="provider",
        scope="dental",
        metric="abandon_rate",
        value=0.2,
        threshold=0.05,
        state="raised",
        raised_at=NOW - timedelta(minutes=5),
        updated_at=NOW - timedelta(minutes=5),
    )
    return replace(alert, **changes)  # type: ignore[arg-type]


def sample_syndromic(at: datetime = NOW) -> SyndromicView:
    return SyndromicView(
        at=at,
        cells=(
            IndicatorCell("diarrhoea", "SE15", today=14, last_hour=5, baseline=3.0, alarm=True),
            IndicatorCell("vomiting", "SE15", today=6, last_hour=1),
            IndicatorCell("diarrhoea", "N1", today=2, last_hour=0),
        ),
        alarms=(
            AlarmView(
                id="al1",
                indicator="diarrhoea",
                area="SE15",
                detector="ears-c2",
                observed=14,
                expected=3.2,
                threshold=8.5,
                at=at,
            ),
        ),
        proposals=(
            ProposalView(
                id="p1",
                indicator="diarrhoea",
                area="SE15",
                flag="dv-surge",
                message="If you have diarrhoea and vomiting, stay at home and drink fluids.",
                status="proposed",
                created_at=at,
            ),
        ),
    )


@dataclass
class FakeSource:
    """A ``DashboardSource`` over attributes the test controls; records every action."""

    board_view: Board = field(default_factory=sample_board)
    history: dict[str, list[tuple[datetime, Figures]]] = field(default_factory=dict)
    alert_views: dict[str, AlertView] = field(default_factory=dict)
    syndromic_view: SyndromicView = field(default_factory=sample_syndromic)
    acks: list[tuple[str, str]] = field(default_factory=list)
    decisions: list[tuple[str, bool, str]] = field(default_factory=list)

    async def board(self, now: datetime) -> Board:
        return self.board_view

    async def provider(self, key: str, now: datetime) -> ScopeRow | None:
        return next((r for r in self.board_view.providers if r.key == key), None)

    async def provider_history(self, key: str, now: datetime) -> History:
        return self.history.get(key, [])

    async def alerts(self) -> Sequence[AlertView]:
        return [a for a in self.alert_views.values() if a.state != "cleared"]

    async def acknowledge(self, alert_id: str, user: str) -> AlertView:
        alert = self.alert_views.get(alert_id)
        if alert is None:
            raise NoSuchAlert(alert_id)
        if alert.state != "raised":
            raise AlertAlreadyAcknowledged(alert_id, alert.acknowledged_by)
        self.acks.append((alert_id, user))
        acked = replace(alert, state="acknowledged", acknowledged_by=user, acknowledged_at=NOW)
        self.alert_views[alert_id] = acked
        return acked

    async def syndromic(self, now: datetime) -> SyndromicView:
        return self.syndromic_view

    async def decide(self, proposal_id: str, approve: bool, user: str) -> ProposalView:
        proposals = {p.id: p for p in self.syndromic_view.proposals}
        proposal = proposals.get(proposal_id)
        if proposal is None:
            raise NoSuchProposal(proposal_id)
        if proposal.status != "proposed":
            raise ProposalAlreadyDecided(proposal_id, proposal.status)
        self.decisions.append((proposal_id, approve, user))
        decided = replace(proposal, status="applied" if approve else "rejected", decided_by=user)
        proposals[proposal_id] = decided
        self.syndromic_view = replace(self.syndromic_view, proposals=tuple(proposals.values()))
        return decided


def build_app(
    db: Database,
    auth: AuthService,
    source: FakeSource,
    hub: Hub,
    *,
    ping_interval_s: float = 15.0,
) -> web.Application:
    app = web.Application()
    setup_auth(app, db, Settings(secret_key=SECRET_KEY, cookie_secure=False), service=auth)
    setup_dashboard(app, source, hub, ping_interval_s=ping_interval_s, clock=lambda: NOW)
    return app


def form_csrf(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


async def login(client: Client, username: str) -> str:
    """Sign in through the form like a browser; returns the session's CSRF token."""
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": form_csrf(await page.text()),
            "next": "/",
        },
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    body = await (await client.get("/api/me")).json()
    token = body["csrf_token"]
    assert isinstance(token, str)
    return token
