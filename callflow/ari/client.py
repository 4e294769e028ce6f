"""Typed REST client for the Asterisk REST Interface (ARI), on one aiohttp session.

Why hand-written: the ari-py family builds its API from swagger at runtime (untyped,
12 round trips to start), is dead on Python 3 or unmaintained, and puts the
password in every URL (``?api_key=``). This client sends an ``Authorization:
Basic`` header, passes parameters exactly as the spec names them (query string;
``variables`` as a JSON body), gives every request a deadline, and turns every
failure into an :class:`~callflow.ari.errors.AriError` subclass.

There are no retries here: most ARI operations are not idempotent, and only the
call flow knows whether to retry, fall back or give up.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
from pydantic import BaseModel, TypeAdapter, ValidationError
from yarl import URL

from callflow.ari.errors import (
    AriNotFound,
    AriProtocolError,
    AriUnavailable,
    http_error_for,
)
from callflow.ari.models import Application, Bridge, Channel, LiveRecording, Playback, Variable

__all__ = ["AriClient", "AriClientStats"]

logger = logging.getLogger(__name__)

_M = TypeVar("_M", bound=BaseModel)
ParamValue = str | int | bool | None

_CHANNELS: TypeAdapter[list[Channel]] = TypeAdapter(list[Channel])
_BRIDGES: TypeAdapter[list[Bridge]] = TypeAdapter(list[Bridge])
_MAX_ERROR_TEXT = 200


@dataclass(slots=True)
class AriClientStats:
    """Counters for ``/metrics`` and ``/readyz``, kept without a metrics library.

    Attributes:
        requests: REST requests sent.
        unavailable: Requests that got no usable reply (refused, reset, timeout).
        by_status: Replies counted by HTTP status.
        last_unavailable_at: ``time.monotonic()`` of the last unavailable error.
    """

    requests: int = 0
    unavailable: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    last_unavailable_at: float | None = None


def _query(params: Mapping[str, ParamValue]) -> dict[str, str]:
    """Drop ``None`` values and render the rest as ARI expects (``true``/``false``)."""
    rendered: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            rendered[name] = "true" if value else "false"
        else:
            rendered[name] = str(value)
    return rendered


def _join(values: str | Sequence[str]) -> str:
    """ARI's ``allowMultiple`` parameters are one comma-separated value (Asterisk keeps
    only the last of repeated parameters)."""
    return values if isinstance(values, str) else ",".join(values)


def _error_text(body: bytes, reason: str | None) -> str:
    """Asterisk's ``{"message": ...}`` (or ``{"error": ...}``), else the reason phrase."""
    try:
        data = json.loads(body) if body else None
    except ValueError:
        data = None
    if isinstance(data, dict):
        for key in ("message", "error"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value[:_MAX_ERROR_TEXT]
    return reason or "no message"


class AriClient:
    """REST over one aiohttp.ClientSession.

    One instance per Asterisk node. Open it with ``async with`` (or call
    :meth:`aclose` yourself); every request has ``timeout_s`` as its total
    deadline, and the connection pool holds at most ``max_connections`` (keep it
    below http.conf ``sessionlimit``, 100 by default).

    Usage::

        async with AriClient("http://127.0.0.1:8088/ari", "urgentline", secret) as ari:
            await ari.answer(channel_id)
            await ari.play(channel_id, "sound:hello-world", playback_id=str(uuid4()))

    Raises (every method): :class:`~callflow.ari.errors.AriHttpError` subclasses for
    non-2xx replies (``AriNotFound`` 404, ``AriConflict`` 409, ``AriInvalidState``
    412, ...), :class:`~callflow.ari.errors.AriUnavailable` when Asterisk cannot be
    reached in time, :class:`~callflow.ari.errors.AriProtocolError` for a reply that
    does not match the spec.
    """

    def __init__(
        self,
        base_url: str,
        user: str,
        password: str,
        *,
        timeout_s: float = 5.0,
        max_connections: int = 50,
    ) -> None:
        url = URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("base_url must be an http(s) URL such as http://host:8088/ari")
        if url.user is not None or url.password is not None:
            # Credentials in a URL end up in logs and proxies; they go in a header.
            raise ValueError("base_url must not contain credentials; pass user and password")
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self._base = str(url.with_query(None).with_fragment(None)).rstrip("/")
        self._authorization = aiohttp.encode_basic_auth(user, password)
        self._timeout_s = timeout_s
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self.stats = AriClientStats()

    # -- lifecycle -------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The REST base URL, e.g. ``http://127.0.0.1:8088/ari`` (never has credentials)."""
        return self._base

    @property
    def timeout_s(self) -> float:
        """The total deadline of each request, in seconds."""
        return self._timeout_s

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    async def __aenter__(self) -> AriClient:
        self._ensure_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP session and its connections; safe to call twice."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _ensure_session(self) -> aiohttp.ClientSession:
        # Created lazily, inside the running loop, as aiohttp requires.
        if self._closed:
            raise AriUnavailable("ARI client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=self._timeout,
                headers={"Authorization": self._authorization},
            )
        return self._session

    # -- transport -------------------------------------------------------------

    async def _request(
        self,
        method: str,
        template: str,
        path: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, ParamValue] | None = None,
        body: Mapping[str, Any] | None = None,
        decode: bool = True,
    ) -> Any:
        """Send one request and return its decoded JSON (None for an empty reply).

        With ``decode=False`` the reply's bytes come back as they are (files).

        ``template`` is the spec's path (``/channels/{channelId}/answer``); the log
        and errors use it instead of the concrete URL.
        """
        operation = f"{method} {template}"
        quoted = {name: quote(value, safe="") for name, value in (path or {}).items()}
        url = URL(self._base + template.format(**quoted), encoded=True)
        session = self._ensure_session()
        self.stats.requests += 1
        started = time.monotonic()
        try:
            async with session.request(
                method,
                url,
                params=_query(params or {}),
                json=dict(body) if body is not None else None,
                timeout=self._timeout,
            ) as resp:
                status = resp.status
                reason = resp.reason
                raw = await resp.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            elapsed_ms = (time.monotonic() - started) * 1000
            self.stats.unavailable += 1
            self.stats.last_unavailable_at = time.monotonic()
            kind = type(exc).__name__
            logger.warning("ari %s unavailable after %.1f ms: %s", operation, elapsed_ms, kind)
            raise AriUnavailable(f"{operation}: {kind}", operation=operation) from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        self.stats.by_status[status] += 1
        level = logging.WARNING if status >= 500 else logging.DEBUG
        logger.log(level, "ari %s -> %d in %.1f ms", operation, status, elapsed_ms)
        if not 200 <= status < 300:
            raise http_error_for(status, _error_text(raw, reason), operation=operation)
        if not decode:
            return raw
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise AriProtocolError(f"{operation}: reply is not JSON", status=status) from exc

    def _model(self, cls: type[_M], data: Any, operation: str) -> _M:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise AriProtocolError(
                f"{operation}: reply is not a {cls.__name__} ({exc.error_count()} errors)"
            ) from exc

    def _list(self, adapter: TypeAdapter[list[_M]], data: Any, operation: str) -> list[_M]:
        try:
            return adapter.validate_python(data)
        except ValidationError as exc:
            raise AriProtocolError(
                f"{operation}: reply is not a list ({exc.error_count()} errors)"
            ) from exc

    # -- asterisk / applications -----------------------------------------------

    async def ping(self) -> None:
        """Check that Asterisk answers (``GET /asterisk/ping``); for ``/readyz``."""
        await self._request("GET", "/asterisk/ping")

    async def get_application(self, app: str) -> Application:
        """``GET /applications/{applicationName}``: the app and the resources it holds.

        Raises:
            AriNotFound: No WebSocket has registered ``app``.
        """
        template = "/applications/{applicationName}"
        data = await self._request("GET", template, {"applicationName": app})
        return self._model(Application, data, f"GET {template}")

    async def subscribe(self, app: str, event_sources: Sequence[str]) -> Application:
        """``POST /applications/{applicationName}/subscription?eventSource=...``.

        E.g. ``subscribe(app, ["channel:<id>"])`` right after originating a leg
        into the dialplan, so that its Dial and hangup events reach ``app``
        before (or without) its ``StasisStart``.

        Raises:
            AriNotFound: No such application.
            AriUnprocessable: An event source does not exist (the channel is gone).
        """
        template = "/applications/{applicationName}/subscription"
        data = await self._request(
            "POST",
            template,
            {"applicationName": app},
            params={"eventSource": _join(event_sources)},
        )
        return self._model(Application, data, f"POST {template}")

    # -- channels --------------------------------------------------------------

    async def list_channels(self) -> list[Channel]:
        """``GET /channels``: every channel on the node, in or out of our app."""
        data = await self._request("GET", "/channels")
        return self._list(_CHANNELS, data, "GET /channels")

    async def get_channel(self, channel_id: str) -> Channel:
        """``GET /channels/{channelId}``.

        Raises:
            AriNotFound: The channel is gone.
        """
        template = "/channels/{channelId}"
        data = await self._request("GET", template, {"channelId": channel_id})
        return self._model(Channel, data, f"GET {template}")

    async def answer(self, channel_id: str) -> None:
        """``POST /channels/{channelId}/answer`` (a no-op on a channel already up).

        Raises:
            AriNotFound: Gone. AriConflict: not in Stasis. AriInvalidState: cannot answer.
        """
        await self._request("POST", "/channels/{channelId}/answer", {"channelId": channel_id})

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        """``DELETE /channels/{channelId}?reason=...``.

        Args:
            channel_id: The channel to hang up.
            reason: One of the spec's reasons (normal, busy, congestion, no_answer, ...).

        Raises:
            AriNotFound: Already gone (usually fine to ignore).
            AriBadRequest: Unknown reason.
        """
        await self._request(
            "DELETE", "/channels/{channelId}", {"channelId": channel_id}, params={"reason": reason}
        )

    async def play(
        self,
        channel_id: str,
        media: str | Sequence[str],
        *,
        playback_id: str,
        lang: str | None = None,
    ) -> Playback:
        """``POST /channels/{channelId}/play/{playbackId}``: play media with our own id.

        Register ``playback_id`` with the router first: PlaybackStarted can arrive
        before this returns.

        Args:
            channel_id: Target channel.
            media: One URI (``"sound:hello-world"``) or several, played in order.
            playback_id: Client-chosen unique id (never reuse one).
            lang: Sound language, e.g. ``"en"``.

        Returns:
            The queued playback.

        Raises:
            AriNotFound: Channel gone. AriConflict: not in Stasis. AriInvalidState: wrong state.
        """
        template = "/channels/{channelId}/play/{playbackId}"
        data = await self._request(
            "POST",
            template,
            {"channelId": channel_id, "playbackId": playback_id},
            params={"media": _join(media), "lang": lang},
        )
        return self._model(Playback, data, f"POST {template}")

    async def stop_playback(self, playback_id: str) -> bool:
        """``DELETE /playbacks/{playbackId}`` (barge-in).

        Returns:
            True if stopped, False if Asterisk no longer knows it (already finished:
            stopping races with the natural end of a prompt).
        """
        try:
            await self._request("DELETE", "/playbacks/{playbackId}", {"playbackId": playback_id})
        except AriNotFound:
            return False
        return True

    async def get_playback(self, playback_id: str) -> Playback:
        """``GET /playbacks/{playbackId}``.

        Raises:
            AriNotFound: Finished or unknown.
        """
        template = "/playbacks/{playbackId}"
        data = await self._request("GET", template, {"playbackId": playback_id})
        return self._model(Playback, data, f"GET {template}")

    async def continue_in_dialplan(
        self,
        channel_id: str,
        *,
        context: str,
        extension: str,
        priority: int = 1,
        label: str | None = None,
    ) -> None:
        """``POST /channels/{channelId}/continue``: leave Stasis and run the dialplan there.

        The never-drop fallback: a call the app cannot handle goes back to dialplan.

        Raises:
            AriNotFound: Gone. AriConflict: not in Stasis. AriInvalidState: wrong state.
        """
        await self._request(
            "POST",
            "/channels/{channelId}/continue",
            {"channelId": channel_id},
            params={
                "context": context,
                "extension": extension,
                "priority": priority,
                "label": label,
            },
        )

    async def originate(
        self,
        endpoint: str,
        *,
        channel_id: str,
        app: str | None = None,
        app_args: str = "",
        context: str | None = None,
        extension: str | None = None,
        priority: int | None = None,
        caller_id: str | None = None,
        timeout_s: int = 30,
        variables: Mapping[str, str] | None = None,
        originator: str | None = None,
    ) -> Channel:
        """``POST /channels/{channelId}`` (originateWithId): dial ``endpoint``.

        Give either ``app`` (the answered channel enters that Stasis application
        straight away) or ``extension`` (it runs the dialplan there). They are not
        interchangeable: Asterisk hangs a channel originated into an ``app`` up as
        soon as it leaves Stasis, so ``continue_in_dialplan`` cannot hand it to a
        dialplan route (``ari_originate_dial()``). A leg that may need that, such as a
        call back, is originated into a dialplan context that runs ``Stasis()``.

        Register ``channel_id`` with the router before calling: the new channel's
        Dial/StasisStart events may arrive before this returns. With ``app`` the
        application is subscribed to the channel from the start; with ``extension``
        only once the channel enters Stasis (see :meth:`subscribe`).

        Args:
            endpoint: E.g. ``"PJSIP/provider-a/sip:+441234@trunk"``.
            channel_id: Client-chosen unique id of the new channel.
            app: Stasis application the answered channel enters.
            app_args: Comma-separated ``StasisStart.args`` (with ``app`` only).
            context: Dialplan context the answered channel runs (with ``extension``).
            extension: Dialplan extension the answered channel runs.
            priority: Dialplan priority (default 1).
            caller_id: Caller id to present, e.g. ``'"NHS 111" <111>'``.
            timeout_s: Seconds to wait for an answer.
            variables: Channel variables, sent as the JSON body.
            originator: Id of the channel this one is dialled on behalf of.

        Returns:
            The new channel (state ``Down``; it enters Stasis when answered).

        Raises:
            ValueError: Neither or both of ``app`` and ``extension``.
            AriBadRequest: Bad endpoint. AriConflict: ``channel_id`` in use.
            AriServerError: E.g. unknown technology ("Allocation failed").
        """
        if (app is None) == (extension is None):
            raise ValueError("originate needs exactly one of app and extension")
        template = "/channels/{channelId}"
        data = await self._request(
            "POST",
            template,
            {"channelId": channel_id},
            params={
                "endpoint": endpoint,
                "app": app,
                "appArgs": (app_args or None) if app is not None else None,
                "context": context,
                "extension": extension,
                "priority": priority,
                "callerId": caller_id,
                "timeout": timeout_s,
                "originator": originator,
            },
            body={"variables": dict(variables)} if variables else None,
        )
        return self._model(Channel, data, f"POST {template}")

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        """``POST /channels/{channelId}/variable``.

        Asterisk applies it asynchronously: an immediate get may still see the old value.
        """
        await self._request(
            "POST",
            "/channels/{channelId}/variable",
            {"channelId": channel_id},
            params={"variable": name, "value": value},
        )

    async def get_variable(self, channel_id: str, name: str) -> str:
        """``GET /channels/{channelId}/variable?variable=...``.

        Raises:
            AriNotFound: Channel gone, or the variable is not set.
        """
        template = "/channels/{channelId}/variable"
        data = await self._request(
            "GET", template, {"channelId": channel_id}, params={"variable": name}
        )
        return self._model(Variable, data, f"GET {template}").value

    async def start_moh(self, channel_id: str, moh_class: str | None = None) -> None:
        """``POST /channels/{channelId}/moh``: music on hold while the call waits."""
        await self._request(
            "POST",
            "/channels/{channelId}/moh",
            {"channelId": channel_id},
            params={"mohClass": moh_class},
        )

    async def stop_moh(self, channel_id: str) -> None:
        """``DELETE /channels/{channelId}/moh``."""
        await self._request("DELETE", "/channels/{channelId}/moh", {"channelId": channel_id})

    async def record(
        self,
        channel_id: str,
        *,
        name: str,
        format: str = "wav",
        max_duration_s: int | None = None,
        max_silence_s: int | None = None,
        if_exists: str | None = None,
        beep: bool | None = None,
        terminate_on: str | None = None,
    ) -> LiveRecording:
        """``POST /channels/{channelId}/record``: record the caller (e.g. a voice message).

        Register ``name`` with the router first; RecordingStarted/Finished carry it.

        Args:
            channel_id: Channel to record.
            name: Unique recording name (also its id).
            format: File format, e.g. ``"wav"``.
            max_duration_s: Stop after this many seconds.
            max_silence_s: Stop after this much silence.
            if_exists: ``fail`` (Asterisk's default), ``overwrite`` or ``append``.
            beep: Play a beep first.
            terminate_on: DTMF that ends it: ``none``, ``any``, ``*`` or ``#``.

        Raises:
            AriNotFound: Channel gone. AriConflict: not in Stasis, or a recording
            ``name`` is running or exists with ``if_exists`` ``fail``.
            AriUnprocessable: ``format`` is unknown to Asterisk.
        """
        template = "/channels/{channelId}/record"
        data = await self._request(
            "POST",
            template,
            {"channelId": channel_id},
            params={
                "name": name,
                "format": format,
                "maxDurationSeconds": max_duration_s,
                "maxSilenceSeconds": max_silence_s,
                "ifExists": if_exists,
                "beep": beep,
                "terminateOn": terminate_on,
            },
        )
        return self._model(LiveRecording, data, f"POST {template}")

    async def stop_recording(self, name: str) -> bool:
        """``POST /recordings/live/{recordingName}/stop``: end it now, keeping the file.

        Returns:
            False if Asterisk no longer knows it (it ended by itself meanwhile).
        """
        template = "/recordings/live/{recordingName}/stop"
        try:
            await self._request("POST", template, {"recordingName": name})
        except AriNotFound:
            return False
        return True

    # -- bridges ---------------------------------------------------------------

    async def get_stored_recording_file(self, name: str) -> bytes:
        """``GET /recordings/stored/{recordingName}/file``: the recording's bytes."""
        template = "/recordings/stored/{recordingName}/file"
        data: bytes = await self._request("GET", template, {"recordingName": name}, decode=False)
        return data

    async def discard_recording(self, name: str) -> bool:
        """Make sure no file of recording ``name`` stays on Asterisk.

        Asterisk keeps every recording in its spool until someone deletes it, the
        partial one of a caller who hung up included. A recording still running
        is cancelled (``DELETE /recordings/live/{recordingName}``, which deletes
        its file); a stored one is deleted (``DELETE /recordings/stored/{recordingName}``).

        Returns:
            True if Asterisk had it (live or stored), False if neither existed.
        """
        found = False
        for template in ("/recordings/live/{recordingName}", "/recordings/stored/{recordingName}"):
            try:
                await self._request("DELETE", template, {"recordingName": name})
            except AriNotFound:
                continue
            found = True
        return found

    async def create_bridge(
        self, bridge_id: str, bridge_type: str = "mixing", name: str | None = None
    ) -> Bridge:
        """``POST /bridges/{bridgeId}`` (createWithId).

        Register ``bridge_id`` with the router first. Never reuse a bridge id
        (asterisk#211: stale bridges with the same id can linger).

        Raises:
            AriConflict: The id is in use.
        """
        template = "/bridges/{bridgeId}"
        data = await self._request(
            "POST",
            template,
            {"bridgeId": bridge_id},
            params={"type": bridge_type, "name": name},
        )
        return self._model(Bridge, data, f"POST {template}")

    async def get_bridge(self, bridge_id: str) -> Bridge:
        """``GET /bridges/{bridgeId}``.

        Raises:
            AriNotFound: The bridge is gone.
        """
        template = "/bridges/{bridgeId}"
        data = await self._request("GET", template, {"bridgeId": bridge_id})
        return self._model(Bridge, data, f"GET {template}")

    async def list_bridges(self) -> list[Bridge]:
        """``GET /bridges``: every bridge on the node."""
        data = await self._request("GET", "/bridges")
        return self._list(_BRIDGES, data, "GET /bridges")

    async def add_to_bridge(self, bridge_id: str, channel_ids: Sequence[str]) -> None:
        """``POST /bridges/{bridgeId}/addChannel``.

        A channel already in another bridge is moved. Asterisk answers only once
        each channel's earlier commands have run, so the reply waits for a prompt
        still playing on one of them: stop it first.

        Raises:
            AriNotFound: The bridge is gone. AriBadRequest: a channel is gone (400
            "Channel not found", not 404). AriConflict: the bridge is not in Stasis,
            or a channel is being recorded. AriUnprocessable: a channel is not in Stasis.
        """
        await self._request(
            "POST",
            "/bridges/{bridgeId}/addChannel",
            {"bridgeId": bridge_id},
            params={"channel": _join(channel_ids)},
        )

    async def remove_from_bridge(self, bridge_id: str, channel_ids: Sequence[str]) -> None:
        """``POST /bridges/{bridgeId}/removeChannel``.

        Raises:
            AriNotFound: Bridge gone. AriBadRequest: a channel is gone.
            AriUnprocessable: a channel is not in this bridge.
        """
        await self._request(
            "POST",
            "/bridges/{bridgeId}/removeChannel",
            {"bridgeId": bridge_id},
            params={"channel": _join(channel_ids)},
        )

    async def destroy_bridge(self, bridge_id: str) -> None:
        """``DELETE /bridges/{bridgeId}`` (channels in it stay up, back in Stasis).

        Raises:
            AriNotFound: Already gone.
        """
        await self._request("DELETE", "/bridges/{bridgeId}", {"bridgeId": bridge_id})

    async def play_on_bridge(
        self,
        bridge_id: str,
        media: str | Sequence[str],
        *,
        playback_id: str,
        lang: str | None = None,
    ) -> Playback:
        """``POST /bridges/{bridgeId}/play/{playbackId}``: play to everyone in a bridge."""
        template = "/bridges/{bridgeId}/play/{playbackId}"
        data = await self._request(
            "POST",
            template,
            {"bridgeId": bridge_id, "playbackId": playback_id},
            params={"media": _join(media), "lang": lang},
        )
        return self._model(Playback, data, f"POST {template}")

    # -- events ----------------------------------------------------------------

    async def connect_events(
        self, app: str, *, heartbeat_s: float, subscribe_all: bool = False
    ) -> aiohttp.ClientWebSocketResponse:
        """Open the event WebSocket ``GET /events?app=...&subscribeAll=...``.

        Used by :class:`~callflow.ari.events_socket.AriEventStream`, which owns the
        socket. Authenticates with the same Basic header as REST (no ``api_key``).
        The handshake has the client's deadline; afterwards aiohttp's heartbeat
        (PING every ``heartbeat_s``, Asterisk answers PONG) detects a dead link.

        Raises:
            AriHttpError: The handshake was refused (401 wrong credentials, ...).
            AriUnavailable: Asterisk could not be reached in time.
        """
        operation = "GET /events"
        scheme = "wss" if self._base.startswith("https:") else "ws"
        url = URL(self._base + "/events", encoded=True).with_scheme(scheme)
        session = self._ensure_session()
        try:
            return await session.ws_connect(
                url,
                params=_query({"app": app, "subscribeAll": subscribe_all}),
                heartbeat=heartbeat_s,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self._timeout_s),
            )
        except aiohttp.WSServerHandshakeError as exc:
            if exc.status >= 400:
                raise http_error_for(exc.status, exc.message, operation=operation) from exc
            raise AriUnavailable(f"{operation}: handshake failed", operation=operation) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            kind = type(exc).__name__
            raise AriUnavailable(f"{operation}: {kind}", operation=operation) from exc
