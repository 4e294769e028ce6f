"""What every ARI operation handler gets, and how it answers.

``Params`` reads arguments the way Asterisk's generated ``res_ari_*.c`` code
does: form fields, then the query string (the last occurrence wins), then JSON
body fields, which override both. Integers go through ``atoi()``, booleans
through ``ast_true()``; a JSON field of the wrong type reads as unset, as with
``ast_json_string_get()``. Strict mode rejects all of those before a handler
runs (``spec.check_strict``); the handlers themselves only do what Asterisk does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sip_lab.ari.errors import AriError
from sip_lab.ari.simulation import Simulation
from sip_lab.ari.spec import Operation, ast_true, atoi
from sip_lab.ari.state import Bridge, Channel
from sip_lab.ari.types import JsonObject

SERVER = "Asterisk/22.10.1"


class Params:
    """An operation's arguments with Asterisk's precedence and conversions."""

    def __init__(self, query: list[tuple[str, str]], body: JsonObject | None) -> None:
        self._query: dict[str, str] = {}
        for name, value in query:
            self._query[name] = value
        self._body = body or {}

    def present(self, name: str) -> bool:
        """Whether the argument was given at all."""
        return name in self._query or name in self._body

    def text(self, name: str) -> str | None:
        """A string argument (None when absent, or a JSON field that is not a string)."""
        if name in self._body:
            value = self._body[name]
            return value if isinstance(value, str) else None
        return self._query.get(name)

    def integer(self, name: str, default: int = 0) -> int:
        """An int/long argument: ``atoi()`` of text, 0 for a non-integer JSON field."""
        if name in self._body:
            value = self._body[name]
            return value if isinstance(value, int) and not isinstance(value, bool) else 0
        if name in self._query:
            return atoi(self._query[name])
        return default

    def boolean(self, name: str, default: bool = False) -> bool:
        """A boolean argument: ``ast_true()`` of text, JSON ``true`` only."""
        if name in self._body:
            return self._body[name] is True
        if name in self._query:
            return ast_true(self._query[name])
        return default

    def texts(self, name: str) -> list[str]:
        """An ``allowMultiple`` argument: a comma-separated string or a JSON array."""
        if name in self._body:
            value = self._body[name]
            items = value if isinstance(value, list) else [value]
            return [v for v in items if isinstance(v, str)]
        if name in self._query:
            raw = self._query[name]
            return [raw] if raw == "" else [v.strip() for v in raw.split(",")]
        return []

    def variables(self) -> dict[str, str]:
        """The JSON body's ``variables`` object (string or ``{value}`` values).

        Raises:
            AriError: 400 when a value is neither, as Asterisk answers.
        """
        raw = self._body.get("variables")
        if not isinstance(raw, dict):
            return {}
        result: dict[str, str] = {}
        for key, value in raw.items():
            if isinstance(value, dict) and isinstance(value.get("value"), str):
                value = value["value"]
            if not isinstance(value, str):
                raise AriError.message(400, "Only string values in the 'variables' object allowed")
            result[str(key)] = value
        return result


@dataclass(frozen=True, slots=True)
class Call:
    """One ARI request as a handler sees it."""

    sim: Simulation
    op: Operation
    path: dict[str, str]
    params: Params
    request: web.Request

    def channel(self, key: str = "channelId") -> Channel:
        """The path's channel, or 404 Channel not found."""
        ch = self.sim.engine.channels.get(self.path[key])
        if ch is None:
            raise AriError.message(404, "Channel not found")
        return ch

    def control(self, key: str = "channelId") -> Channel:
        """``find_control()``: the channel must exist (404) and be in Stasis (409)."""
        ch = self.channel(key)
        if ch.stasis_app is None:
            raise AriError.message(409, "Channel not in Stasis application")
        return ch

    def control_in_valid_state(self, key: str = "channelId") -> Channel:
        """``find_control()`` then ``channel_state_invalid()`` (412 for Down/Ringing)."""
        ch = self.control(key)
        if ch.state in {"Down", "Ringing"}:
            raise AriError.message(412, "Channel in invalid state")
        return ch

    def bridge(self) -> Bridge:
        """The path's bridge, or 404 Bridge not found."""
        bridge = self.sim.engine.bridges.get(self.path["bridgeId"])
        if bridge is None:
            raise AriError.message(404, "Bridge not found")
        return bridge


Handler = Callable[[Call], web.Response]
HANDLERS: dict[str, Handler] = {}


def operation(key: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``resource.nickname`` (e.g. ``channels.answer``)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[key] = fn
        return fn

    return register


def dumps(body: Any) -> str:
    """Asterisk's default (compact) JSON encoding."""
    return json.dumps(body, separators=(",", ":"))


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    """A JSON reply."""
    return web.Response(
        status=status,
        text=dumps(body),
        content_type="application/json",
        headers={"Server": SERVER, **(headers or {})},
    )


def ok(body: Any) -> web.Response:
    """200 with a JSON body."""
    return json_response(200, body)


def created(body: Any, location: str) -> web.Response:
    """201 with a ``Location`` header (new playbacks)."""
    return json_response(201, body, {"Location": location})


def no_content() -> web.Response:
    """204 without a body."""
    return web.Response(status=204, headers={"Server": SERVER})


def error(err: AriError, headers: dict[str, str] | None = None) -> web.Response:
    """An error reply exactly as raised."""
    return json_response(err.status, err.body, headers)
