"""The ``/ari`` HTTP front: authentication, routing, strict checks, faults, dispatch.

The order of checks is ``ast_ari_callback()``'s: form body, authentication
(``Authorization: Basic`` first, else ``?api_key=user:password``), trailing
slash, api-docs, then routing (404 Resource not found, 405 Invalid method).
What Asterisk would not check but a client should not send is refused here in
strict mode, before the handler runs. Every request lands in the lab's request
log without its credentials.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import hdrs, web

from sip_lab.ari import ws
from sip_lab.ari.errors import AriError
from sip_lab.ari.resources import HANDLERS, Call, Params
from sip_lab.ari.resources.common import SERVER, error, json_response
from sip_lab.ari.simulation import SIMULATION, Simulation
from sip_lab.ari.spec import AUTH_PARAMS, check_strict
from sip_lab.ari.state import utcnow
from sip_lab.ari.types import JsonObject

AUTH_REALM = "Asterisk REST Interface"


async def handle(request: web.Request) -> web.StreamResponse:
    """Every request under ``/ari``."""
    sim = request.app[SIMULATION]
    path = request.rel_url.raw_path[len("/ari") :] or "/"
    form = await _form_fields(request)
    query = form + [(k, v) for k, v in request.rel_url.query.items()]
    entry: JsonObject = {
        "at": utcnow().isoformat(),
        "method": request.method,
        "path": request.rel_url.path,
        "query": [[k, v] for k, v in query if k not in AUTH_PARAMS],
        "body": None,
        "operation": None,
        "status": None,
    }
    try:
        response = await _dispatch(request, sim, path, query, entry)
    except AriError as err:
        response = error(err)
    if isinstance(response, web.WebSocketResponse):
        return response  # logged when the upgrade happened (see ws.events_socket)
    auth_challenge(response)
    log_request(sim, entry, response.status)
    return response


def log_request(sim: Simulation, entry: JsonObject, status: int) -> None:
    """Add one request to the lab's log and counters (credentials were never put in)."""
    entry["status"] = status
    sim.requests.append(entry)
    if entry["operation"]:
        sim.rest_counts[str(entry["operation"])] += 1


async def _dispatch(
    request: web.Request,
    sim: Simulation,
    path: str,
    query: list[tuple[str, str]],
    entry: JsonObject,
) -> web.StreamResponse:
    if not _authenticated(request, sim, query):
        raise AriError(401, {"message": "Authentication required"})
    if path != "/" and path.endswith("/"):
        slashless = path.strip("/")
        raise AriError.message(404, f"ARI URLs do not end with a slash. Try /ari/{slashless}")
    if path.startswith("/api-docs/"):
        if request.method != "GET":
            raise AriError.message(405, "Unsupported method")
        doc = sim.spec.document(path[len("/api-docs/") :], request.headers.get(hdrs.HOST))
        if doc is None:
            raise AriError.message(404, "Resource not found")
        return json_response(200, doc)
    resolution = sim.spec.resolve(path)
    if resolution is None:
        raise AriError.message(404, "Resource not found")
    allow = {"Allow": ",".join(resolution.allowed_methods())}
    if request.method == "OPTIONS":
        return web.Response(status=204, headers={"Server": SERVER, **allow})
    op = resolution.operations.get(request.method)
    if op is None:
        return error(AriError.message(405, "Invalid method"), allow)
    entry["operation"] = op.key
    if op.websocket:
        return await ws.events_socket(request, sim, op, query, lambda: log_request(sim, entry, 101))
    failure = sim.faults.failure_for(request.method, request.rel_url.path)
    if failure is not None:
        return json_response(failure[0], failure[1])
    delay = sim.faults.delay_for(request.method, request.rel_url.path)
    if delay:
        await asyncio.sleep(delay)
    body = await _json_body(request)
    if body is not None:
        entry["body"] = {k: v for k, v in body.items() if k not in AUTH_PARAMS}
    if sim.config.strict:
        problem = check_strict(op, [(k, v) for k, v in query], body)
        if problem:
            raise AriError.message(400, problem)
    handler = HANDLERS.get(op.key)
    if handler is None:
        raise AriError.message(501, "Method not implemented")
    params = Params([(k, v) for k, v in query if k not in AUTH_PARAMS], body)
    return handler(Call(sim, op, resolution.path_params, params, request))


def _authenticated(request: web.Request, sim: Simulation, query: list[tuple[str, str]]) -> bool:
    """Basic auth if the header is there and well formed, else the last ``api_key``."""
    header = request.headers.get(hdrs.AUTHORIZATION, "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "basic" and token:
        try:
            user, sep, password = base64.b64decode(token.strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, sep, password = "", "", ""
        if sep:
            return _valid(sim, user, password)
    keys = [v for k, v in query if k.lower() == "api_key"]
    if keys:
        user, sep, password = keys[0].partition(":")
        return bool(sep) and _valid(sim, user, password)
    return False


def _valid(sim: Simulation, user: str, password: str) -> bool:
    return hmac.compare_digest(user.encode(), sim.user.encode()) & hmac.compare_digest(
        password.encode(), sim.password.encode()
    )


async def _form_fields(request: web.Request) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` fields (Asterisk merges them with the query)."""
    if request.content_type != "application/x-www-form-urlencoded" or not request.can_read_body:
        return []
    text = await request.text()
    return parse_qsl(text, keep_blank_values=True)


async def _json_body(request: web.Request) -> JsonObject | None:
    """The JSON request entity, or 400 Error parsing request body."""
    if request.content_type != "application/json" or not request.can_read_body:
        return None
    text = await request.text()
    if not text.strip():
        return None
    try:
        body: Any = json.loads(text)
    except json.JSONDecodeError:
        raise AriError.message(400, "Error parsing request body") from None
    if not isinstance(body, dict):
        raise AriError.message(400, "Error parsing request body")
    return body


def auth_challenge(response: web.StreamResponse) -> None:
    """Add the ``WWW-Authenticate`` challenge Asterisk sends with every 401."""
    if response.status == 401:
        response.headers["WWW-Authenticate"] = f'Basic realm="{AUTH_REALM}"'
