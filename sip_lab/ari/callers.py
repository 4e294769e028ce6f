"""Simulated callers: inbound SIP calls that run ``Stasis(app,args)`` and follow a script.

A call arrives on the inbound trunk (``PJSIP/national111-...``, state Ring) and
the dialplan runs ``Stasis()``. If no socket holds the application, Stasis fails
(``STASISSTATUS=FAILED``) and the dialplan's fallback takes the call: no event
is sent, as on Asterisk. Otherwise the app gets ``StasisStart`` and the caller
waits: the script starts when the app answers, each step ``after_ms`` after the
previous one; an unanswered call is abandoned after ``ring_timeout_ms``.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sip_lab.ari import events as ev
from sip_lab.ari.engine import Engine
from sip_lab.ari.state import CallRecord, Channel, utcnow

DTMF_DIGITS = frozenset("0123456789*#ABCD")


@dataclass(frozen=True, slots=True)
class ScriptStep:
    """One thing the caller does: press digits and/or hang up, ``after_ms`` after the last."""

    after_ms: int = 0
    dtmf: str = ""
    hangup: bool = False
    say: str = ""
    """Words the caller speaks: what a recording of the channel will carry."""


@dataclass(frozen=True, slots=True)
class InboundCall:
    """What ``POST /_lab/calls`` asks for."""

    caller: str
    caller_name: str
    exten: str
    app: str
    args: tuple[str, ...]
    script: tuple[ScriptStep, ...]
    ring_timeout_ms: int


class Callers:
    """Places inbound calls and plays the callers' parts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._scripts: dict[str, tuple[ScriptStep, ...]] = {}
        engine.answer_hooks.append(self._answered)

    def place(self, call: InboundCall) -> Channel:
        """A new inbound call; returns its channel (already in Stasis, or in the fallback)."""
        engine = self.engine
        config = engine.config
        ch = engine.add_channel(
            Channel(
                id=engine.new_uniqueid(),
                name=engine.channel_name("PJSIP", config.inbound_endpoint),
                tech="PJSIP",
                resource=config.inbound_endpoint,
                state="Ring",
                protocol_id=f"{uuid.uuid4().hex[:20]}@192.0.2.10",
                caller_name=call.caller_name,
                caller_number=call.caller,
                context=config.inbound_context,
                exten=call.exten,
                priority=config.inbound_priority,
                app_name="",
                app_data="",
                language=config.language,
                inbound=True,
            )
        )
        record = CallRecord(
            channel_id=ch.id,
            caller=call.caller,
            caller_name=call.caller_name,
            exten=call.exten,
            app=call.app,
            args=list(call.args),
        )
        engine.calls[ch.id] = record
        if not engine.apps.is_active(call.app):
            ch.variables["STASISSTATUS"] = "FAILED"
            record.outcome = "stasis_failed"
            engine.dialplan_fallback(ch)
            return ch
        self._scripts[ch.id] = call.script
        engine.enter_stasis(ch, call.app, list(call.args))
        if call.ring_timeout_ms >= 0:
            engine.spawn(self._ring_timeout(ch, call.ring_timeout_ms), ch, name=f"ring {ch.id}")
        return ch

    def _answered(self, ch: Channel) -> None:
        script = self._scripts.pop(ch.id, None)
        if script is not None:
            self.engine.spawn(self._run(ch, script), ch, name=f"caller {ch.id}")

    async def _ring_timeout(self, ch: Channel, ring_timeout_ms: int) -> None:
        await asyncio.sleep(ring_timeout_ms / 1000)
        if ch.state != "Up" and not ch.destroyed:
            record = self.engine.calls.get(ch.id)
            if record is not None:
                record.abandoned = True
            self._scripts.pop(ch.id, None)
            self.engine.hangup(ch, by="caller", cause=16, request=(None, False))

    def act(self, ch: Channel, step: ScriptStep) -> None:
        """The caller does ``step`` now (the control plane's ``POST .../act``)."""
        self.engine.spawn(self._run(ch, (step,), scripted=False), ch, name=f"act {ch.id}")

    async def _run(
        self, ch: Channel, script: tuple[ScriptStep, ...], *, scripted: bool = True
    ) -> None:
        engine = self.engine
        record = engine.calls.get(ch.id)
        for step in script:
            await asyncio.sleep(step.after_ms / 1000)
            if ch.destroyed:
                return
            for index, digit in enumerate(step.dtmf):
                if index:
                    await asyncio.sleep(engine.config.dtmf_interval_ms / 1000)
                    if ch.destroyed:
                        return
                if record is not None:
                    record.dtmf_sent += digit
                duration = 100 + (ord(digit) * 37 + len(ch.id) * 11 + index * 53) % 151
                engine.emit_channel(
                    ch,
                    ev.channel_event(
                        "ChannelDtmfReceived", utcnow(), ch, digit=digit, duration_ms=duration
                    ),
                )
                engine.media.dtmf(ch.id, digit)
            if step.say:
                engine.media.speak(ch.id, step.say)
            if step.hangup:
                if record is not None and scripted:
                    record.script_done = True
                engine.hangup(ch, by="caller", cause=16, request=(None, False))
                return
        if record is not None and scripted:
            record.script_done = True

    def forget(self) -> None:
        """Drop pending scripts (``POST /_lab/reset``)."""
        self._scripts.clear()
