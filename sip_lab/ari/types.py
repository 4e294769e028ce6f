"""Type aliases shared by the simulator's modules.

ARI speaks JSON everywhere; these aliases name that without pretending to more
structure than the wire has (the shapes are checked by the spec and the tests).
"""

from __future__ import annotations

from typing import Any, Literal

JsonObject = dict[str, Any]
"""A decoded JSON object, as sent to or received from a client."""

HangupBy = Literal["caller", "app", "provider", "dialplan"]
"""Who ended a call, as recorded in the control plane."""

Outcome = Literal[
    "in_progress", "bridged", "continued", "stasis_failed", "hung_up_by_app", "hung_up_by_caller"
]
"""Where an inbound call ended up, as recorded in the control plane."""

Behaviour = Literal["answer", "busy", "noanswer", "fail"]
"""How a simulated provider endpoint treats a call originated to it."""
