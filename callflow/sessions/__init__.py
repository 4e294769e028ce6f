"""The imperative shell around ``ivr_scripts.step``: one CallSession per call."""

from callflow.sessions.manager import SessionManager
from callflow.sessions.session import CallSession

__all__ = ["CallSession", "SessionManager"]
