"""The version store: immutable versions, one published alias per script, an audit log.

Every save of a script is a new, numbered, immutable version (author, comment,
SHA-256 checksum, time, and how the checker judged it then). The *published*
alias says which version new calls run; ``publish`` moves it to a version that
passes the checker, ``rollback`` moves it back. A version that fails the
checker can be saved as a draft but is never published. Every save, publish,
refused publish and rollback lands in ``script_audit``.

The store runs each operation as one transaction through a *runner* (anything
with ``async run(fn: Callable[[Session], T]) -> T``, such as
``callflow.storage.Database``), so it works on SQLite and PostgreSQL alike and
imports nothing of the service. It does not tell running services about a
publish: the caller announces it (``callflow.scripts_live.announce``), and
services also poll.

Tables are created by ``alembic/versions/0003_scripts.py``; keep the two in step.

Usage::

    store = ScriptStore(db, catalogue=shipped_catalogue())
    saved = await store.save(text, author="sam", comment="dental pilot")
    await store.publish("london", saved.info.version, actor="sam", comment="go live")
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol, TypeVar

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from ivr_scripts.catalogue import Catalogue
from ivr_scripts.errors import (
    NoSuchScript,
    NoSuchVersion,
    NothingToRollBack,
    PublishRefused,
    ScriptError,
)
from ivr_scripts.loader import Loaded, load_text, schema
from ivr_scripts.problems import Problem
from ivr_scripts.yamlsource import read_yaml

T = TypeVar("T")

SAVE = "save"
PUBLISH = "publish"
PUBLISH_REFUSED = "publish-refused"
ROLLBACK = "rollback"


class Runner(Protocol):
    """Runs ``fn`` in one transaction on a worker thread (``callflow.storage.Database``)."""

    def run(self, fn: Callable[[Session], T]) -> Awaitable[T]: ...


# --------------------------------------------------------------------- tables


class ScriptVersion(SQLModel, table=True):
    """One saved version of a script; rows are never updated or deleted."""

    __tablename__ = "script_version"
    __table_args__ = (UniqueConstraint("script", "version", name="uq_script_version"),)

    id: int | None = Field(default=None, primary_key=True)
    script: str = Field(max_length=64, index=True)
    version: int
    source: str = Field(sa_column=Column(Text, nullable=False))
    checksum: str = Field(max_length=64)
    author: str = Field(max_length=128)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    errors: int = 0
    warnings: int = 0


class ScriptPublication(SQLModel, table=True):
    """The published alias: which version new calls of ``script`` run."""

    __tablename__ = "script_publication"

    script: str = Field(primary_key=True, max_length=64)
    version: int
    checksum: str = Field(max_length=64)
    published_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    published_by: str = Field(max_length=128)


class ScriptAudit(SQLModel, table=True):
    """Who changed what, when and why (save, publish, publish-refused, rollback)."""

    __tablename__ = "script_audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    actor: str = Field(max_length=128)
    action: str = Field(max_length=32)
    script: str = Field(max_length=64, index=True)
    version: int | None = None
    previous_version: int | None = None
    checksum: str | None = Field(default=None, max_length=64)
    comment: str = Field(default="", sa_column=Column(Text, nullable=False))


# --------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """A saved version without its text."""

    script: str
    version: int
    checksum: str
    author: str
    comment: str
    created_at: datetime
    errors: int
    warnings: int

    @property
    def publishable(self) -> bool:
        """It passed the checker when saved (publishing checks again)."""
        return self.errors == 0


@dataclass(frozen=True, slots=True)
class StoredVersion:
    info: VersionInfo
    source: str

    @property
    def filename(self) -> str:
        return f"{self.info.script}@v{self.info.version}"

    def load(self, catalogue: Catalogue | None = None, now: datetime | None = None) -> Loaded:
        """Load this version (named ``name@vN`` in problems); ``Script.version`` is ``N``."""
        loaded = load_text(self.source, self.filename, catalogue=catalogue, now=now)
        if loaded.script is None:
            return loaded
        return Loaded(replace(loaded.script, version=str(self.info.version)), loaded.problems)


@dataclass(frozen=True, slots=True)
class Saved:
    """The outcome of ``save``: the version, what the checker said, whether it is new."""

    info: VersionInfo
    problems: list[Problem]
    created: bool


@dataclass(frozen=True, slots=True)
class Publication:
    script: str
    version: int
    previous: int | None
    published_at: datetime
    published_by: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    script: str
    version: int | None
    previous_version: int | None
    checksum: str | None
    comment: str


def _info(row: ScriptVersion) -> VersionInfo:
    return VersionInfo(
        row.script,
        row.version,
        row.checksum,
        row.author,
        row.comment,
        _aware(row.created_at),
        row.errors,
        row.warnings,
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def checksum_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def script_name_of(text: str, filename: str = "<script>") -> str | None:
    """The ``name:`` of a document, even one that fails to load (for saving drafts)."""
    pattern = re.compile(schema()["$defs"]["name"]["pattern"])
    data, _, _ = read_yaml(text, filename)
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        return data["name"] if pattern.match(data["name"]) else None
    if data is None:  # not YAML (yet): a top-level "name: x" line still says whose it is
        for line in text.splitlines():
            found = re.fullmatch(r"name:\s*(\S+)\s*", line)
            if found and pattern.match(found[1]):
                return found[1]
    return None


# --------------------------------------------------------------------- the store


class ScriptStore:
    """Versions, the published alias and the audit log of routing scripts.

    Args:
        db: the transaction runner (``callflow.storage.Database``).
        catalogue: what the checker checks names against when saving and publishing.
        clock: the source of "now" (UTC).
    """

    def __init__(
        self,
        db: Runner,
        *,
        catalogue: Catalogue | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.db = db
        self.catalogue = catalogue
        self.clock = clock

    async def save(
        self, text: str, *, author: str, comment: str = "", filename: str = "<script>"
    ) -> Saved:
        """Save ``text`` as the next version of the script it names (drafts included).

        Saving the same text as the latest version creates nothing (``created`` False).

        Raises:
            ScriptError: the text does not even say which script it is (no valid ``name``).
        """
        loaded = load_text(text, filename, catalogue=self.catalogue, now=self.clock())
        name = loaded.script.name if loaded.script is not None else script_name_of(text, filename)
        if name is None:
            raise ScriptError(loaded.problems or [Problem(filename, 1, 1, "no script name")])
        errors = len(loaded.errors)
        warnings = len(loaded.problems) - errors
        digest = checksum_of(text)
        now = self.clock()

        def work(session: Session) -> tuple[VersionInfo, bool]:
            latest = session.exec(
                select(ScriptVersion)
                .where(ScriptVersion.script == name)
                .order_by(col(ScriptVersion.version).desc())
                .limit(1)
            ).first()
            if latest is not None and latest.checksum == digest:
                return _info(latest), False
            row = ScriptVersion(
                script=name,
                version=(latest.version if latest else 0) + 1,
                source=text,
                checksum=digest,
                author=author[:128],
                comment=comment,
                created_at=now,
                errors=errors,
                warnings=warnings,
            )
            session.add(row)
            session.add(_audit(now, author, SAVE, name, row.version, None, digest, comment))
            session.flush()
            return _info(row), True

        for attempt in range(3):
            try:
                info, created = await self.db.run(work)
                break
            except IntegrityError:  # another save took the same number: take the next
                if attempt == 2:
                    raise
        return Saved(info, loaded.problems, created)

    async def names(self) -> list[str]:
        def work(session: Session) -> list[str]:
            rows = session.exec(select(ScriptVersion.script).distinct()).all()
            return sorted(rows)

        return await self.db.run(work)

    async def history(self, name: str) -> list[VersionInfo]:
        """Every version of ``name``, oldest first."""

        def work(session: Session) -> list[VersionInfo]:
            rows = session.exec(
                select(ScriptVersion)
                .where(ScriptVersion.script == name)
                .order_by(col(ScriptVersion.version))
            ).all()
            return [_info(r) for r in rows]

        versions = await self.db.run(work)
        if not versions:
            raise NoSuchScript(name)
        return versions

    async def get(self, name: str, version: int) -> StoredVersion:
        def work(session: Session) -> StoredVersion | None:
            row = session.exec(
                select(ScriptVersion).where(
                    ScriptVersion.script == name, ScriptVersion.version == version
                )
            ).first()
            return StoredVersion(_info(row), row.source) if row is not None else None

        found = await self.db.run(work)
        if found is None:
            if not await self._exists(name):
                raise NoSuchScript(name)
            raise NoSuchVersion(name, version)
        return found

    async def latest(self, name: str) -> StoredVersion:
        versions = await self.history(name)
        return await self.get(name, versions[-1].version)

    async def published(self, name: str) -> StoredVersion | None:
        """The version new calls of ``name`` run, or ``None`` when none was ever published."""

        def work(session: Session) -> StoredVersion | None:
            alias = session.get(ScriptPublication, name)
            if alias is None:
                return None
            row = session.exec(
                select(ScriptVersion).where(
                    ScriptVersion.script == name, ScriptVersion.version == alias.version
                )
            ).first()
            return StoredVersion(_info(row), row.source) if row is not None else None

        return await self.db.run(work)

    async def published_version(self, name: str) -> int | None:
        """Only the number of the published version (cheap enough to poll)."""

        def work(session: Session) -> int | None:
            alias = session.get(ScriptPublication, name)
            return alias.version if alias is not None else None

        return await self.db.run(work)

    async def publish(
        self, name: str, version: int, *, actor: str, comment: str = ""
    ) -> Publication:
        """Point the published alias of ``name`` at ``version``.

        Raises:
            NoSuchScript, NoSuchVersion: nothing to publish.
            PublishRefused: the version fails the checker (the refusal is audited).
        """
        return await self._move(name, version, actor=actor, comment=comment, action=PUBLISH)

    async def rollback(
        self, name: str, *, actor: str, to: int | None = None, comment: str = ""
    ) -> Publication:
        """Put back the version that was live before the current one (or version ``to``).

        Raises:
            NothingToRollBack: no earlier published version is known.
            NoSuchScript, NoSuchVersion, PublishRefused: as for ``publish``.
        """
        if to is None:
            to = await self._previous(name)
        return await self._move(name, to, actor=actor, comment=comment, action=ROLLBACK)

    async def audit(self, name: str | None = None, limit: int = 200) -> list[AuditEntry]:
        """The latest audit entries, newest first (of one script, or all)."""

        def work(session: Session) -> list[AuditEntry]:
            query = select(ScriptAudit).order_by(col(ScriptAudit.id).desc()).limit(limit)
            if name is not None:
                query = query.where(ScriptAudit.script == name)
            return [
                AuditEntry(
                    _aware(r.at),
                    r.actor,
                    r.action,
                    r.script,
                    r.version,
                    r.previous_version,
                    r.checksum,
                    r.comment,
                )
                for r in session.exec(query).all()
            ]

        return await self.db.run(work)

    # ----------------------------------------------------------------- internals

    async def _exists(self, name: str) -> bool:
        def work(session: Session) -> bool:
            query = select(ScriptVersion.id).where(ScriptVersion.script == name).limit(1)
            return session.exec(query).first() is not None

        return await self.db.run(work)

    async def _previous(self, name: str) -> int:
        def work(session: Session) -> int | None:
            alias = session.get(ScriptPublication, name)
            if alias is None:
                return None
            moves = session.exec(
                select(ScriptAudit)
                .where(
                    ScriptAudit.script == name,
                    col(ScriptAudit.action).in_([PUBLISH, ROLLBACK]),
                )
                .order_by(col(ScriptAudit.id).desc())
            ).all()
            # Undo the publish that made the current version live; repeated
            # rollbacks keep walking back through earlier publishes.
            for move in moves:
                if move.action == PUBLISH and move.version == alias.version:
                    return move.previous_version
            return moves[0].previous_version if moves else None

        previous = await self.db.run(work)
        if previous is None:
            if not await self._exists(name):
                raise NoSuchScript(name)
            raise NothingToRollBack(name)
        return previous

    async def _move(
        self, name: str, version: int, *, actor: str, comment: str, action: str
    ) -> Publication:
        stored = await self.get(name, version)
        now = self.clock()
        loaded = stored.load(self.catalogue, now)
        if not loaded.ok:
            refused = PublishRefused(name, version, loaded.problems)
            await self.db.run(
                lambda session: session.add(
                    _audit(
                        now,
                        actor,
                        PUBLISH_REFUSED,
                        name,
                        version,
                        None,
                        stored.info.checksum,
                        comment or str(refused),
                    )
                )
            )
            raise refused

        def work(session: Session) -> Publication:
            alias = session.get(ScriptPublication, name)
            previous = alias.version if alias is not None else None
            if alias is None:
                alias = ScriptPublication(
                    script=name,
                    version=version,
                    checksum=stored.info.checksum,
                    published_at=now,
                    published_by=actor[:128],
                )
            else:
                alias.version = version
                alias.checksum = stored.info.checksum
                alias.published_at = now
                alias.published_by = actor[:128]
            session.add(alias)
            session.add(
                _audit(now, actor, action, name, version, previous, stored.info.checksum, comment)
            )
            return Publication(name, version, previous, now, actor)

        return await self.db.run(work)


def _audit(
    at: datetime,
    actor: str,
    action: str,
    script: str,
    version: int | None,
    previous: int | None,
    checksum: str | None,
    comment: str,
) -> ScriptAudit:
    return ScriptAudit(
        at=at,
        actor=actor[:128],
        action=action,
        script=script,
        version=version,
        previous_version=previous,
        checksum=checksum,
        comment=comment,
    )


__all__ = [
    "AuditEntry",
    "Publication",
    "Runner",
    "Saved",
    "ScriptAudit",
    "ScriptPublication",
    "ScriptStore",
    "ScriptVersion",
    "StoredVersion",
    "VersionInfo",
    "checksum_of",
    "script_name_of",
]
