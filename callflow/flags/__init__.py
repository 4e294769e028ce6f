"""Live flags: raised by supervisors (and later the syndromic loop), read by scripts."""

from callflow.flags.http import setup_flags
from callflow.flags.store import LiveFlags

__all__ = ["LiveFlags", "setup_flags"]
