"""The simulated Asterisk core: channel lifecycle, Stasis, hangups and bridges.

Theory of operation. Every state change happens synchronously on the event
loop and emits its events at once, in the order ``asterisk-22-samples.json``
shows (e.g. a hangup is RTP statistics, ``ChannelHangupRequest``, a failed
playback, leaving the bridge, ``StasisEnd``, then ``ChannelDestroyed`` where the
app still listens). REST handlers call these methods before they reply, so an
event caused by a request is queued on the socket before the reply is sent, as
on Asterisk. Anything that takes time (prompts, ringing providers, callers'
scripts) runs in tasks the engine owns and cancels.

Plays, recordings and dialplan continues go through the control queues of
``media.py``, which the engine owns (``engine.media``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from sip_lab.ari import events as ev
from sip_lab.ari.apps import AppRegistry
from sip_lab.ari.config import SimConfig
from sip_lab.ari.media import Media
from sip_lab.ari.state import (
    Bridge,
    CallRecord,
    Channel,
    ChannelState,
    EndpointConfig,
    Origination,
    utcnow,
)
from sip_lab.ari.types import HangupBy, JsonObject

MAX_UNIQUEID = 128
"""``AST_MAX_PUBLIC_UNIQUEID``: longer client-chosen ids are refused."""


class Engine:
    """All live objects of the simulated switch and the operations on them."""

    def __init__(self, config: SimConfig, apps: AppRegistry) -> None:
        self.config = config
        self.apps = apps
        self.started_at = utcnow()
        self.channels: dict[str, Channel] = {}
        self.bridges: dict[str, Bridge] = {}
        self.calls: dict[str, CallRecord] = {}
        self.originations: dict[str, Origination] = {}
        self.endpoints: dict[str, EndpointConfig] = {}
        self.global_vars: dict[str, str] = {}
        self.answer_hooks: list[Callable[[Channel], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._uniqueid = itertools.count(1)
        self._names: dict[str, itertools.count[int]] = {}
        self.media = Media(self)

    # -- housekeeping -------------------------------------------------------------

    def new_uniqueid(self) -> str:
        """``<systemname>-<epoch>.<seq>``, Asterisk's channel id format."""
        return f"{self.config.system_name}-{int(time.time())}.{next(self._uniqueid)}"

    def channel_name(self, tech: str, resource: str) -> str:
        """``PJSIP/dental-0000001a``: the driver's name with a per-driver counter."""
        counter = self._names.setdefault(tech, itertools.count(1))
        return f"{tech}/{resource}-{next(counter):08x}"

    def id_in_use(self, channel_id: str) -> bool:
        """Whether a live channel has this id (originateWithId must refuse it)."""
        return channel_id in self.channels

    def spawn(
        self, coro: Coroutine[Any, Any, None], owner: Channel | None = None, name: str = "sim"
    ) -> asyncio.Task[None]:
        """Start a task the engine owns (cancelled with its channel, or at shutdown)."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if owner is not None:
            owner.tasks.add(task)
            task.add_done_callback(owner.tasks.discard)
        return task

    async def aclose(self) -> None:
        """Cancel every task (shutdown or reset)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def reset(self) -> None:
        """Forget every object silently (``POST /_lab/reset``); sockets stay connected."""
        await self.aclose()
        for ch in list(self.channels.values()):
            self.apps.forget(channel_id=ch.id)
        for bridge in list(self.bridges.values()):
            self.apps.forget(bridge_id=bridge.id)
        self.media.clear()
        for store in (
            self.channels,
            self.bridges,
            self.calls,
            self.originations,
            self.endpoints,
        ):
            store.clear()

    def emit(
        self, body: JsonObject, *, channels: tuple[str, ...] = (), bridges: tuple[str, ...] = ()
    ) -> None:
        """Deliver an event to the applications subscribed to its objects."""
        self.apps.deliver(body, channels=channels, bridges=bridges)

    def emit_channel(self, ch: Channel, body: JsonObject) -> None:
        """Deliver an event about one channel."""
        self.emit(body, channels=(ch.id,))

    # -- channels -------------------------------------------------------------------

    def add_channel(self, ch: Channel) -> Channel:
        """Register a new channel."""
        self.channels[ch.id] = ch
        return ch

    def set_state(self, ch: Channel, state: ChannelState) -> None:
        """Change the channel state and emit ``ChannelStateChange``."""
        if ch.state == state:
            return
        ch.state = state
        self.emit_channel(ch, ev.channel_event("ChannelStateChange", utcnow(), ch))

    def answer(self, ch: Channel) -> None:
        """Answer (``ChannelStateChange`` Up); starts the caller's script on inbound calls."""
        if ch.state == "Up":
            return
        self.set_state(ch, "Up")
        record = self.calls.get(ch.id)
        if record is not None and record.answered_at is None:
            record.answered_at = utcnow()
        for hook in self.answer_hooks:
            hook(ch)

    def set_variable(self, ch: Channel, name: str, value: str, *, report: bool = True) -> None:
        """Set a channel variable or a CALLERID/CONNECTEDLINE function."""
        upper = name.upper()
        if upper.startswith(("CALLERID(", "CONNECTEDLINE(")):
            part = upper.split("(", 1)[1].rstrip(")")
            caller = upper.startswith("CALLERID(")
            if part in {"NUM", "NUMBER"}:
                if caller:
                    ch.caller_number = value
                else:
                    ch.connected_number = value
            elif part == "NAME":
                if caller:
                    ch.caller_name = value
                else:
                    ch.connected_name = value
            return
        ch.variables[name] = value
        if report:
            self.emit_channel(ch, ev.varset(utcnow(), ch, name, value))

    def read_variable(self, ch: Channel, name: str) -> str | None:
        """``GET /channels/{id}/variable``: functions are evaluated, variables looked up."""
        if name.endswith(")"):
            func, _, arg = name[:-1].partition("(")
            arg = arg.lower()
            if func.upper() == "CALLERID":
                return {
                    "num": ch.caller_number,
                    "number": ch.caller_number,
                    "name": ch.caller_name,
                    "all": f'"{ch.caller_name}" <{ch.caller_number}>',
                }.get(arg, "")
            if func.upper() == "CONNECTEDLINE":
                return {"num": ch.connected_number, "name": ch.connected_name}.get(arg, "")
            if func.upper() == "CHANNEL":
                return {"state": ch.state, "name": ch.name, "language": ch.language}.get(arg, "")
            return ""
        if name in ch.variables:
            return ch.variables[name]
        return self.global_vars.get(name)

    def enter_stasis(self, ch: Channel, app: str, args: list[str]) -> None:
        """Run ``Stasis(app,args)`` on the channel: subscribe the app, emit ``StasisStart``."""
        ch.saved_app = (ch.app_name, ch.app_data)
        ch.app_name = "Stasis"
        ch.app_data = ",".join([app, *args])
        ch.stasis_app = app
        self.apps.subscribe_channel(app, ch.id)
        if ch.originated:
            self.set_variable(ch, "STASISSTATUS", "")
        self.emit_channel(ch, ev.channel_event("StasisStart", utcnow(), ch, args=list(args)))

    def leave_stasis(self, ch: Channel) -> None:
        """The channel leaves its application (hangup or continue): ``StasisEnd``."""
        app = ch.stasis_app
        if app is None:
            return
        self.emit_channel(ch, ev.channel_event("StasisEnd", utcnow(), ch))
        ch.stasis_app = None
        if ch.originated:
            self.set_variable(ch, "STASISSTATUS", "SUCCESS")
        ch.app_name, ch.app_data = ch.saved_app
        if not ch.originated:
            # Dialplan-entered channels are unsubscribed at StasisEnd: the app
            # never sees their ChannelDestroyed (see the samples' observations).
            self.apps.unsubscribe_channel(app, ch.id)

    def hangup(
        self,
        ch: Channel,
        *,
        by: HangupBy | None,
        cause: int,
        request: tuple[int | None, bool] | None,
    ) -> None:
        """End a channel with Asterisk's event sequence.

        Args:
            ch: The channel.
            by: Who ended the call, for the lab's records.
            cause: The Q.850 cause ``ChannelDestroyed`` reports.
            request: ``(cause, soft)`` of the ``ChannelHangupRequest`` to emit
                (``(32, True)`` for an app DELETE, ``(None, False)`` for a BYE),
                or None when Asterisk emits none (e.g. a cancelled dial).
        """
        if ch.hanging_up or ch.destroyed:
            return
        ch.hanging_up = True
        if ch.has_media and ch.state in {"Up", "Ring"}:
            for name, value in ev.RTP_QOS_VARIABLES:
                self.set_variable(ch, name, value)
        if request is not None:
            self.emit_channel(ch, ev.hangup_request(utcnow(), ch, request[0], request[1]))
        self.media.abort(f"channel:{ch.id}")
        bridge = self.bridges.get(ch.bridge_id) if ch.bridge_id else None
        if bridge is not None:
            self._leave_bridge(bridge, ch)
        self.leave_stasis(ch)
        peer = self.channels.get(ch.local_peer) if ch.local_peer else None
        if peer is not None and not peer.hanging_up:
            peer.hanging_up = True
            self.emit_channel(peer, ev.hangup_request(utcnow(), peer, 16, False))
            self.emit_channel(peer, ev.hangup_request(utcnow(), peer, 16, True))
            self._destroy(peer, 16, by=None)
        self._destroy(ch, cause, by=by)

    def _destroy(self, ch: Channel, cause: int, *, by: HangupBy | None) -> None:
        ch.destroyed = True
        self.emit_channel(ch, ev.destroyed(utcnow(), ch, cause))
        self.apps.forget(channel_id=ch.id)
        self.channels.pop(ch.id, None)
        current = asyncio.current_task()
        for task in list(ch.tasks):
            if task is not current:
                task.cancel()
        now = utcnow()
        record = self.calls.get(ch.id)
        if record is not None and record.ended_at is None:
            record.ended_at = now
            record.hangup_by = by
            if record.outcome == "in_progress" and by in {"app", "caller"}:
                record.outcome = "hung_up_by_app" if by == "app" else "hung_up_by_caller"
        if ch.originated:
            for call in self.calls.values():
                if call.provider_channel_id == ch.id and call.provider_ended_at is None:
                    call.provider_ended_at = now
        origination = self.originations.get(ch.id)
        if origination is not None and origination.ended_at is None:
            origination.ended_at = now
            origination.hangup_by = by
            origination.cause = cause
            if origination.result == "ringing":
                origination.result = "cancelled"

    # -- bridges --------------------------------------------------------------------

    def create_bridge(self, bridge_id: str | None, bridge_type: str, name: str) -> Bridge:
        """A new Stasis bridge (``holding`` if asked for, else ``mixing``)."""
        kind = "holding" if "holding" in bridge_type.split(",") else "mixing"
        bridge = Bridge(id=bridge_id or str(uuid.uuid4()), name=name, bridge_type=kind)
        self.bridges[bridge.id] = bridge
        return bridge

    def add_to_bridge(self, bridge: Bridge, members: list[Channel]) -> None:
        """``addChannel``: enter each channel, then update peers like a two-party bridge."""
        for ch in members:
            if ch.bridge_id == bridge.id:
                continue
            old = self.bridges.get(ch.bridge_id) if ch.bridge_id else None
            if old is not None:
                self._leave_bridge(old, ch)
            bridge.channels.append(ch.id)
            ch.bridge_id = bridge.id
            if ch.stasis_app:
                self.apps.subscribe_bridge(ch.stasis_app, bridge.id)
            self.emit(
                ev.bridge_event("ChannelEnteredBridge", utcnow(), bridge, ch),
                channels=(ch.id,),
                bridges=(bridge.id,),
            )
        inside = [self.channels[c] for c in bridge.channels if c in self.channels]
        if bridge.bridge_type == "mixing" and len(inside) >= 2:
            for ch in inside:
                peers = ",".join(o.name for o in inside if o is not ch)
                if ch.variables.get("BRIDGEPEER") != peers:
                    self.set_variable(ch, "BRIDGEPEER", peers)
            if len(inside) == 2:
                first, second = inside
                for ch, other in ((first, second), (second, first)):
                    if (ch.connected_name, ch.connected_number) != (
                        other.caller_name,
                        other.caller_number,
                    ):
                        ch.connected_name = other.caller_name
                        ch.connected_number = other.caller_number
                        self.emit_channel(
                            ch, ev.channel_event("ChannelConnectedLine", utcnow(), ch)
                        )
        self._note_bridged(bridge, inside)

    def remove_from_bridge(self, bridge: Bridge, ch: Channel) -> None:
        """``removeChannel``: the channel stays in Stasis."""
        self._leave_bridge(bridge, ch)

    def destroy_bridge(self, bridge: Bridge) -> None:
        """``DELETE /bridges/{id}``: members leave (and stay in Stasis), then BridgeDestroyed."""
        self.media.abort(f"bridge:{bridge.id}")
        for channel_id in list(bridge.channels):
            ch = self.channels.get(channel_id)
            if ch is not None:
                self._leave_bridge(bridge, ch)
        self.emit(ev.bridge_event("BridgeDestroyed", utcnow(), bridge, None), bridges=(bridge.id,))
        self.apps.forget(bridge_id=bridge.id)
        self.bridges.pop(bridge.id, None)

    def _leave_bridge(self, bridge: Bridge, ch: Channel) -> None:
        if ch.id in bridge.channels:
            bridge.channels.remove(ch.id)
        ch.bridge_id = None
        if ch.variables.get("BRIDGEPEER"):
            self.set_variable(ch, "BRIDGEPEER", "")
        self.emit(
            ev.bridge_event("ChannelLeftBridge", utcnow(), bridge, ch),
            channels=(ch.id,),
            bridges=(bridge.id,),
        )

    def _note_bridged(self, bridge: Bridge, inside: list[Channel]) -> None:
        providers = [c for c in inside if c.originated and c.state == "Up"]
        if not providers or bridge.bridge_type != "mixing":
            return
        provider = providers[-1]
        for ch in inside:
            record = self.calls.get(ch.id)
            if (
                record is not None
                and record.ended_at is None
                and record.outcome in {"in_progress", "bridged"}
            ):
                record.outcome = "bridged"
                record.endpoint = provider.endpoint
                record.provider_channel_id = provider.id
                record.bridge_id = bridge.id

    def continue_now(self, ch: Channel, context: str, exten: str, priority: int) -> None:
        """Leave Stasis for the dialplan now (the control queue calls this in its turn)."""
        if ch.destroyed or ch.stasis_app is None:
            return
        bridge = self.bridges.get(ch.bridge_id) if ch.bridge_id else None
        if bridge is not None:
            self._leave_bridge(bridge, ch)
        ch.context, ch.exten, ch.priority = context, exten, priority
        self.leave_stasis(ch)
        if ch.app_originated:
            # ari_originate_dial() ran Stasis() itself, not a dialplan: when Stasis
            # returns, the dial thread hangs the channel up (no ChannelHangupRequest).
            self.hangup(ch, by="app", cause=16, request=None)
            return
        ch.app_name, ch.app_data = "", ""
        record = self.calls.get(ch.id)
        if record is not None and record.ended_at is None:
            record.outcome = "continued"
            record.context, record.continued_exten, record.priority = context, exten, priority
        self.spawn(self._dialplan_then_hangup(ch), ch, name=f"dialplan {ch.id}")

    async def _dialplan_then_hangup(self, ch: Channel) -> None:
        """A channel sent back to the dialplan ends there after a while (queue, voicemail ...)."""
        if self.config.dialplan_hold_ms < 0:
            return
        await asyncio.sleep(self.config.dialplan_hold_ms / 1000)
        self.hangup(ch, by="dialplan", cause=16, request=None)

    def dialplan_stasis(self, ch: Channel, app: str, args: list[str]) -> None:
        """The dialplan runs ``Stasis(app,args)``: enter it, or take the fallback if it fails."""
        if app and self.apps.is_active(app):
            self.enter_stasis(ch, app, args)
            return
        self.set_variable(ch, "STASISSTATUS", "FAILED")
        self.dialplan_fallback(ch)

    def dialplan_fallback(self, ch: Channel) -> None:
        """Stasis() failed (app not connected): the dialplan sends the call to its fallback."""
        config = self.config
        ch.context, ch.exten, ch.priority = config.fallback_context, config.fallback_exten, 1
        ch.app_name, ch.app_data = "Dial", f"PJSIP/{config.fallback_exten}"
        record = self.calls.get(ch.id)
        if record is not None:
            record.context, record.continued_exten, record.priority = ch.context, ch.exten, 1
        self.spawn(self._dialplan_then_hangup(ch), ch, name=f"fallback {ch.id}")
