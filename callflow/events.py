"""CallEvent: one state change of one call, as published on the Redis Stream.

This is the contract between call control and everything downstream
(dashboards, alerts, surveillance), so it is small, frozen and carries no
patient data: ids, types, times and coded attributes only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

Attribute = str | int | float | bool | None


class CallEventType(StrEnum):
    ARRIVED = "call.arrived"
    ANSWERED = "call.answered"
    MENU_CHOICE = "ivr.choice"
    ROUTING = "call.routing"
    CONNECTED = "call.connected"
    FALLBACK = "call.fallback"
    ABANDONED = "call.abandoned"
    ENDED = "call.ended"
    CALLBACK_OFFERED = "callback.offered"
    CALLBACK_ACCEPTED = "callback.accepted"
    CALLBACK_MADE = "callback.made"
    CAPTURE_COMPLETED = "capture.completed"
    SMS_REQUESTED = "sms.requested"
    NOTIFY_REQUESTED = "notify.requested"


@dataclass(frozen=True, slots=True)
class CallEvent:
    call_id: str
    type: CallEventType
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    attributes: Mapping[str, Attribute] = field(default_factory=dict)

    def to_fields(self) -> dict[str, str]:
        """Flat string fields for XADD."""
        return {
            "call_id": self.call_id,
            "type": self.type.value,
            "at": self.at.isoformat(),
            "attributes": json.dumps(dict(self.attributes), sort_keys=True),
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> CallEvent:
        return cls(
            call_id=fields["call_id"],
            type=CallEventType(fields["type"]),
            at=datetime.fromisoformat(fields["at"]),
            attributes=json.loads(fields.get("attributes", "{}")),
        )
