"""Destinations saved in SQL by an admin: checked whole, versioned, in force on every instance."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from callflow.app import create_app
from callflow.auth import AUTH_SERVICE
from callflow.routing.book import DestinationBook
from callflow.routing.destinations import Destinations, load_destinations
from callflow.service import Service
from callflow.settings import Settings
from callflow.storage import Database, RedisStore


def _closed_dental() -> Destinations:
    data = load_destinations().model_dump()
    data["destinations"]["dental"]["hours"] = {"mon-fri": "09:00-17:00"}
    data["destinations"]["dental"]["capacity"] = 3
    return Destinations.model_validate(data)


async def test_a_saved_set_is_in_force_here_at_once_and_elsewhere_on_refresh(
    database: Database,
) -> None:
    here = DestinationBook(load_destinations(), database)
    there = DestinationBook(load_destinations(), database)
    assert here.version is None and not await there.refresh()
    version = await here.save(_closed_dental(), "admin")
    assert here.current.destinations["dental"].capacity == 3 and here.version == version
    assert there.current.destinations["dental"].capacity == 10  # not yet
    assert await there.refresh()
    assert there.current == here.current and there.version == version
    assert not await there.refresh()  # nothing newer
    again = await here.save(load_destinations(), "admin")
    assert again == version + 1


async def test_the_api_checks_the_whole_set_and_a_refusal_changes_nothing(
    aiohttp_client: Any, database: Database, redis_store: RedisStore
) -> None:
    settings = Settings(ari_url="http://127.0.0.1:9/ari", cookie_secure=False)
    service = Service(settings, db=database, redis=redis_store)
    client: TestClient[Any, Any] = await aiohttp_client(create_app(settings, service))
    auth = client.app[AUTH_SERVICE]
    headers = {}
    for role in ("admin", "supervisor"):
        await auth.create_user(role, "a-long-pass-phrase", [role])
        headers[role] = {"Authorization": f"Bearer {(await auth.issue_token(role, 't')).token}"}

    shown = await (await client.get("/api/destinations", headers=headers["supervisor"])).json()
    assert shown["source"] == "file" and shown["version"] is None
    document = shown["destinations"]  # the GET body itself is accepted too (below)

    document["destinations"]["default111"]["hours"] = {"mon-fri": "08:00-18:00"}
    refused = await client.put("/api/destinations", json=document, headers=headers["admin"])
    assert refused.status == 400
    problems = (await refused.json())["details"]["problems"]
    assert any("open 24/7" in p for p in problems), problems
    junk = await client.put("/api/destinations", data=b"{not json", headers=headers["admin"])
    assert junk.status == 400
    assert service.book.version is None  # nothing changed

    del document["destinations"]["default111"]["hours"]
    document["destinations"]["pharmacy"]["capacity"] = 2
    forbidden = await client.put("/api/destinations", json=document, headers=headers["supervisor"])
    assert forbidden.status == 403
    saved = await client.put("/api/destinations", json=shown, headers=headers["admin"])
    assert saved.status == 200
    body = await saved.json()
    assert body["source"] == "saved" and body["version"] == service.book.version
    assert service.destinations.destinations["pharmacy"].capacity == 2
    queues = await (await client.get("/api/queues", headers=headers["supervisor"])).json()
    assert queues["providers"]["pharmacy"]["clinicians_on_duty"] == 2
