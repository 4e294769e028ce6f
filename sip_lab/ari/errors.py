"""Errors of the simulator, translated to HTTP replies at the edges.

Tree:
    SimulatorError
        AriError       -- an ARI reply Asterisk would send (status + exact JSON body)
        ControlError   -- a bad control-plane (``/_lab``) request (400 + message)
"""

from __future__ import annotations

from sip_lab.ari.types import JsonObject


class SimulatorError(Exception):
    """Base of the simulator's own errors."""


class AriError(SimulatorError):
    """An error reply in Asterisk's shape, raised by a handler and sent as is."""

    def __init__(self, status: int, body: JsonObject) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body

    @classmethod
    def message(cls, status: int, text: str) -> AriError:
        """``ast_ari_response_error()``: ``{"message": text}``."""
        return cls(status, {"message": text})

    @classmethod
    def alloc_failed(cls) -> AriError:
        """``ast_ari_response_alloc_failed()``: 500 ``{"error": "Allocation failed"}``."""
        return cls(500, {"error": "Allocation failed"})


class ControlError(SimulatorError):
    """A control-plane request the lab cannot act on."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
