"""The handoff id on the provider's call leg (pure).

The provider's agent desktop finds the handoff from the call it answers: the
id travels as a SIP header on the INVITE (``X-Urgentline-Handoff``) and as a
channel variable for dialplan and CDRs. Pass ``leg_variables(handoff_id)`` as
``variables=`` of ``AriClient.originate``; Asterisk's ``PJSIP_HEADER(add,…)``
puts the header on the outgoing INVITE.
"""

from __future__ import annotations

HANDOFF_SIP_HEADER = "X-Urgentline-Handoff"
HANDOFF_CHANNEL_VARIABLE = "URGENTLINE_HANDOFF"


def leg_variables(handoff_id: str) -> dict[str, str]:
    """Channel variables for originating the provider's leg of a call with ``handoff_id``."""
    return {
        HANDOFF_CHANNEL_VARIABLE: handoff_id,
        f"PJSIP_HEADER(add,{HANDOFF_SIP_HEADER})": handoff_id,
    }
