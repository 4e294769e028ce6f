"""Why a session stops what it is doing: raised and caught inside the session.

Tree::

    CallerGone      the caller's channel has left; ends the call in any phase
    RouteFailed     a destination could not be connected; .reason is a code for the record

Neither leaves ``callflow.sessions``: the session turns them into the call's
outcome (abandoned, fallback, last resort), never into an error anyone else sees.
"""

from __future__ import annotations


class CallerGone(Exception):
    """The caller's channel has left; nothing more can be done for this call."""


class RouteFailed(Exception):
    """A destination could not be connected; ``reason`` is a code for the record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
