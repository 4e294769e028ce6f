"""The care-plan API over HTTP on both back ends: roles, audited reads, imports."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlmodel import Session, col, select

from callflow.auth import Role, route_access
from callflow.plans import PLANS
from callflow.plans.settings import PlanSettings
from callflow.storage import Database
from careplans import PlanAccess

from .conftest import ADA_NHS, EDWIN_NHS, Users, build_app

Client = TestClient[web.Request, web.Application]


def audit(database: Database) -> list[tuple[str, str, str, str | None]]:
    with Session(database.engine) as session:
        rows = session.exec(select(PlanAccess).order_by(col(PlanAccess.id)))
        return [(r.actor, r.action, r.purpose, r.call_id) for r in rows]


async def test_routes_need_the_right_roles(client: Client) -> None:
    rules = {
        (m, p): str(a) for m, p, a in route_access(client.app) if "careplans" in p and m != "HEAD"
    }
    assert rules == {
        ("GET", "/api/careplans"): "roles:provider",
        ("GET", "/api/careplans/{plan_id}"): "roles:provider",
        ("GET", "/api/careplans/conflicts"): "roles:admin",
        ("POST", "/api/careplans/import"): "roles:admin",
    }


async def test_anonymous_and_wrong_roles_are_refused(client: Client, users: Users) -> None:
    url = f"/api/careplans?nhs_number={ADA_NHS}"
    assert (await client.get(url)).status == 401
    assert (await client.get(url, headers=users.bearer(Role.COMMISSIONER))).status == 403
    post = await client.post(
        "/api/careplans/import", data=b"x", headers=users.bearer(Role.PROVIDER)
    )
    assert post.status == 403


async def test_provider_lists_a_patients_plans_and_each_read_is_audited(
    client: Client, users: Users, database: Database
) -> None:
    response = await client.get(
        "/api/careplans", params={"nhs_number": "979 648 7713"}, headers=users.bearer(Role.PROVIDER)
    )
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = await response.json()
    assert body["nhs_number"] == ADA_NHS
    plans = body["plans"]
    assert [(p["source"], p["current"]) for p in plans] == [
        ("ucp.example.nhs.uk/Id/care-plan", True),
        ("eol-register", False),
    ]
    assert plans[1]["superseded_by"] == plans[0]["id"]
    assert plans[0]["dnacpr"] is True and plans[0]["patient"]["family_name"] == "Testwell"
    assert audit(database) == [
        ("user:provider-user", "list", "direct-care", None),
        ("user:provider-user", "list", "direct-care", None),
    ]


async def test_provider_reads_one_plan_with_its_conflict(
    client: Client, users: Users, database: Database
) -> None:
    listed = await client.get(
        "/api/careplans", params={"nhs_number": ADA_NHS}, headers=users.bearer(Role.PROVIDER)
    )
    plan_id = (await listed.json())["plans"][0]["id"]
    response = await client.get(
        f"/api/careplans/{plan_id}",
        params={"purpose": "call", "call_id": "call-42"},
        headers=users.bearer(Role.PROVIDER),
    )
    assert response.status == 200
    plan = await response.json()
    assert plan["id"] == plan_id and plan["preferred_place_of_care"] == "Home"
    assert plan["key_contacts"] == [
        {"name": "Bea Testwell", "relationship": "daughter", "phone": "+447700900111"}
    ]
    (conflict,) = plan["conflicts"]
    assert conflict["winner_plan_id"] == plan_id
    assert conflict["fields"] == ["preferred_place_of_care", "crisis_instructions"]
    assert audit(database)[-1] == ("user:provider-user", "read", "call", "call-42")


async def test_bad_requests_say_why_without_echoing_numbers(client: Client, users: Users) -> None:
    provider = users.bearer(Role.PROVIDER)
    bad = await client.get("/api/careplans", params={"nhs_number": "9796487714"}, headers=provider)
    assert bad.status == 422
    body = await bad.json()
    assert body["error_id"] == "invalid-nhs-number" and "9796487714" not in await bad.text()
    missing = await client.get("/api/careplans", headers=provider)
    assert (await missing.json())["message"] == "nhs_number: required"
    purpose = await client.get(
        "/api/careplans", params={"nhs_number": EDWIN_NHS, "purpose": "curiosity"}, headers=provider
    )
    assert (await purpose.json())["error_id"] == "invalid-parameter"
    no_call = await client.get(
        "/api/careplans", params={"nhs_number": EDWIN_NHS, "purpose": "call"}, headers=provider
    )
    assert (await no_call.json())["details"] == {"parameter": "call_id"}
    for plan_id in ("0" * 32, "not-a-plan-id"):
        missing_plan = await client.get(f"/api/careplans/{plan_id}", headers=provider)
        assert missing_plan.status == 404
        assert (await missing_plan.json())["error_id"] == "no-such-plan"


async def test_plans_refused_for_sharing_are_never_served(client: Client, users: Users) -> None:
    provider = users.bearer(Role.PROVIDER)
    listed = await client.get(
        "/api/careplans", params={"nhs_number": "9136042269"}, headers=provider
    )
    assert (await listed.json())["plans"] == []


async def test_admin_imports_a_csv_and_sees_rejected_rows(
    client: Client, users: Users, example_bytes: dict[str, bytes]
) -> None:
    response = await client.post(
        "/api/careplans/import",
        data=example_bytes["mh-crisis-register.csv"],
        params={"source": "mh-register-2"},
        headers={**users.bearer(Role.ADMIN), "Content-Type": "text/csv"},
    )
    assert response.status == 200
    report = await response.json()
    assert (report["source"], report["layout"]) == ("mh-register-2", "mh-crisis-register")
    assert (report["created"], report["rejected"]) == (4, 3)
    assert [e["line"] for e in report["errors"]] == [6, 7, 8]
    conflicts = await client.get("/api/careplans/conflicts", headers=users.bearer(Role.ADMIN))
    assert len((await conflicts.json())["conflicts"]) == 1


async def test_unreadable_and_oversized_imports_are_refused(
    database: Database,
    redis_store: object,
    auth: object,
    imported: object,
    users: Users,
    aiohttp_client: object,
) -> None:
    app = build_app(
        database,
        redis_store,
        auth,
        imported,
        PlanSettings(plan_import_max_mb=1),  # type: ignore[arg-type]
    )
    client: Client = await aiohttp_client(app)  # type: ignore[operator]
    admin = users.bearer(Role.ADMIN)
    bad = await client.post("/api/careplans/import", data=b'{"resourceType": ', headers=admin)
    assert bad.status == 422
    assert (await bad.json())["error_id"] == "unreadable-file"
    empty = await client.post("/api/careplans/import", data=b"  ", headers=admin)
    assert (await empty.json())["error_id"] == "unreadable-file"
    layout = await client.post(
        "/api/careplans/import", data=b"x", params={"layout": "xlsx"}, headers=admin
    )
    assert (await layout.json())["details"] == {"parameter": "layout"}
    big = io.BytesIO(b"a" * (1024 * 1024 + 1))
    huge = await client.post("/api/careplans/import", data=big, headers=admin)
    assert huge.status == 413
    assert (await huge.json())["error_id"] == "import-too-large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(20):
            yield b"b" * 65536

    streamed = await client.post("/api/careplans/import", data=chunks(), headers=admin)
    assert streamed.status == 413
    assert app[PLANS] is imported
