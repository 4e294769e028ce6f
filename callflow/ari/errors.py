"""Errors raised by the ARI client, event parser and event stream.

Everything that leaves ``callflow.ari`` is an :class:`AriError`; aiohttp, asyncio
and pydantic exceptions are translated at this boundary (``raise ... from exc``)
so that the call-session layer can handle ARI failures without importing aiohttp.

Tree::

    AriError                      .status: int | None, .message: str
    ├── AriHttpError              any non-2xx reply; .operation e.g. "DELETE /channels/{channelId}"
    │   ├── AriBadRequest         400  bad or missing parameter
    │   ├── AriUnauthorized       401  wrong ARI user or password
    │   ├── AriNotFound           404  channel/bridge/playback gone (often: caller hung up)
    │   ├── AriConflict           409  channel not in Stasis, id already in use
    │   ├── AriInvalidState       412  channel in the wrong state (e.g. not answered)
    │   ├── AriUnprocessable      422  e.g. channel already in a bridge
    │   └── AriServerError        5xx  Asterisk failed (e.g. "Allocation failed")
    ├── AriUnavailable            no usable reply: refused, reset, timed out
    └── AriProtocolError          a reply or frame that does not match the ARI spec
        └── AriEventError         a known event type whose body does not parse

Messages carry operation templates, statuses and at most resource ids. They never
carry credentials, URLs with credentials or event payloads (which hold callers'
numbers).
"""

from __future__ import annotations

__all__ = [
    "AriBadRequest",
    "AriConflict",
    "AriError",
    "AriEventError",
    "AriHttpError",
    "AriInvalidState",
    "AriNotFound",
    "AriProtocolError",
    "AriServerError",
    "AriUnauthorized",
    "AriUnavailable",
    "AriUnprocessable",
    "http_error_for",
]

_MAX_MESSAGE = 200


class AriError(Exception):
    """Base of every error raised by ``callflow.ari``.

    Attributes:
        status: HTTP status when Asterisk answered, else ``None``.
        message: Short human-readable reason, without credentials or payloads.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        self.message = message[:_MAX_MESSAGE]
        self.status = status
        super().__init__(self.message)


class AriHttpError(AriError):
    """Asterisk answered with a non-2xx status.

    ``operation`` is the spec's path template (``"DELETE /channels/{channelId}"``),
    never the concrete URL, so the error can be logged and counted by operation.
    """

    status: int

    def __init__(self, status: int, message: str, *, operation: str) -> None:
        super().__init__(message, status=status)
        self.status = status
        self.operation = operation

    def __str__(self) -> str:
        return f"{self.operation} -> {self.status}: {self.message}"


class AriBadRequest(AriHttpError):
    """400: a parameter is missing or invalid (a bug on our side)."""


class AriUnauthorized(AriHttpError):
    """401: the ARI user or password is wrong (configuration, not retryable)."""


class AriNotFound(AriHttpError):
    """404: the resource is gone, typically because the caller hung up."""


class AriConflict(AriHttpError):
    """409: channel not in a Stasis application, or a client-chosen id already in use."""


class AriInvalidState(AriHttpError):
    """412: the channel is in a state that does not allow the operation."""


class AriUnprocessable(AriHttpError):
    """422: the request is well-formed but refers to something unusable."""


class AriServerError(AriHttpError):
    """5xx: Asterisk failed to carry out the request."""


class AriUnavailable(AriError):
    """Asterisk did not answer usefully: connection refused or reset, or the deadline passed.

    Treat it as a health signal: REST and the event socket can fail separately.
    """

    def __init__(self, message: str, *, operation: str | None = None) -> None:
        super().__init__(message)
        self.operation = operation


class AriProtocolError(AriError):
    """Asterisk sent something the ARI spec does not allow (bad JSON, missing field)."""


class AriEventError(AriProtocolError):
    """A WebSocket event of a known type did not parse; the reader logs its type and skips it.

    Attributes:
        event_type: The event's ``type`` field (safe to log).
    """

    def __init__(self, event_type: str, message: str) -> None:
        super().__init__(f"{event_type}: {message}")
        self.event_type = event_type


_BY_STATUS: dict[int, type[AriHttpError]] = {
    400: AriBadRequest,
    401: AriUnauthorized,
    404: AriNotFound,
    409: AriConflict,
    412: AriInvalidState,
    422: AriUnprocessable,
}


def http_error_for(status: int, message: str, *, operation: str) -> AriHttpError:
    """Build the typed error for a non-2xx ARI reply.

    Args:
        status: The HTTP status code.
        message: Asterisk's ``message`` (or ``error``) field, or a placeholder.
        operation: Method plus path template, e.g. ``"POST /channels/{channelId}/answer"``.

    Returns:
        The most specific :class:`AriHttpError` subclass for ``status``.
    """
    if status >= 500:
        return AriServerError(status, message, operation=operation)
    cls = _BY_STATUS.get(status, AriHttpError)
    return cls(status, message, operation=operation)
