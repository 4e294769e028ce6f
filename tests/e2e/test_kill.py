"""A real kill between the CallRecord and the handoff delivery loses nothing.

The session writes the CallRecord and the handoff's outbox row in one SQL
transaction; the outbox worker delivers afterwards. These tests run
``urgentline serve`` as a child process against the ARI simulator, end a call
that reached a provider, SIGKILL the process at a chosen point between the
commit and a successful delivery, then start a fresh service on the same
database and check that the handoff arrives once per idempotency key, signed,
with the CallRecord unchanged. The points:

* after a failed attempt (the provider answered 503; the row is pending again);
* before any attempt (the killed instance runs no outbox worker, so the row is
  committed and never claimed: the same state as a kill right after the commit);
* during a POST (the provider holds the request; the row is ``delivering`` under
  the dead worker's lease and must be taken over when the lease runs out).

Redis: on the embedded pass the child uses its own in-process fakeredis (lost
with it, like any state of a dead process); on the real pass it shares the
fixture's Redis URL and key prefix with the second service, as two instances
of a deployment would, and the fixture deletes the keys after.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlmodel import Session, select

from callflow.handoff.models import HandoffOutbox
from callflow.handoff.settings import HandoffSettings
from callflow.handoff.signing import IDEMPOTENCY_HEADER, verify
from callflow.service import Service
from callflow.storage import Database, RedisStore
from callflow.storage.models import CallRecord
from ivr_scripts import parse_script
from sip_lab.ari import AriSimulator
from tests.e2e.conftest import PASSWORD, USER, Lab, service_settings

pytestmark = pytest.mark.e2e

SECRET = "kill-test-handoff-secret"
PROVIDER = "default111"
CALLER = "+447700900517"
CALLER_FORMS = (CALLER, CALLER[1:], CALLER[3:], "0" + CALLER[3:])  # +44…, 44…, 77…, 077…
SCRIPT = """\
name: kill-test
fallback: default111
start: safety
prompts:
  safety-999: {text: "If this is a life-threatening emergency hang up and dial 999.", safety: true}
nodes:
  safety:
    say: {prompt: safety-999}
    next: route
  route:
    route: {destination: default111}
"""
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0  # no call is live at the stop: it takes well under a second
STEP_S = 0.05
T = TypeVar("T")


# -- the provider's webhook -------------------------------------------------------


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    status: int | None  # None: the request was never answered (the sender died)

    @property
    def key(self) -> str:
        return self.headers[IDEMPOTENCY_HEADER]


@dataclass
class Provider:
    """A webhook answering ``status``; ``hold`` keeps requests unanswered until released."""

    url: str = ""
    status: int = 503
    hold: bool = False
    deliveries: list[Delivery] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    async def accept(self, request: web.Request) -> web.Response:
        delivery = Delivery(dict(request.headers), await request.read(), None)
        self.deliveries.append(delivery)
        if self.hold:
            await self.released.wait()
        delivery.status = self.status
        return web.json_response({"ok": self.status < 300}, status=self.status)

    def accepted(self) -> Counter[str]:
        """2xx answers by idempotency key: how many times each handoff was taken."""
        return Counter(d.key for d in self.deliveries if d.status is not None and d.status < 300)


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    hook = Provider()
    app = web.Application()
    app.router.add_post("/handoffs", hook.accept)
    async with TestServer(app, host="127.0.0.1") as server:
        hook.url = str(server.make_url("/handoffs"))
        try:
            yield hook
        finally:
            hook.released.set()  # held requests answer (to nobody) so the server can stop


# -- the service as a child process -------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServeProcess:
    """``urgentline serve`` in a child process, logging to a file."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = int(env["URGENTLINE_HTTP_PORT"])
        self.log_path = workdir / "serve.log"
        self._log = self.log_path.open("wb")
        try:
            # DEBUG logs (-v): the most lines to search for the caller's number.
            # cwd: an empty directory, so no stray .env file configures the child.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "callflow", "-v", "serve"],
                env=env,
                cwd=workdir,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
        except BaseException:
            self._log.close()
            raise
        self.started = time.monotonic()

    def logs(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> float:
        """Seconds until ``/readyz`` says the ARI socket is up; fails with the child's log."""
        url = f"http://127.0.0.1:{self.port}/readyz"
        deadline = self.started + timeout_s
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError(
                        f"urgentline serve exited with {self.proc.returncode}:\n{self.logs()}"
                    )
                try:
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=1)) as r:
                        if r.status == 200:
                            return time.monotonic() - self.started
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(STEP_S)
        raise AssertionError(f"urgentline serve not ready in {timeout_s}s:\n{self.logs()}")

    async def kill(self) -> None:
        """SIGKILL, and wait until the process is gone."""
        if self.proc.poll() is None:
            self.proc.kill()
        returncode = await asyncio.to_thread(self.proc.wait, 10)
        assert returncode == -signal.SIGKILL, f"exit {returncode}:\n{self.logs()}"
        with pytest.raises(ConnectionRefusedError):  # nobody serves its port any more
            socket.create_connection(("127.0.0.1", self.port), 1).close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._log.close()


@pytest.fixture
def spawn() -> Iterator[list[ServeProcess]]:
    """Children started by a test; killed at teardown whatever happened."""
    children: list[ServeProcess] = []
    try:
        yield children
    finally:
        for child in children:
            child.close()


def serve_env(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    tmp_path: Path,
    provider: Provider,
    **handoff: str,
) -> dict[str, str]:
    """The child's environment: the test's stores, simulator, provider and SCRIPT."""
    script_path = tmp_path / "kill-test.yaml"
    script_path.write_text(SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("URGENTLINE_")}
    env.update(
        URGENTLINE_ARI_URL=sim.base_url,
        URGENTLINE_ARI_USER=USER,
        URGENTLINE_ARI_PASSWORD=PASSWORD,
        URGENTLINE_DATABASE_URL=database.url,
        URGENTLINE_MIGRATE_ON_START="false",  # the fixture migrated it
        URGENTLINE_HTTP_HOST="127.0.0.1",
        URGENTLINE_HTTP_PORT=str(free_port()),
        URGENTLINE_SCRIPT_PATH=str(script_path),
        URGENTLINE_DIAL_TIMEOUT_S="2",
        URGENTLINE_HANDOFF_WEBHOOKS=json.dumps({PROVIDER: provider.url}),
        URGENTLINE_HANDOFF_SECRET=SECRET,
        URGENTLINE_HANDOFF_POLL_S="0.1",
    )
    if not redis_store.embedded:
        assert redis_store.url is not None
        env.update(URGENTLINE_REDIS_URL=redis_store.url, URGENTLINE_REDIS_PREFIX=redis_store.prefix)
    env.update({f"URGENTLINE_HANDOFF_{k.upper()}": v for k, v in handoff.items()})
    return env


async def start_child(
    env: dict[str, str], tmp_path: Path, spawn: list[ServeProcess]
) -> ServeProcess:
    """``urgentline serve`` with ``env`` in an empty folder, ready (ARI socket up)."""
    workdir = tmp_path / "serve"
    workdir.mkdir()
    child = ServeProcess(env, workdir)
    spawn.append(child)
    await child.wait_ready()
    return child


# -- reading the database -----------------------------------------------------------


async def until(
    what: str,
    check: Callable[[], Awaitable[T | None]],
    timeout_s: float,
    child: ServeProcess | None = None,
) -> T:
    """Poll ``check`` until it returns something truthy, within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child is not None and child.proc.poll() is not None:
            raise AssertionError(f"urgentline serve died while waiting for {what}:\n{child.logs()}")
        value = await check()
        if value:
            return value
        await asyncio.sleep(STEP_S)
    logs = f":\n{child.logs()}" if child is not None else ""
    raise AssertionError(f"no {what} within {timeout_s}s{logs}")


async def stored(database: Database, channel_id: str) -> tuple[CallRecord, HandoffOutbox] | None:
    """The call's CallRecord and its outbox row, read in one transaction (None if absent)."""

    def read(session: Session) -> tuple[CallRecord, HandoffOutbox] | None:
        session.expire_all()
        records = session.exec(select(CallRecord).where(CallRecord.channel_id == channel_id))
        record = records.first()
        if record is None:
            return None
        rows = session.exec(select(HandoffOutbox).where(HandoffOutbox.call_id == record.call_id))
        row = rows.first()
        assert row is not None, "a CallRecord without its handoff: the transaction was split"
        return record, row

    return await database.run(read)


# -- the scenario -------------------------------------------------------------------


@dataclass
class Killed:
    """What the database held once the child was dead."""

    record: CallRecord
    row: HandoffOutbox
    logs: str
    pid: int


async def call_then_kill(
    *,
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    provider: Provider,
    spawn: list[ServeProcess],
    tmp_path: Path,
    kill_when: Callable[[HandoffOutbox], bool],
    **handoff: str,
) -> Killed:
    """Serve in a child, end one routed call, SIGKILL the child once ``kill_when`` holds."""
    env = serve_env(sim, database, redis_store, tmp_path, provider, **handoff)
    child = await start_child(env, tmp_path, spawn)
    channel = await lab.call(CALLER)  # stays on: the provider hangs up after its hold

    async def due() -> tuple[CallRecord, HandoffOutbox] | None:
        found = await stored(database, channel)
        return found if found is not None and kill_when(found[1]) else None

    await until("CallRecord and outbox row in the kill state", due, 20, child)
    await child.kill()
    found = await stored(database, channel)  # the state the dead process left behind
    assert found is not None
    record, row = found
    assert (record.outcome, record.destination, record.caller) == ("routed", PROVIDER, CALLER)
    assert row.provider == PROVIDER and row.url == provider.url
    logs = child.logs()
    assert "urgentline serving on http://127.0.0.1:" in logs, logs
    return Killed(record, row, logs, child.proc.pid)


@contextlib.asynccontextmanager
async def stopped_within(svc: Service, timeout_s: float) -> AsyncIterator[Service]:
    """``async with svc`` whose exit must finish within ``timeout_s`` (a hung stop fails).

    Python 3.11 can lose a cancellation inside redis-py's ``wait_for``; the
    service re-cancels (``callflow.tasks.stop``), and this keeps it honest.
    """
    await svc.__aenter__()
    try:
        yield svc
    finally:
        async with asyncio.timeout(timeout_s):
            await svc.__aexit__(None, None, None)


async def recover(
    sim: AriSimulator, database: Database, redis_store: RedisStore, provider: Provider
) -> HandoffOutbox:
    """A fresh in-process service on the same database; returns the delivered row."""
    provider.status, provider.hold = 200, False
    handoffs = HandoffSettings(
        handoff_webhooks={PROVIDER: provider.url},
        handoff_secret=SECRET,
        handoff_poll_s=0.1,
        handoff_backoff_base_s=0.5,
        handoff_backoff_max_s=2,
        handoff_timeout_s=1,
        handoff_lease_s=2,
    )
    script = parse_script(SCRIPT, "kill-test.yaml")
    svc = Service(
        service_settings(sim, drain_timeout_s=2),
        db=database,
        redis=redis_store,
        script=script,
        handoff_settings=handoffs,
    )
    async with stopped_within(svc, STOP_TIMEOUT_S):
        assert svc.events is not None and await svc.events.wait_connected(5)

        async def accepted() -> Counter[str]:
            return provider.accepted()

        await until("delivery accepted by the provider", accepted, 15)
        await asyncio.sleep(1.0)  # ten polls more: a second delivery would show up here
    rows = await database.run(lambda s: s.exec(select(HandoffOutbox)).all())
    assert len(rows) == 1
    return rows[0]


def check_delivered(killed: Killed, delivered: HandoffOutbox, provider: Provider) -> None:
    handoff_id = killed.row.handoff_id
    assert provider.accepted() == Counter({handoff_id: 1}), "delivered exactly once"
    assert {d.key for d in provider.deliveries} == {handoff_id}, "one key on every attempt"
    assert len({d.body for d in provider.deliveries}) == 1, "every attempt sent the same bytes"
    final = next(d for d in provider.deliveries if d.status == 200)
    verify(SECRET, final.body, final.headers, now=time.time())  # raises when forged
    assert final.headers["X-Urgentline-Attempt"] == str(delivered.attempts)
    bundle = json.loads(final.body)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["entry"][0]["resource"]["resourceType"] == "MessageHeader"
    assert CALLER in final.body.decode()  # the provider gets the CLI, the logs never do
    assert (delivered.state, delivered.last_status) == ("delivered", 200)
    assert delivered.delivered_at is not None and delivered.claimed_by is None
    assert delivered.attempts == killed.row.attempts + 1
    assert delivered.payload == killed.row.payload


async def check_record_intact(database: Database, killed: Killed) -> None:
    records = await database.run(lambda s: s.exec(select(CallRecord)).all())
    assert [r.model_dump() for r in records] == [killed.record.model_dump()]


def check_no_caller_number(logs: str, *, at_least: int = 1) -> None:
    lines = logs.splitlines()
    assert len(lines) >= at_least, logs
    leaks = [line for line in lines if any(form in line for form in CALLER_FORMS)]
    assert not leaks, f"caller's number in the service's log: {leaks}"


# -- the tests ------------------------------------------------------------------------


async def test_kill_after_a_failed_delivery_loses_nothing(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    provider: Provider,
    spawn: list[ServeProcess],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Provider down (503): killed with the row pending again after a failed attempt."""
    provider.status = 503
    killed = await call_then_kill(
        sim=sim,
        database=database,
        redis_store=redis_store,
        lab=lab,
        provider=provider,
        spawn=spawn,
        tmp_path=tmp_path,
        # The first retry is due 1-2 s after the failure: far beyond one poll of ours.
        kill_when=lambda row: row.state == "pending" and row.attempts >= 1,
        backoff_base_s="2",
        backoff_max_s="4",
    )
    assert (killed.row.state, killed.row.last_error, killed.row.last_status) == (
        "pending",
        "http-503",
        503,
    )
    refused = [d for d in provider.deliveries if d.status == 503]
    assert len(refused) == killed.row.attempts == len(provider.deliveries)
    delivered = await recover(sim, database, redis_store, provider)
    check_delivered(killed, delivered, provider)
    await check_record_intact(database, killed)
    check_no_caller_number(killed.logs)
    check_no_caller_number("\n".join(r.getMessage() for r in caplog.records), at_least=0)


async def test_kill_before_any_delivery_attempt_loses_nothing(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    provider: Provider,
    spawn: list[ServeProcess],
    tmp_path: Path,
) -> None:
    """Killed with the row committed and never claimed.

    The child runs no outbox worker (``URGENTLINE_HANDOFF_WORKER_ENABLED=false``),
    so nothing can claim the row before the kill: the state a crash right after
    the commit leaves, made deterministic.
    """
    provider.status = 200
    killed = await call_then_kill(
        sim=sim,
        database=database,
        redis_store=redis_store,
        lab=lab,
        provider=provider,
        spawn=spawn,
        tmp_path=tmp_path,
        kill_when=lambda row: True,
        worker_enabled="false",
    )
    assert (killed.row.state, killed.row.attempts, killed.row.claimed_by) == ("pending", 0, None)
    assert provider.deliveries == []
    delivered = await recover(sim, database, redis_store, provider)
    check_delivered(killed, delivered, provider)
    assert delivered.attempts == 1
    await check_record_intact(database, killed)
    check_no_caller_number(killed.logs)


async def test_kill_during_a_delivery_loses_nothing(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    provider: Provider,
    spawn: list[ServeProcess],
    tmp_path: Path,
) -> None:
    """Killed mid-POST: the dead worker's lease runs out and the new one delivers.

    The provider saw the first request but its answer never reached the
    service, so it sees the handoff twice with one Idempotency-Key and takes
    it once.
    """
    provider.hold = True
    killed = await call_then_kill(
        sim=sim,
        database=database,
        redis_store=redis_store,
        lab=lab,
        provider=provider,
        spawn=spawn,
        tmp_path=tmp_path,
        # The POST is held and times out after 2 s; we kill within one poll of it arriving.
        kill_when=lambda row: len(provider.deliveries) == 1,
        timeout_s="2",
        lease_s="4",
    )
    assert (killed.row.state, killed.row.attempts) == ("delivering", 1)
    assert killed.row.claimed_by is not None and f":{killed.pid}:" in killed.row.claimed_by
    assert [d.status for d in provider.deliveries] == [None]
    delivered = await recover(sim, database, redis_store, provider)
    assert [d.status for d in provider.deliveries] == [None, 200]
    check_delivered(killed, delivered, provider)
    await check_record_intact(database, killed)
    check_no_caller_number(killed.logs)


async def test_a_call_back_promised_by_a_killed_instance_is_made_by_another(
    sim: AriSimulator,
    database: Database,
    redis_store: RedisStore,
    lab: Lab,
    provider: Provider,
    spawn: list[ServeProcess],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The caller accepts a call back, their line is released, the instance is SIGKILLed.

    Nothing shut down cleanly, so the queue entry still names the dead instance
    as its owner. The surviving instance claims it when a clinician frees up,
    finds nobody listening for the dead owner's offers, and rings the caller
    back from the state the dead instance stored with the entry.
    """
    if redis_store.embedded:
        pytest.skip("the child's embedded Redis dies with it; a deployment shares one Redis")
    provider.status = 200
    waiting = {"callback_offer_after_s": "0.3", "queue_capture_fields": "", "instance": "a"}
    env = serve_env(sim, database, redis_store, tmp_path, provider)
    env.update({f"URGENTLINE_{k.upper()}": v for k, v in waiting.items()})
    env["URGENTLINE_DASHBOARDS_ENABLED"] = "false"
    survivor = Service(
        service_settings(sim, ari_app="urgentline-b", instance="b", dashboards_enabled=False),
        db=database,
        redis=redis_store,
        script=parse_script(SCRIPT, "kill-test.yaml"),
        handoff_settings=HandoffSettings(
            handoff_webhooks={PROVIDER: provider.url}, handoff_secret=SECRET, handoff_poll_s=0.1
        ),
    )
    async with stopped_within(survivor, STOP_TIMEOUT_S):
        assert survivor.events is not None and await survivor.events.wait_connected(5)
        await survivor.queues.set_capacity(PROVIDER, 0)  # every clinician busy
        child = await start_child(env, tmp_path, spawn)
        channel = await lab.call(CALLER)
        await lab.accept_call_back(channel)
        await child.kill()
        assert (await survivor.queues.stats(PROVIDER)).waiting == 1  # the place is held

        await survivor.queues.set_capacity(PROVIDER, 1)
        assert survivor.dispatcher is not None
        survivor.dispatcher.poke()

        async def made() -> tuple[CallRecord, HandoffOutbox] | None:
            return await stored(database, channel)

        record, _ = await until("the call back's CallRecord", made, 20)

        async def accepted() -> Counter[str]:
            return provider.accepted()

        await until("the handoff accepted by the provider", accepted, 15)
        events = await survivor.publisher.read_all()
    assert (record.outcome, record.destination, record.caller) == ("routed", PROVIDER, CALLER)
    kinds = [e.type for e in events if e.call_id == record.call_id]
    assert kinds.count("callback.accepted") == 1 and kinds.count("callback.made") == 1
    originations = await lab.get("/originations")
    assert any(o.get("endpoint", "").startswith(f"PJSIP/{CALLER}") for o in originations)
    assert list(provider.accepted().values()) == [1]
    assert "is gone; calling back" in caplog.text  # the dead owner's offer found nobody
    check_no_caller_number(child.logs())
    check_no_caller_number(caplog.text, at_least=0)
