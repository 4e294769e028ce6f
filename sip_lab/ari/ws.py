"""``GET /ari/events``: the event WebSocket.

Checks follow ``ast_ari_websocket_events_event_websocket_attempted()``: a
missing or empty ``app`` is a 400 (an HTML page, from ``ast_http_error()``),
a plain GET without the upgrade is 426. The socket never sends anything but
events; what the client sends is read and ignored, and pings are answered by
aiohttp (as ``res_http_websocket.c`` answers them).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import WSMsgType, web

from sip_lab.ari.apps import EventSocket
from sip_lab.ari.errors import AriError
from sip_lab.ari.resources import Params
from sip_lab.ari.simulation import Simulation
from sip_lab.ari.spec import AUTH_PARAMS, Operation, check_strict

CLOSE_TIMEOUT_S = 1.0
"""How long a server-side close waits for the client's close frame."""


def http_error(status: int, reason: str, text: str) -> web.Response:
    """``ast_http_error()``'s little HTML page."""
    body = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n'
        f"<html><head>\r\n<title>{status} {reason}</title>\r\n</head><body>\r\n"
        f"<h1>{reason}</h1>\r\n<p>{text}</p>\r\n<hr />\r\n"
        "<address>Asterisk Server</address>\r\n</body></html>\r\n"
    )
    return web.Response(status=status, text=body, content_type="text/html")


async def events_socket(
    request: web.Request,
    sim: Simulation,
    op: Operation,
    query: list[tuple[str, str]],
    on_upgrade: Callable[[], None],
) -> web.StreamResponse:
    """Upgrade, attach the requested applications, then hold the socket until it closes."""
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return http_error(426, "Upgrade Required", "WebSocket upgrade required")
    if sim.config.strict:
        problem = check_strict(op, query, None)
        if problem:
            raise AriError.message(400, problem)
    params = Params([(k, v) for k, v in query if k not in AUTH_PARAMS], None)
    apps = params.texts("app")
    if not apps:
        return http_error(400, "Bad Request", "Missing param 'app'")
    if any(not name for name in apps):
        return http_error(400, "Bad Request", "Invalid application provided in param 'app'.")
    if sim.faults.ws_refused():
        sim.apps.stats.refused += 1
        return http_error(503, "Service Unavailable", "Event connections refused (sip_lab fault)")
    ws = web.WebSocketResponse(protocols=("ari",), autoping=True, timeout=CLOSE_TIMEOUT_S)
    await ws.prepare(request)
    on_upgrade()
    sock = EventSocket(ws, request)
    sim.apps.attach(sock, apps, params.boolean("subscribeAll"))
    try:
        async for message in ws:
            if message.type == WSMsgType.ERROR:
                break
    finally:
        sim.apps.detach(sock)
        await sock.stop()
    return ws
