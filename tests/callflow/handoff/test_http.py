"""The handoff API behind access control: pull, dead letters, replay; no patient data in logs."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from pytest_aiohttp import AiohttpClient

from callflow.auth import AuthService, Role, route_access, setup_auth
from callflow.handoff import setup_handoff
from callflow.handoff.bundle import BundleError, build_bundle, validate_bundle
from callflow.handoff.models import OutboxState
from callflow.handoff.outbox import write_handoff, write_record_and_handoff
from callflow.handoff.services import HandoffService
from callflow.handoff.settings import HandoffSettings
from callflow.settings import Settings
from callflow.storage import Database

from .conftest import (
    PATIENT_STRINGS,
    Action,
    Webhook,
    call_record,
    eventually,
    fast_settings,
    patient_facts,
)

Client = TestClient[web.Request, web.Application]
USERS = {
    "admin": [Role.ADMIN],
    "dental": [Role.PROVIDER],
    "dental-desk": [Role.PROVIDER],
    "crisis": [Role.PROVIDER],
    "sup": [Role.SUPERVISOR],
}


@pytest.fixture
def auth(database: Database) -> AuthService:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return AuthService(database, hasher=hasher)


@pytest.fixture
async def tokens(auth: AuthService) -> dict[str, str]:
    issued = {}
    for name, roles in USERS.items():
        await auth.create_user(name, None, roles)
        issued[name] = (await auth.issue_token(name, "tests")).token
    return issued


def handoff_settings(webhook: Webhook, **overrides: Any) -> HandoffSettings:
    return fast_settings(
        handoff_webhooks={"dental": webhook.url},
        handoff_provider_accounts={"dental-desk": "dental"},
        **overrides,
    )


Start = Callable[[HandoffSettings], Awaitable[tuple[Client, HandoffService]]]


@pytest.fixture
async def start(
    aiohttp_client: AiohttpClient, database: Database, auth: AuthService
) -> AsyncIterator[Start]:
    """Start the app (auth + handoff, worker included) on ``database``.

    The clients are closed here, before ``database`` is disposed: the worker's
    last act on shutdown is SQL (releasing its claims).
    """
    clients: list[Client] = []

    async def started(settings: HandoffSettings) -> tuple[Client, HandoffService]:
        app = web.Application()
        secret = Settings(secret_key="k" * 32, cookie_secure=False)
        setup_auth(app, database, secret, service=auth)
        handoffs = setup_handoff(app, database, settings)
        client = await aiohttp_client(app)
        clients.append(client)
        return client, handoffs

    yield started
    for client in clients:
        await client.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def write(database: Database, handoffs: HandoffService, **kwargs: Any) -> str:
    facts = patient_facts(**kwargs)
    row = handoffs.row_for(facts)
    await database.run(lambda s: write_record_and_handoff(s, call_record(facts.call_id), row))
    handoffs.written()
    return facts.handoff_id


def test_routes_declare_their_roles() -> None:
    app = web.Application()
    setup_handoff(app, Database("sqlite://"), fast_settings(), run=False)
    rules = {
        (m, p): str(a)
        for m, p, a in route_access(app)
        if p.startswith("/api/handoffs") and m != "HEAD"
    }
    assert rules == {
        ("GET", "/api/handoffs"): "roles:admin",
        ("GET", "/api/handoffs/{handoff_id}"): "roles:provider",
        ("POST", "/api/handoffs/{handoff_id}/replay"): "roles:admin",
    }


async def test_a_provider_pulls_its_own_handoffs_only(
    start: Start,
    database: Database,
    tokens: dict[str, str],
    webhook: Webhook,
) -> None:
    settings = handoff_settings(webhook, handoff_worker_enabled=False)
    client, handoffs = await start(settings)
    handoff_id = await write(database, handoffs)
    path = f"/api/handoffs/{handoff_id}"

    for user in ("dental", "dental-desk", "admin"):
        response = await client.get(path, headers=bearer(tokens[user]))
        assert response.status == 200, user
        assert response.content_type == "application/fhir+json"
        assert response.headers["X-Urgentline-Handoff-State"] == "pending"
        assert response.headers["Cache-Control"] == "no-store"
        bundle = await response.json(content_type=None)
        validate_bundle(bundle)
        assert bundle == build_bundle(patient_facts(handoff_id=handoff_id))

    other = await client.get(path, headers=bearer(tokens["crisis"]))
    assert other.status == 404  # another provider's handoff looks like no handoff
    assert (await other.json())["error_id"] == "no-such-handoff"
    assert (await client.get(path, headers=bearer(tokens["sup"]))).status == 403
    assert (await client.get(path)).status == 401
    missing = await client.get("/api/handoffs/nope", headers=bearer(tokens["dental"]))
    assert missing.status == 404


async def test_dead_letter_then_replay_delivers_exactly_once(
    start: Start,
    database: Database,
    tokens: dict[str, str],
    webhook: Webhook,
) -> None:
    webhook.policy = lambda key, seen: Action(status=500, accept=False)
    settings = handoff_settings(webhook, handoff_max_attempts=3)
    client, handoffs = await start(settings)
    handoff_id = await write(database, handoffs)
    admin = bearer(tokens["admin"])

    async def listed(state: str) -> list[dict[str, Any]]:
        response = await client.get(f"/api/handoffs?state={state}", headers=admin)
        assert response.status == 200
        body = await response.json()
        return list(body["handoffs"])

    async def is_dead() -> bool:
        return [h["handoff_id"] for h in await listed("dead")] == [handoff_id]

    await eventually(is_dead)
    (dead,) = await listed("dead")
    assert dead["attempts"] == 3 and dead["last_error"] == "http-500"
    assert dead["provider"] == "dental" and "payload" not in dead and "bundle" not in dead
    forbidden = await client.get("/api/handoffs?state=dead", headers=bearer(tokens["dental"]))
    assert forbidden.status == 403
    refused = await client.post(
        f"/api/handoffs/{handoff_id}/replay", headers=bearer(tokens["dental"])
    )
    assert refused.status == 403

    webhook.policy = lambda key, seen: Action()  # the provider fixed its end
    replay = await client.post(f"/api/handoffs/{handoff_id}/replay", headers=admin)
    assert replay.status == 200
    status = (await replay.json())["handoff"]
    assert status["state"] == "pending" and status["attempts"] == 0
    assert status["last_error"] is None

    async def delivered() -> bool:
        return [h["handoff_id"] for h in await listed("delivered")] == [handoff_id]

    await eventually(delivered)
    assert webhook.accepted == [handoff_id]

    # A delivered handoff can be replayed too; the receiver dedupes the second copy.
    again = await client.post(f"/api/handoffs/{handoff_id}/replay", headers=admin)
    assert again.status == 200
    await eventually(lambda: webhook.posts[handoff_id] == 5)
    await eventually(delivered)
    assert webhook.accepted == [handoff_id]


async def test_replay_and_list_errors(
    start: Start,
    database: Database,
    tokens: dict[str, str],
    webhook: Webhook,
) -> None:
    settings = handoff_settings(webhook, handoff_worker_enabled=False)
    client, handoffs = await start(settings)
    handoff_id = await write(database, handoffs)
    admin = bearer(tokens["admin"])

    conflict = await client.post(f"/api/handoffs/{handoff_id}/replay", headers=admin)
    assert conflict.status == 409
    assert await conflict.json() == {
        "error_id": "handoff-in-flight",
        "message": "Only dead or delivered handoffs can be replayed; this one is still queued",
        "details": {"handoff_id": handoff_id, "state": "pending"},
    }
    missing = await client.post("/api/handoffs/nope/replay", headers=admin)
    assert missing.status == 404
    for query in ("state=bogus", "limit=0", "limit=x", "limit=5000"):
        bad = await client.get(f"/api/handoffs?{query}", headers=admin)
        assert bad.status == 422, query
        assert (await bad.json())["error_id"] == "invalid-query"
    everything = await client.get("/api/handoffs?provider=dental&limit=10", headers=admin)
    assert [h["handoff_id"] for h in (await everything.json())["handoffs"]] == [handoff_id]


async def test_no_patient_data_in_logs(
    start: Start,
    database: Database,
    tokens: dict[str, str],
    webhook: Webhook,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every path that logs (retries, dead letter, replay, pull, bad bundle) stays clean."""
    caplog.set_level(logging.DEBUG)
    webhook.policy = lambda key, seen: Action(status=500, accept=False)
    settings = handoff_settings(webhook, handoff_max_attempts=2)
    client, handoffs = await start(settings)
    admin = bearer(tokens["admin"])
    handoff_id = await write(database, handoffs)
    no_hook = patient_facts(destination="nowhere", call_id="call-2")
    await database.run(lambda s: write_handoff(s, handoffs.row_for(no_hook)))

    async def both_dead() -> bool:
        response = await client.get("/api/handoffs?state=dead", headers=admin)
        return len((await response.json())["handoffs"]) == 2

    await eventually(both_dead)
    webhook.policy = lambda key, seen: Action()
    assert (await client.post(f"/api/handoffs/{handoff_id}/replay", headers=admin)).status == 200
    await eventually(lambda: webhook.accepted == [handoff_id])
    pulled = await client.get(f"/api/handoffs/{handoff_id}", headers=bearer(tokens["dental"]))
    assert pulled.status == 200
    listing = await (await client.get("/api/handoffs", headers=admin)).text()

    broken = build_bundle(patient_facts())
    broken["entry"][2]["resource"]["birthDate"] = "Zebedee"
    with pytest.raises(BundleError) as error:
        validate_bundle(broken)

    assert any("dead after 2 attempts" in r.getMessage() for r in caplog.records)
    assert any("no-webhook" in r.getMessage() for r in caplog.records)
    text = caplog.text + listing + str(error.value)
    stored = json.dumps([h.as_json() for h in await handoffs.store.list()])
    for secret in PATIENT_STRINGS:
        assert secret not in text, secret
        assert secret not in stored, secret
    states = await handoffs.store.counts()
    assert states[OutboxState.DEAD] == 1 and states[OutboxState.DELIVERED] == 1
