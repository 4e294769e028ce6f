"""The live routing script: the published version, hot-swapped on publish.

Theory of operation. ``LiveScripts`` holds one ``Script`` object for one
script name. New calls take ``current()`` when they start and keep that object
for their whole life, so a publish never touches a call in progress (DESIGN
principle 4). The object is replaced in one assignment, which is what makes
the switch atomic within an instance.

Where it comes from: the published version in the SQL version store
(``ivr_scripts.store``), or, when nothing was ever published, the fallback
script (the shipped file of the same name, or what the service passes). How it
changes: ``urgentline scripts publish`` (or ``rollback``) writes the alias in
SQL and then announces it on a Redis pub/sub channel; every instance
subscribed to that channel reloads at once. Pub/sub is not durable (a message
sent while an instance was disconnected is lost), so each instance also checks
the alias when it (re)subscribes and every ``poll_interval_s``: a missed
announcement delays the switch, it never loses it. Nothing here can break the
current script: a version that fails to load, a database or Redis that is
down, leave the last good script in place (logged and counted).

Wiring (the service owns it, in dependency order after the database and Redis)::

    live = LiveScripts(db, redis, "london", fallback=script_from_settings)
    await live.start()
    sessions = SessionManager(deps, live.current)   # each new call: live.current()
    ...
    await live.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from types import TracebackType
from typing import Any

from callflow import tasks
from callflow.storage import Database, RedisStore
from ivr_scripts import Script, shipped_script
from ivr_scripts.loader import SCRIPTS_DIR
from ivr_scripts.store import ScriptStore

log = logging.getLogger(__name__)

LOOKUP_TIMEOUT_S = 5.0


def scripts_channel(redis: RedisStore) -> str:
    """The pub/sub channel on which publishes are announced (one per key prefix)."""
    return redis.key("scripts", "published")


async def announce(redis: RedisStore, name: str, version: int, checksum: str = "") -> int:
    """Tell every running instance that ``name`` now publishes ``version``.

    Returns:
        How many subscribers received it (instances that missed it catch up by polling).
    """
    message = json.dumps({"script": name, "version": version, "checksum": checksum})
    async with asyncio.timeout(LOOKUP_TIMEOUT_S):
        return int(await redis.client.publish(scripts_channel(redis), message))


class LiveScripts:
    """The published version of one script, kept current on this instance.

    Usage::

        async with LiveScripts(db, redis, "london") as live:
            script = live.current()   # when a call starts; the call keeps it

    Args:
        db: the service's database (the version store's tables).
        redis: the service's Redis (the announcement channel).
        name: the script's name in the store (``name:`` in its YAML).
        fallback: the script to run while nothing is published; by default the
            shipped file ``ivr_scripts/scripts/<name>.yaml``.
        poll_interval_s: how often the alias is checked without an announcement.
    """

    def __init__(
        self,
        db: Database,
        redis: RedisStore,
        name: str = "london",
        *,
        fallback: Script | None = None,
        poll_interval_s: float = 30.0,
    ) -> None:
        if fallback is None:
            if not (SCRIPTS_DIR / f"{name}.yaml").exists():
                raise ValueError(f"no shipped script '{name}': pass a fallback script")
            fallback = shipped_script(name)
        self.name = name
        self.store = ScriptStore(db)
        self.redis = redis
        self.poll_interval_s = poll_interval_s
        self._fallback = fallback
        self._script = fallback
        self._published: int | None = None
        self._listeners: list[Callable[[Script], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._lock = asyncio.Lock()
        self.switches = 0
        self.failures = 0
        self.subscribed = False

    # ----------------------------------------------------------------- the public face

    def current(self) -> Script:
        """The script new calls start with (never blocks; always a loaded, checked script)."""
        return self._script

    @property
    def published_version(self) -> int | None:
        """The store version now current, or ``None`` while the fallback runs."""
        return self._published

    def add_listener(self, listener: Callable[[Script], None]) -> None:
        """Call ``listener(script)`` after every switch (e.g. to log or count it)."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Load the published version and start listening for publishes."""
        if self._task is not None:
            return
        await self.refresh()
        self._task = asyncio.get_running_loop().create_task(self._listen())

    async def aclose(self) -> None:
        task, self._task = self._task, None
        await tasks.stop(task)

    async def __aenter__(self) -> LiveScripts:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def refresh(self) -> bool:
        """Check the published alias now; switch if it moved. True when the script changed."""
        async with self._lock:
            return await self._refresh()

    async def _refresh(self) -> bool:
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT_S):
                version = await self.store.published_version(self.name)
                if version is None or version == self._published:
                    return False
                stored = await self.store.published(self.name)
        except TimeoutError:
            self.failures += 1
            log.warning("script %s: the version store did not answer in time", self.name)
            return False
        except Exception:  # SQL driver errors vary by back end: keep the script we have
            self.failures += 1
            log.exception("script %s: could not read the version store", self.name)
            return False
        if stored is None:
            return False
        loaded = stored.load()
        if loaded.script is None:
            self.failures += 1
            log.error(
                "script %s: published version %d does not load (%d errors); keeping version %s",
                self.name,
                stored.info.version,
                len(loaded.errors),
                self._script.version,
            )
            return False
        if loaded.errors:
            # It passed the checker when published; a stricter checker since then is
            # reported, but the published version still runs (it is a valid flow).
            log.warning(
                "script %s: published version %d now has %d checker errors; running it anyway",
                self.name,
                stored.info.version,
                len(loaded.errors),
            )
        self._switch(loaded.script, stored.info.version)
        return True

    async def wait_for_version(self, version: int, timeout_s: float = 5.0) -> None:
        """Wait until ``version`` is current (tests and tools). Raises ``TimeoutError``."""
        async with asyncio.timeout(timeout_s):
            while self._published != version:
                self._changed.clear()
                if self._published == version:
                    break
                await self._changed.wait()

    # ----------------------------------------------------------------- internals

    def _switch(self, script: Script, version: int) -> None:
        previous = self._script
        self._script = script
        self._published = version
        self.switches += 1
        log.info(
            "script %s: new calls now run version %d (was %s)",
            self.name,
            version,
            previous.version,
        )
        self._changed.set()
        for listener in self._listeners:
            try:
                listener(script)
            except Exception:  # a listener must not stop the switch
                log.exception("script %s: listener failed", self.name)

    async def _listen(self) -> None:
        """Subscribe, catch up, then reload on every announcement; poll as a safety net."""
        channel = scripts_channel(self.redis)
        backoff = 0.5
        while True:
            try:
                pubsub: Any = self.redis.client.pubsub()
                try:
                    async with asyncio.timeout(LOOKUP_TIMEOUT_S):
                        await pubsub.subscribe(channel)
                    self.subscribed = True
                    backoff = 0.5
                    await self.refresh()  # anything published while we were not listening
                    await self._read(pubsub)
                finally:
                    self.subscribed = False
                    with contextlib.suppress(Exception):
                        await pubsub.aclose()
            except asyncio.CancelledError:
                raise
            except Exception:  # the worker's loop: log, count, back off, keep polling
                self.failures += 1
                log.warning("script %s: announcements unavailable; polling", self.name)
                delay = backoff * (0.5 + random.random())
                backoff = min(backoff * 2, self.poll_interval_s)
                await asyncio.sleep(delay)
                await self.refresh()

    async def _read(self, pubsub: Any) -> None:
        last_poll = asyncio.get_running_loop().time()
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=min(self.poll_interval_s, 1.0)
            )
            if (
                message is not None
                and message.get("type") == "message"
                and self._mentions_me(message.get("data"))
            ):
                await self.refresh()
                last_poll = asyncio.get_running_loop().time()
            now = asyncio.get_running_loop().time()
            if now - last_poll >= self.poll_interval_s:
                await self.refresh()
                last_poll = now

    def _mentions_me(self, data: Any) -> bool:
        try:
            body = json.loads(data)
        except (TypeError, ValueError):
            log.warning("script %s: malformed announcement ignored", self.name)
            return False
        return isinstance(body, dict) and body.get("script") == self.name
