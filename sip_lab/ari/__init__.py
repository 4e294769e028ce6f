"""A fake Asterisk 22 speaking ARI (REST + events WebSocket) for urgentline's tests and demos.

It shares no code with the ARI client (``callflow``): it is built from the
Asterisk 22.10.1 api-docs and real captures in ``api-docs/`` so that it can
catch the client's mistakes rather than repeat them.
"""

from __future__ import annotations

from sip_lab.ari.server import AriSimulator, serve

__all__ = ["AriSimulator", "serve"]
