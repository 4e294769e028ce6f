"""What a session knows about its call, kept for the CallRecord."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from callflow.storage.models import CallRecord


class Outcome(StrEnum):
    IN_PROGRESS = "in_progress"
    ROUTED = "routed"
    FALLBACK = "fallback"
    CONTINUED = "continued"
    ABANDONED = "abandoned"
    HUNG_UP = "hung_up"
    FAILED = "failed"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class CallFacts:
    call_id: str
    channel_id: str
    asterisk_id: str | None
    caller: str | None
    script: str
    script_version: str
    arrived_at: datetime = field(default_factory=utcnow)
    answered_at: datetime | None = None
    routed_at: datetime | None = None
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    destination: str | None = None
    menu_path: list[str] = field(default_factory=list)
    outcome: Outcome = Outcome.IN_PROGRESS
    fallback_reason: str | None = None
    ended_by: str | None = None
    captured: list[dict[str, object]] = field(default_factory=list)
    presentation: str | None = None
    """Asterisk's ``CALLERID(pres)``, passed by the dialplan as the second Stasis
    argument: a feed trusted to assert identity delivers a withheld caller's
    number with presentation ``prohib…``, and the caller's choice must hold."""
    unreached: str | None = None
    """Why a caller promised a call back could not be reached; the handoff asks
    the provider to try (the CallRecord keeps the outcome and reason code)."""

    @property
    def caller_withheld(self) -> bool:
        if (self.presentation or "").lower().startswith(("prohib", "unavailable")):
            return True
        return not self.caller or self.caller.lower() in {"anonymous", "withheld", "unknown"}

    def to_record(self) -> CallRecord:
        return CallRecord(
            call_id=self.call_id,
            channel_id=self.channel_id,
            asterisk_id=self.asterisk_id,
            caller=None if self.caller_withheld else self.caller,
            caller_withheld=self.caller_withheld,
            script=self.script,
            script_version=self.script_version,
            arrived_at=self.arrived_at,
            answered_at=self.answered_at,
            routed_at=self.routed_at,
            connected_at=self.connected_at,
            ended_at=self.ended_at or utcnow(),
            destination=self.destination,
            menu_path=list(self.menu_path),
            outcome=self.outcome.value,
            fallback_reason=self.fallback_reason,
            ended_by=self.ended_by,
            captured=list(self.captured),
        )
