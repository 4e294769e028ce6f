"""ARI operation handlers, registered by ``resource.nickname`` in ``HANDLERS``."""

from __future__ import annotations

from sip_lab.ari.resources import bridges, channels, misc, recordings
from sip_lab.ari.resources.common import HANDLERS, Call, Params

__all__ = ["HANDLERS", "Call", "Params", "bridges", "channels", "misc", "recordings"]
