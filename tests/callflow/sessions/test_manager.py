"""Resync after a reconnect: which channels Asterisk reports are calls to adopt.

``GET /applications/{app}`` lists every channel the app is subscribed to. On a
real Asterisk that is more than the channels in Stasis: a leg originated into
the app is subscribed while it rings (``ari_channels_handle_originate_with_id``)
and until it is destroyed, so also after it was handed to the dialplan.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest

from callflow.ari import Application, CallQueue, Channel, EventRouter, Resync, StasisStart
from callflow.sessions import CallSession, SessionManager
from callflow.sessions.deps import SessionDeps
from tests.callflow.ari.factories import channel as channel_json

APP = "urgentline"


def channel(channel_id: str, app_name: str, app_data: str, state: str = "Up") -> Channel:
    data = channel_json(channel_id, state=state)
    data["dialplan"].update(app_name=app_name, app_data=app_data)
    return Channel.model_validate(data)


class FakeAri:
    def __init__(self) -> None:
        self.hung_up: list[str] = []

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        self.hung_up.append(channel_id)


class FakeSession:
    def __init__(self, channel_id: str, leg: str | None = None) -> None:
        self.channel_id = channel_id
        self.leg = leg
        self.reconciled = 0

    async def reconcile(self, live: dict[str, Channel]) -> None:
        self.reconciled += 1


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> tuple[SessionManager, FakeAri, list[str]]:
    ari = FakeAri()
    deps = SimpleNamespace(app=APP, ari=ari, router=EventRouter(lambda *_: None))
    manager = SessionManager(cast(SessionDeps, deps), script=lambda: cast(Any, None))
    adopted: list[str] = []

    def start(event: StasisStart, adopted_flag: bool) -> CallQueue:
        adopted.append(event.channel.id)
        return asyncio.Queue()

    monkeypatch.setattr(manager, "_start", lambda event, adopted: start(event, adopted))
    return manager, ari, adopted


async def test_only_unknown_channels_in_stasis_are_adopted(
    manager: tuple[SessionManager, FakeAri, list[str]],
) -> None:
    mgr, ari, adopted = manager
    # A call whose caller was rung back: its channel is now the call back's, not
    # the inbound one it was registered under.
    called_back = FakeSession("call-cb1", leg="call-leg2")
    mgr._sessions["inbound-1"] = cast(CallSession, called_back)
    live = [
        channel("call-cb1", "Stasis", f"{APP},callback,call"),  # the session's caller now
        channel("call-leg2", "Stasis", f"{APP},dialed,call"),  # its provider leg
        channel("stranded", "Stasis", f"{APP},inbound"),  # a call nobody holds: adopt
        channel("orphan-leg", "Stasis", f"{APP},dialed,gone"),  # a leg whose call ended
        channel("ringing", "AppDial2", "(Outgoing Line)", state="Ringing"),  # not answered yet
        channel("handed-over", "Dial", "PJSIP/default111,60"),  # continued to the dialplan
        channel("elsewhere", "Stasis", "another-app,inbound"),
    ]
    app = Application(name=APP, channel_ids=[c.id for c in live])
    await mgr.on_resync(Resync(application=app, channels=live))
    await asyncio.sleep(0)
    assert adopted == ["stranded"]
    assert ari.hung_up == ["orphan-leg"]
    assert called_back.reconciled == 1


async def test_a_leg_up_but_not_yet_in_stasis_is_not_taken_for_answered() -> None:
    """Asterisk reports Up a moment before StasisStart; only a leg in Stasis can be bridged."""
    queue: CallQueue = asyncio.Queue()
    session = SimpleNamespace(
        deps=SimpleNamespace(app=APP),
        channel_id="caller",
        leg="leg",
        queue=queue,
        awaited_playbacks=lambda: [],
    )
    live = {
        "caller": channel("caller", "Stasis", f"{APP},inbound"),
        "leg": channel("leg", "AppDial2", "(Outgoing Line)"),
    }
    await CallSession.reconcile(cast(CallSession, session), live)
    assert queue.empty()
    live["leg"] = channel("leg", "Stasis", f"{APP},dialed,call")
    await CallSession.reconcile(cast(CallSession, session), live)
    started = queue.get_nowait()
    assert isinstance(started, StasisStart) and started.channel.id == "leg"


async def test_a_released_caller_is_not_taken_for_gone() -> None:
    """While a call back is pending the session has no channel; nothing of it was lost."""
    queue: CallQueue = asyncio.Queue()
    session = SimpleNamespace(
        deps=SimpleNamespace(app=APP),
        channel_id="",
        leg=None,
        queue=queue,
        awaited_playbacks=lambda: [],
    )
    await CallSession.reconcile(cast(CallSession, session), {})
    assert queue.empty()
