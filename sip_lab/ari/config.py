"""Tunable behaviour of the simulated Asterisk (timings, names, dialplan locations).

Kept in one mutable object so the control plane (``POST /_lab/config``) and the
constructor share it: tests shrink the timings to milliseconds, a demo keeps
them human.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def entity_id_for(system_name: str) -> str:
    """A stable, MAC-like Asterisk entity id derived from the system name.

    Real Asterisk uses a NIC's MAC address; deriving it keeps two simulators
    with different names distinguishable, as ``asterisk_id`` is meant to be.
    """
    digest = hashlib.sha256(system_name.encode()).digest()
    return ":".join(f"{b:02x}" for b in (0x02, *digest[:5]))


@dataclass(slots=True)
class SimConfig:
    """Everything about the simulated switch that a test may want to change."""

    system_name: str = "lab"
    strict: bool = False
    media_ms: int = 300
    """Duration of one media item (``sound:``, ``tone:``, ``recording:`` ...)."""
    media_durations: dict[str, int] = field(default_factory=dict)
    """Per-URI durations overriding ``media_ms`` (e.g. ``{"sound:welcome": 1200}``)."""
    missing_media: set[str] = field(default_factory=set)
    """URIs whose file Asterisk does not have (``sound:urgentline/welcome`` not installed):
    they play nothing; the last media of a playback that fails ends it ``failed``."""
    dtmf_interval_ms: int = 150
    """Wall-clock gap between two digits a caller presses in one step."""
    caller_talk_ms: int = 1500
    """How long a caller speaks into a recording before falling silent."""
    provider_answer_ms: int = 150
    provider_hold_ms: int = 2000
    """How long a simulated provider stays on the line; negative means forever."""
    dialplan_hold_ms: int = 2000
    """How long a call that left Stasis stays in the dialplan before it hangs up."""
    inbound_endpoint: str = "national111"
    inbound_context: str = "from-national111"
    inbound_priority: int = 4
    """Where ``Stasis(urgentline,inbound)`` sits in ``sip_lab/asterisk/extensions.conf``."""
    provider_context: str = "from-providers"
    callback_context: str = "urgentline-callback"
    """A channel originated into this context runs ``Stasis(${URGENTLINE_APP},callback,
    ${URGENTLINE_CALL_ID})`` when answered (``sip_lab/asterisk/extensions.conf``)."""
    fallback_context: str = "urgentline-route"
    fallback_exten: str = "default111"
    """Where the dialplan sends a call whose Stasis() failed (the default 111 provider)."""
    language: str = "en"
    entity_id: str = ""

    def __post_init__(self) -> None:
        if not self.entity_id:
            self.entity_id = entity_id_for(self.system_name)

    def media_duration_ms(self, uri: str) -> int:
        """How long one media item plays."""
        return self.media_durations.get(uri, self.media_ms)
