"""The lab's control plane (``/_lab``, JSON, no auth): calls, providers, faults, records.

This is how tests and the traffic generator play the outside world: callers
who ring in and press keys, providers who answer or not, a network that drops
sockets. It also reports what the simulator saw (call outcomes, the requests
the client sent) so tests can assert where each call ended.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sip_lab.ari.callers import DTMF_DIGITS, InboundCall, ScriptStep
from sip_lab.ari.errors import ControlError
from sip_lab.ari.events import channel_json
from sip_lab.ari.simulation import SIMULATION, Simulation
from sip_lab.ari.state import EndpointConfig
from sip_lab.ari.types import Behaviour, JsonObject

routes = web.RouteTableDef()


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)


class StepBody(_Body):
    """One caller script step."""

    after_ms: int = Field(default=0, ge=0)
    dtmf: str = ""
    hangup: bool = False
    say: str = Field(default="", max_length=2000)

    @field_validator("dtmf")
    @classmethod
    def _digits(cls, value: str) -> str:
        if any(d not in DTMF_DIGITS for d in value):
            raise ValueError("dtmf may only hold 0-9, *, #, A-D")
        return value


class CallBody(_Body):
    """``POST /_lab/calls``."""

    caller: str = "+447700900123"
    caller_name: str = ""
    exten: str = "111"
    app: str = "urgentline"
    args: list[str] = Field(default_factory=lambda: ["inbound"])
    script: list[StepBody] = Field(default_factory=list)
    ring_timeout_ms: int = Field(default=60000, ge=-1)


class EndpointBody(_Body):
    """``PUT /_lab/endpoints/{tech}/{resource}``."""

    behaviour: Behaviour = "answer"
    answer_ms: int | None = Field(default=None, ge=0)
    hold_ms: int | None = None


class ConfigBody(_Body):
    """``POST /_lab/config``: any subset of the timings."""

    media_ms: int | None = Field(default=None, ge=0)
    media_durations: dict[str, int] | None = None
    missing_media: set[str] | None = None
    dtmf_interval_ms: int | None = Field(default=None, ge=0)
    caller_talk_ms: int | None = Field(default=None, ge=0)
    provider_answer_ms: int | None = Field(default=None, ge=0)
    provider_hold_ms: int | None = None
    dialplan_hold_ms: int | None = None
    strict: bool | None = None


def _sim(request: web.Request) -> Simulation:
    return request.app[SIMULATION]


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(body, status=status)


def _problem(message: str, status: int = 400, **extra: Any) -> web.Response:
    return web.json_response({"message": message, **extra}, status=status)


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return {}
    try:
        return await request.json()
    except ValueError as exc:
        raise ControlError("the body must be JSON") from exc


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    """Control-plane errors become ``{"message": ...}`` replies."""
    try:
        response: web.StreamResponse = await handler(request)
    except ControlError as exc:
        return _problem(str(exc), exc.status)
    except ValidationError as exc:
        return _problem(
            "invalid body",
            400,
            errors=exc.errors(include_url=False, include_input=False, include_context=False),
        )
    return response


@routes.post("/_lab/calls")
async def place_call(request: web.Request) -> web.Response:
    """Ring in: ``{"channel_id"}``; the app gets StasisStart (or Stasis fails)."""
    body = CallBody.model_validate(await _body(request))
    ch = _sim(request).callers.place(
        InboundCall(
            caller=body.caller,
            caller_name=body.caller_name,
            exten=body.exten,
            app=body.app,
            args=tuple(body.args),
            script=tuple(ScriptStep(s.after_ms, s.dtmf, s.hangup, s.say) for s in body.script),
            ring_timeout_ms=body.ring_timeout_ms,
        )
    )
    return _json({"channel_id": ch.id}, 201)


@routes.get("/_lab/calls")
async def list_calls(request: web.Request) -> web.Response:
    """Every inbound call's record, oldest first."""
    sim = _sim(request)
    return _json([_call_json(sim, cid) for cid in sim.engine.calls])


@routes.get("/_lab/calls/{channel_id}")
async def get_call(request: web.Request) -> web.Response:
    """One inbound call's record."""
    sim = _sim(request)
    channel_id = request.match_info["channel_id"]
    if channel_id not in sim.engine.calls:
        return _problem("No such call", 404)
    return _json(_call_json(sim, channel_id))


@routes.post("/_lab/calls/{channel_id}/act")
async def act(request: web.Request) -> web.Response:
    """The caller acts now: ``{"dtmf", "say", "hangup"}`` (a test waits for a prompt first)."""
    sim = _sim(request)
    ch = sim.engine.channels.get(request.match_info["channel_id"])
    if ch is None or ch.destroyed or not ch.inbound:
        return _problem("No such live inbound call", 404)
    step = StepBody.model_validate(await _body(request))
    sim.callers.act(ch, ScriptStep(0, step.dtmf, step.hangup, step.say))
    return _json({"channel_id": ch.id}, 202)


def _call_json(sim: Simulation, channel_id: str) -> JsonObject:
    ch = sim.engine.channels.get(channel_id)
    return sim.engine.calls[channel_id].to_json(ch.state if ch else None)


@routes.post("/_lab/webhooks/{provider}")
async def receive_webhook(request: web.Request) -> web.Response:
    """A simulated provider's webhook: accepts a handoff (the demo points providers here)."""
    await request.read()
    key = request.headers.get("Idempotency-Key", "")
    _sim(request).webhooks.setdefault(request.match_info["provider"], []).append(key)
    return _json({"accepted": True})


@routes.get("/_lab/webhooks")
async def list_webhooks(request: web.Request) -> web.Response:
    """What each simulated provider's webhook received (idempotency keys, in order)."""
    return _json(_sim(request).webhooks)


@routes.get("/_lab/originations")
async def list_originations(request: web.Request) -> web.Response:
    """Every channel the app originated (provider legs) and what became of it."""
    return _json([o.to_json() for o in _sim(request).engine.originations.values()])


@routes.get("/_lab/channels")
async def list_channels(request: web.Request) -> web.Response:
    """Every live channel with the lab's view of it (Stasis app, bridge)."""
    result = []
    for ch in _sim(request).engine.channels.values():
        result.append(
            {
                **channel_json(ch),
                "stasis_app": ch.stasis_app,
                "bridge_id": ch.bridge_id,
                "inbound": ch.inbound,
                "originated": ch.originated,
            }
        )
    return _json(result)


@routes.get("/_lab/endpoints")
async def list_endpoints(request: web.Request) -> web.Response:
    """Endpoint overrides (every other endpoint answers with the default timings)."""
    return _json({k: v.to_json() for k, v in _sim(request).engine.endpoints.items()})


@routes.put("/_lab/endpoints/{tech}/{resource}")
async def put_endpoint(request: web.Request) -> web.Response:
    """Make one provider endpoint answer, be busy, never answer, or fail to originate."""
    body = EndpointBody.model_validate(await _body(request))
    key = f"{request.match_info['tech']}/{request.match_info['resource']}".lower()
    config = EndpointConfig(body.behaviour, body.answer_ms, body.hold_ms)
    _sim(request).engine.endpoints[key] = config
    return _json({"endpoint": key, **config.to_json()})


@routes.delete("/_lab/endpoints/{tech}/{resource}")
async def delete_endpoint(request: web.Request) -> web.Response:
    """Back to the default behaviour."""
    key = f"{request.match_info['tech']}/{request.match_info['resource']}".lower()
    _sim(request).engine.endpoints.pop(key, None)
    return web.Response(status=204)


@routes.delete("/_lab/endpoints")
async def clear_endpoints(request: web.Request) -> web.Response:
    """Every endpoint back to the default behaviour."""
    _sim(request).engine.endpoints.clear()
    return web.Response(status=204)


@routes.post("/_lab/faults")
async def add_faults(request: web.Request) -> web.Response:
    """Drop sockets now, refuse new ones, slow down or fail REST requests."""
    sim = _sim(request)
    body = await _body(request)
    if not isinstance(body, dict) or not body:
        raise ControlError("the body must be a non-empty JSON object")
    sim.faults.add(body)
    dropped = 0
    if body.get("drop_ws"):
        dropped = sim.apps.drop_all(abrupt=bool(body.get("abrupt")))
    return _json({"dropped_sockets": dropped, "faults": sim.faults.to_json()})


@routes.get("/_lab/faults")
async def get_faults(request: web.Request) -> web.Response:
    """The active fault rules."""
    return _json(_sim(request).faults.to_json())


@routes.delete("/_lab/faults")
async def clear_faults(request: web.Request) -> web.Response:
    """No more faults."""
    _sim(request).faults.clear()
    return web.Response(status=204)


@routes.get("/_lab/requests")
async def list_requests(request: web.Request) -> web.Response:
    """The last REST requests (method, path, query, body, operation, status), oldest first."""
    entries = list(_sim(request).requests)
    limit = request.query.get("limit")
    if limit is not None:
        if not limit.isdigit():
            raise ControlError("limit must be a non-negative integer")
        entries = entries[-int(limit) :] if int(limit) else []
    return _json(entries)


@routes.delete("/_lab/requests")
async def clear_requests(request: web.Request) -> web.Response:
    """Forget the request log."""
    _sim(request).requests.clear()
    return web.Response(status=204)


@routes.get("/_lab/stats")
async def stats(request: web.Request) -> web.Response:
    """Counts: calls by outcome, originations by result, REST by operation, sockets."""
    sim = _sim(request)
    engine = sim.engine
    ws = sim.apps.stats
    statuses = Counter(str(e["status"]) for e in sim.requests)
    return _json(
        {
            "calls": {
                "total": len(engine.calls),
                "active": sum(1 for c in engine.calls.values() if c.ended_at is None),
                "by_outcome": dict(Counter(c.outcome for c in engine.calls.values())),
            },
            "originations": {
                "total": len(engine.originations),
                "by_result": dict(Counter(o.result for o in engine.originations.values())),
            },
            "rest": {
                "total": sum(sim.rest_counts.values()),
                "by_operation": dict(sim.rest_counts),
                "by_status_recent": dict(statuses),
            },
            "ws": {
                "connected": len(sim.apps.sockets),
                "connections": ws.connections,
                "replaced": ws.replaced,
                "dropped": ws.dropped,
                "refused": ws.refused,
                "events_sent": ws.events_sent,
                "events_dropped": ws.events_dropped,
            },
            "channels": len(engine.channels),
            "bridges": len(engine.bridges),
        }
    )


@routes.get("/_lab/config")
async def get_config(request: web.Request) -> web.Response:
    """The current timings and names."""
    return _json(_config_json(_sim(request)))


@routes.post("/_lab/config")
async def set_config(request: web.Request) -> web.Response:
    """Change timings at run time (any subset)."""
    sim = _sim(request)
    body = ConfigBody.model_validate(await _body(request))
    for name, value in body.model_dump(exclude_none=True).items():
        setattr(sim.config, name, value)
    return _json(_config_json(sim))


def _config_json(sim: Simulation) -> JsonObject:
    c = sim.config
    return {
        "system_name": c.system_name,
        "asterisk_id": c.entity_id,
        "strict": c.strict,
        "media_ms": c.media_ms,
        "media_durations": dict(c.media_durations),
        "missing_media": sorted(c.missing_media),
        "dtmf_interval_ms": c.dtmf_interval_ms,
        "caller_talk_ms": c.caller_talk_ms,
        "provider_answer_ms": c.provider_answer_ms,
        "provider_hold_ms": c.provider_hold_ms,
        "dialplan_hold_ms": c.dialplan_hold_ms,
    }


@routes.post("/_lab/reset")
async def reset(request: web.Request) -> web.Response:
    """Forget calls, channels, bridges, playbacks, overrides, faults and logs (sockets stay)."""
    sim = _sim(request)
    sim.callers.forget()
    await sim.engine.reset()
    sim.faults.clear()
    sim.requests.clear()
    sim.rest_counts.clear()
    return web.Response(status=204)
