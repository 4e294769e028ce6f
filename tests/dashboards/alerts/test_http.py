"""The alerts API behind real access control: supervisors read and acknowledge,
admins replace the rules, and a refused rule set changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient

from callflow.auth import AUTH_SERVICE, setup_auth
from callflow.settings import Settings
from callflow.storage import Database
from dashboards.alerts import (
    AlertEngine,
    AlertService,
    Notifier,
    Rule,
    RuleStore,
    load_rules,
    setup_alerts,
)
from dashboards.alerts.rules import dump_rules
from dashboards.hub import Hub
from dashboards.views import Figures

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


class Waits:
    """Longest waits per provider; the system's is the longest of all."""

    def __init__(self, **waits: float) -> None:
        self.waits = waits

    def figures(self, kind: str, key: str, window_s: int, now: datetime) -> Figures:
        if kind == "system":
            return Figures(longest_wait_s=max(self.waits.values(), default=0.0))
        return Figures(longest_wait_s=self.waits.get(key, 0.0))

    def scopes(self, kind: str) -> Sequence[str]:
        return {"provider": sorted(self.waits), "system": ["system"]}.get(kind, [])


@dataclass
class Api:
    client: TestClient[Any, Any]
    service: AlertService
    store: RuleStore
    headers: dict[str, dict[str, str]]

    async def call(self, method: str, path: str, who: str | None, **kw: Any) -> tuple[int, Any]:
        headers = self.headers[who] if who else {}
        async with self.client.request(method, path, headers=headers, **kw) as response:
            return response.status, await response.json()


@pytest.fixture
async def api(aiohttp_client: Any, database: Database) -> Api:
    settings = Settings(cookie_secure=False, secret_key="alerts-http-test-secret")
    app = web.Application()
    setup_auth(app, database, settings)
    rules = load_rules()
    service = AlertService(database, AlertEngine(rules), Notifier([]), Hub(), clock=lambda: T0)
    await service.start()
    store = RuleStore(database, rules)
    setup_alerts(app, service, store)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    auth = app[AUTH_SERVICE]
    headers = {}
    for user, roles in {"sup": ["supervisor"], "adm": ["admin"], "prov": ["provider"]}.items():
        await auth.create_user(user, None, roles)  # token-only: no slow hashing
        token = (await auth.issue_token(user, "t")).token
        headers[user] = {"Authorization": f"Bearer {token}"}
    return Api(client, service, store, headers)


async def test_supervisors_see_and_acknowledge_alerts(api: Api) -> None:
    (_system, raised) = await api.service.tick(T0, Waits(dental=900))
    assert raised.scope == "dental"
    assert (await api.call("GET", "/api/alerts", None))[0] == 401
    assert (await api.call("GET", "/api/alerts", "prov"))[0] == 403

    status, body = await api.call("GET", "/api/alerts", "sup")
    assert status == 200
    assert sorted((a["rule"], a["scope"]) for a in body["active"]) == [
        ("longest-wait-provider", "dental"),
        ("longest-wait-system", "system"),
    ]
    assert len(body["recent"]) == 2

    assert (await api.call("POST", f"/api/alerts/{raised.id}/ack", "prov"))[0] == 403
    status, body = await api.call("POST", f"/api/alerts/{raised.id}/ack", "sup")
    assert status == 200
    assert (body["alert"]["state"], body["alert"]["acknowledged_by"]) == ("acknowledged", "sup")
    status, body = await api.call("POST", f"/api/alerts/{raised.id}/ack", "sup")
    assert (status, body["error_id"], body["details"]["state"]) == (
        409, "alert-not-raised", "acknowledged",
    )  # fmt: skip
    status, body = await api.call("POST", f"/api/alerts/{'f' * 32}/ack", "sup")
    assert (status, body["error_id"]) == (404, "no-such-alert")


async def test_the_recent_list_honours_its_limit(api: Api) -> None:
    await api.service.tick(T0, Waits(dental=900, crisis=900))
    status, body = await api.call("GET", "/api/alerts?limit=1", "sup")
    assert status == 200 and len(body["recent"]) == 1 and len(body["active"]) == 3
    status, body = await api.call("GET", "/api/alerts?limit=many", "sup")
    assert status == 200 and len(body["recent"]) == 3


async def test_admins_replace_the_rules_and_a_restart_keeps_them(api: Api) -> None:
    status, body = await api.call("GET", "/api/alert-rules", "sup")
    assert status == 200 and body["source"] == "default" and len(body["rules"]) == 8
    await api.service.tick(T0, Waits(dental=900))

    kept = [r for r in body["rules"] if r["name"] != "longest-wait-provider"]
    kept.append(
        {"name": "dental-queue", "title": "Dental queue", "metric": "waiting_now",
         "scope": "provider", "key": "dental", "comparison": ">", "threshold": 5,
         "recipients": ["dashboard", "email:dental.lead@example.org"]}
    )  # fmt: skip
    text = yaml.safe_dump(kept)
    assert (await api.call("PUT", "/api/alert-rules", "sup", data=text))[0] == 403

    status, body = await api.call("PUT", "/api/alert-rules", "adm", data=text)
    assert status == 200 and body["source"] == "saved" and body["saved_by"] == "adm"
    assert [(a["rule"], a["state"]) for a in body["cleared"]] == [
        ("longest-wait-provider", "cleared")
    ]
    assert [r.name for r in api.service.rules][-1] == "dental-queue"

    as_json = {"rules": body["rules"]}  # what GET returns can be PUT back
    assert (await api.call("PUT", "/api/alert-rules", "adm", json=as_json))[0] == 200
    restarted = await RuleStore(api.store._db, load_rules()).current()
    assert [r.name for r in restarted.rules] == [r["name"] for r in kept]
    status, body = await api.call("GET", "/api/alert-rules", "sup")
    assert body["rules"] == dump_rules(restarted.rules)


async def test_a_rule_set_with_any_problem_is_refused_whole(api: Api) -> None:
    before = await api.call("GET", "/api/alert-rules", "sup")
    rules: list[dict[str, Any]] = dump_rules(load_rules())
    rules[2]["threshold"] = "high"
    rules.append(dict(rules[0]))  # a duplicate name
    status, body = await api.call("PUT", "/api/alert-rules", "adm", json=rules)
    assert (status, body["error_id"]) == (400, "invalid-alert-rules")
    assert len(body["details"]["problems"]) == 2
    assert body["details"]["problems"][0].startswith("request:1: rule 'abandon-system': threshold")
    assert "duplicate name" in body["details"]["problems"][1]

    status, body = await api.call("PUT", "/api/alert-rules", "adm", data="- {name: [")
    assert status == 400 and body["details"]["problems"][0].startswith("request:1: not valid YAML")
    assert await api.call("GET", "/api/alert-rules", "sup") == before
    assert api.service.rules == tuple(Rule.model_validate(r) for r in before[1]["rules"])
