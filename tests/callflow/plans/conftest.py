"""Fixtures of the care-plan service tests: a lookup, a service, imported examples, users.

The examples are the shipped files (synthetic people). ``PEOPLE`` lists the
names and numbers that must never reach a log line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from pytest_aiohttp import AiohttpClient

from callflow.auth import AuthService, Role, setup_auth
from callflow.plans import PlanLookup, PlanService, setup_plans
from callflow.plans.settings import PlanSettings
from callflow.settings import Settings
from callflow.storage import Database, RedisStore

EXAMPLES = Path(__file__).resolve().parents[3] / "careplans" / "examples"
TODAY = date(2026, 11, 24)
SECRET_KEY = "test-secret-key-for-care-plans"

ADA_PHONE = "020 7946 0011"  # end of life (UCP wins over the EOL register)
ADA_NHS = "9796487713"
CARE_HOME = "01632 960500"  # Cyril and Dorothy
EDWIN_MOBILE = "07700900222"  # learning disability (UCP) + mental health crisis (register)
EDWIN_NHS = "9833179169"
LENA_MOBILE = "07700 900446"  # refused consent to share
MILO_HOME = "01632 960778"  # closed plan
GWEN_MOBILE = "07700 900333"  # end of life, expires 2027-10-02
JACK_MOBILE = "07700900444"  # mental health crisis

PEOPLE = [
    "Testwell", "Mockford", "Samplewood", "Fakesley", "Placeholder", "Dummett", "Specimen",
    "Exemplar", "Retired", "Postcodeless", "Trialson", "Broken", "Nia Proxy",
    "9796487713", "979 648 7713", "9853832585", "9902316921", "9833179169", "9967334541",
    "9149000373", "9136042269", "9796487714",
    "7946 0011", "79460011", "1632 960500", "1632960500", "7700900222", "7700 900222",
    "7700900446", "7700900444", "7700 900111", "7700900111", "1938-04-12",
]  # fmt: skip


class Clock:
    """UTC "now" that advances a second per reading."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def example_bytes() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(EXAMPLES.iterdir()) if p.is_file()}


@pytest.fixture
def lookup(database: Database, redis_store: RedisStore) -> PlanLookup:
    return PlanLookup(
        database, redis_store, key_secret=b"test-cache-key", deadline_s=5.0, today=lambda: TODAY
    )


@pytest.fixture
def service(database: Database, lookup: PlanLookup) -> PlanService:
    return PlanService(database, lookup, view_base_url="https://urgentline.test/", clock=Clock())


@pytest.fixture
async def imported(service: PlanService, example_bytes: dict[str, bytes]) -> PlanService:
    """The service with the three shipped examples imported (UCP first)."""
    for name in ("ucp-bundle.json", "eol-register.csv", "mh-crisis-register.csv"):
        await service.import_content(example_bytes[name])
    return service


@dataclass
class Users:
    tokens: dict[Role, str]

    def bearer(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}


@pytest.fixture
def auth(database: Database) -> AuthService:
    return AuthService(
        database, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
async def users(auth: AuthService) -> Users:
    tokens = {}
    for role in (Role.PROVIDER, Role.ADMIN, Role.COMMISSIONER):
        await auth.create_user(f"{role.value}-user", None, [role])
        tokens[role] = (await auth.issue_token(f"{role.value}-user", "tests")).token
    return Users(tokens)


def build_app(
    database: Database,
    redis_store: RedisStore,
    auth: AuthService,
    service: PlanService,
    settings: PlanSettings | None = None,
) -> web.Application:
    app = web.Application()
    setup_auth(app, database, Settings(secret_key=SECRET_KEY, cookie_secure=False), service=auth)
    setup_plans(app, database, redis_store, settings or PlanSettings(), service=service)
    return app


@pytest.fixture
async def client(
    database: Database,
    redis_store: RedisStore,
    auth: AuthService,
    imported: PlanService,
    aiohttp_client: AiohttpClient,
) -> TestClient[web.Request, web.Application]:
    return await aiohttp_client(build_app(database, redis_store, auth, imported))
