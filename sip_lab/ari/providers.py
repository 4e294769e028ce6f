"""Simulated provider endpoints: what happens to a channel the app originates.

A provider rings, then answers after ``answer_ms`` (entering Stasis with the
originate's ``appArgs``, as ``ari_originate_dial()`` does), holds the call for
``hold_ms`` and hangs up from the far end. Per-endpoint overrides make it busy
(486: cause 17), never answer (the originate timeout ends it: cause 19 since
asterisk#1660) or fail at once (500 Allocation failed, like an unknown driver).

Event order follows the samples' originated flows: ``Dial`` (empty status),
``ChannelStateChange`` Ringing, ``ChannelStateChange`` Up, ``Dial`` ANSWER,
``ChannelVarset`` STASISSTATUS, ``StasisStart``. PJSIP legs have no ``;2``
half; ``Local/`` legs do, and the app hears about both.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field

from sip_lab.ari import events as ev
from sip_lab.ari.engine import MAX_UNIQUEID, Engine
from sip_lab.ari.errors import AriError
from sip_lab.ari.state import Channel, EndpointConfig, Origination, utcnow

TECHS = {"pjsip": "PJSIP", "sip": "SIP", "iax2": "IAX2", "local": "Local"}
"""Channel drivers the simulated switch has loaded (lookup is case-insensitive)."""

DEFAULT_TIMEOUT_S = 30


@dataclass(slots=True)
class OriginateRequest:
    """The arguments of ``POST /channels`` and ``POST /channels/{channelId}``."""

    endpoint: str | None
    app: str | None = None
    app_args: str | None = None
    extension: str | None = None
    context: str | None = None
    priority: int = 0
    caller_id: str | None = None
    timeout: int = 0
    channel_id: str | None = None
    other_channel_id: str | None = None
    originator: str | None = None
    formats: str | None = None
    variables: dict[str, str] = field(default_factory=dict)


def endpoint_config(engine: Engine, endpoint: str) -> EndpointConfig:
    """The behaviour configured for ``tech/resource`` (default: answer)."""
    return engine.endpoints.get(endpoint.lower(), EndpointConfig())


def parse_callerid(text: str) -> tuple[str, str]:
    """``ast_callerid_parse()`` for the usual forms: ``"Name" <num>``, ``Name <num>``, ``num``."""
    match = re.fullmatch(r'\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*', text)
    if match:
        name = match.group(1) if match.group(1) is not None else (match.group(2) or "")
        return name.strip(), match.group(3).strip()
    stripped = text.strip()
    if re.fullmatch(r"[+\d\s().-]+", stripped):
        return "", re.sub(r"[\s().-]", "", stripped)
    return stripped, ""


def _split_endpoint(endpoint: str) -> tuple[str, str]:
    tech, _, resource = endpoint.partition("/")
    if not tech or not resource:
        raise AriError.message(400, "Invalid endpoint specified")
    return tech, resource


def originate(engine: Engine, req: OriginateRequest) -> Channel:
    """Validate like ``ari_channels_handle_originate_with_id()`` and start dialling.

    Raises:
        AriError: with Asterisk's status and body for each refusal.
    """
    for assigned in (req.channel_id, req.other_channel_id):
        if assigned and len(assigned) > MAX_UNIQUEID:
            raise AriError.message(400, f"Uniqueid length exceeds maximum of {MAX_UNIQUEID}")
    if not req.endpoint:
        raise AriError.message(400, "Endpoint must be specified")
    if req.originator and req.formats:
        raise AriError.message(400, "Originator and formats can't both be specified")
    raw_tech, resource = _split_endpoint(req.endpoint)
    if not req.app and not req.extension:
        raise AriError.message(400, "Application or extension must be specified")
    if req.originator and req.originator not in engine.channels:
        raise AriError.message(400, "Provided originator channel was not found")
    tech = TECHS.get(raw_tech.lower())
    config = endpoint_config(engine, f"{tech or raw_tech}/{resource}")
    if tech is None or config.behaviour == "fail":
        raise AriError.alloc_failed()
    for assigned in (req.channel_id, req.other_channel_id):
        if assigned and engine.id_in_use(assigned):
            raise AriError.message(409, "Channel with given unique ID already exists")
    ch = _new_outbound(engine, tech, resource, req.channel_id)
    ch.app_originated = bool(req.app)
    peer = None
    if tech == "Local":
        peer_id = req.other_channel_id or (f"{ch.id};2" if req.channel_id else None)
        peer = _new_outbound(engine, tech, resource, peer_id, local_of=ch)
    if req.caller_id:
        name, number = parse_callerid(req.caller_id)
        for leg in (ch, peer):
            if leg is not None:
                leg.caller_name, leg.caller_number = name, number
                leg.connected_name, leg.connected_number = name, number
    for key, value in req.variables.items():
        engine.set_variable(ch, key, value, report=False)
    args = req.app_args.split(",") if req.app_args else []
    if req.app:
        engine.apps.subscribe_channel(req.app, ch.id)
        if peer is not None:
            engine.apps.subscribe_channel(req.app, peer.id)
    engine.originations[ch.id] = Origination(
        channel_id=ch.id,
        endpoint=ch.endpoint,
        app=req.app,
        args=args,
        behaviour=config.behaviour,
        caller_id=req.caller_id,
    )
    timeout_s = req.timeout if req.timeout > 0 or req.timeout == -1 else DEFAULT_TIMEOUT_S
    engine.spawn(
        _dial(engine, ch, config, timeout_s, req, args, caller=None),
        ch,
        name=f"dial {ch.id}",
    )
    return ch


def create(
    engine: Engine,
    endpoint: str | None,
    app: str | None,
    app_args: str | None,
    channel_id: str | None,
    other_channel_id: str | None,
    variables: dict[str, str],
) -> Channel:
    """``POST /channels/create``: a Down channel already in Stasis, dialled later.

    Raises:
        AriError: with Asterisk's status and body for each refusal.
    """
    if not endpoint:
        raise AriError.message(400, "Endpoint must be specified")
    raw_tech, resource = _split_endpoint(endpoint)
    tech = TECHS.get(raw_tech.lower())
    if tech is None or tech == "Local":
        raise AriError.alloc_failed()
    for assigned in (channel_id, other_channel_id):
        if assigned and engine.id_in_use(assigned):
            raise AriError.message(409, "Channel with given unique ID already exists")
    ch = _new_outbound(engine, tech, resource, channel_id)
    ch.dialstring = resource
    for key, value in variables.items():
        engine.set_variable(ch, key, value, report=False)
    if app:
        engine.apps.subscribe_channel(app, ch.id)
        engine.spawn(_enter_created(engine, ch, app, app_args), ch, name=f"create {ch.id}")
    return ch


async def _enter_created(engine: Engine, ch: Channel, app: str, app_args: str | None) -> None:
    await asyncio.sleep(0)
    if engine.apps.is_active(app):
        engine.enter_stasis(ch, app, app_args.split(",") if app_args else [])
    else:
        engine.hangup(ch, by=None, cause=16, request=None)


def dial(engine: Engine, ch: Channel, caller: Channel | None, timeout: int) -> None:
    """``POST /channels/{id}/dial`` on a channel made by ``create``: ring it now."""
    config = endpoint_config(engine, ch.endpoint)
    engine.originations[ch.id] = Origination(
        channel_id=ch.id,
        endpoint=ch.endpoint,
        app=ch.stasis_app,
        args=[],
        behaviour=config.behaviour,
    )
    req = OriginateRequest(endpoint=ch.endpoint)
    engine.spawn(
        _dial(engine, ch, config, timeout if timeout > 0 else -1, req, [], caller=caller),
        ch,
        name=f"dial {ch.id}",
    )


def _new_outbound(
    engine: Engine,
    tech: str,
    resource: str,
    channel_id: str | None,
    local_of: Channel | None = None,
) -> Channel:
    if tech == "Local":
        exten, _, context = resource.partition("@")
        context = context or "default"
        if local_of is None:
            name = engine.channel_name("Local", resource) + ";1"
        else:
            name = local_of.name[:-1] + "2"
    else:
        exten, context = "s", engine.config.provider_context
        name = engine.channel_name(tech, resource)
    ch = Channel(
        id=channel_id or engine.new_uniqueid(),
        name=name,
        tech=tech,
        resource=resource,
        state="Down",
        protocol_id="" if tech == "Local" else f"{uuid.uuid4()}",
        caller_name="",
        caller_number="",
        context=context,
        exten=exten,
        priority=1,
        app_name="" if local_of is not None else "AppDial2",
        app_data="" if local_of is not None else "(Outgoing Line)",
        language=engine.config.language,
        originated=True,
    )
    if local_of is not None:
        ch.local_peer, local_of.local_peer = local_of.id, ch.id
    return engine.add_channel(ch)


async def _dial(
    engine: Engine,
    ch: Channel,
    config: EndpointConfig,
    timeout_s: int,
    req: OriginateRequest,
    args: list[str],
    caller: Channel | None,
) -> None:
    """The dial thread: ring, then answer or fail, then Stasis, then the far end's hangup."""
    await asyncio.sleep(0)  # the REST reply goes out first, as from ari_originate_dial()
    record = engine.originations.get(ch.id)
    answer_ms = engine.config.provider_answer_ms if config.answer_ms is None else config.answer_ms
    hold_ms = engine.config.provider_hold_ms if config.hold_ms is None else config.hold_ms
    dialstring = ch.resource
    peer = engine.channels.get(ch.local_peer) if ch.local_peer else None
    engine.emit_channel(ch, ev.dial(utcnow(), ch, dialstring, "", caller))
    if config.behaviour == "busy":
        await asyncio.sleep(min(answer_ms, 200) / 1000)
        if record is not None:
            record.result = "busy"
        engine.emit_channel(ch, ev.dial(utcnow(), ch, dialstring, "BUSY", caller))
        engine.hangup(ch, by="provider", cause=17, request=(None, False))
        return
    if peer is None:
        engine.set_state(ch, "Ringing")
    wait_s = answer_ms / 1000
    no_answer = config.behaviour == "noanswer" or (timeout_s > 0 and wait_s > timeout_s)
    if no_answer:
        if timeout_s <= 0:
            return  # rings until someone hangs it up
        await asyncio.sleep(timeout_s)
        if record is not None:
            record.result = "noanswer"
        cause = 19 if caller is None else 16
        engine.hangup(ch, by="provider", cause=cause, request=None)
        return
    await asyncio.sleep(wait_s)
    if peer is not None:
        peer.app_name, peer.app_data = "Answer", ""
        engine.emit_channel(
            peer,
            ev.channel_event(
                "ChannelDialplan", utcnow(), peer, dialplan_app="Answer", dialplan_app_data=""
            ),
        )
        engine.set_state(peer, "Up")
    engine.answer(ch)
    if record is not None:
        record.result = "answered"
        record.answered_at = utcnow()
    engine.emit_channel(ch, ev.dial(utcnow(), ch, dialstring, "ANSWER", caller))
    if req.app and ch.stasis_app is None:
        if not engine.apps.is_active(req.app):
            engine.set_variable(ch, "STASISSTATUS", "FAILED", report=False)
            engine.hangup(ch, by=None, cause=16, request=None)
            return
        engine.enter_stasis(ch, req.app, args)
    elif req.extension and not req.app:
        ch.context = req.context or "default"
        ch.exten = req.extension
        ch.priority = req.priority or 1
        if ch.context == engine.config.callback_context:
            app = ch.variables.get("URGENTLINE_APP", "")
            call_id = ch.variables.get("URGENTLINE_CALL_ID", "")
            engine.dialplan_stasis(ch, app, ["callback", call_id])
    if hold_ms < 0:
        return
    await asyncio.sleep(hold_ms / 1000)
    request: tuple[int | None, bool] = (16, False) if peer is not None else (None, False)
    engine.hangup(ch, by="provider", cause=16, request=request)
