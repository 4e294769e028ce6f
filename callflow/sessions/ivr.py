"""Phase 1 of a call: the routing script, fed ARI events and obeyed over ARI.

The script (``ivr_scripts.step``) is pure, so everything it cannot do itself
happens here: its commands are carried out (play, stop, record, timers), ARI
events are translated into the script's events, and a capture's recording is
turned into the fields the script asked for. Timers are deadlines on the queue
read, so the clock stays in the shell. A command that fails comes back to the
script as ``CommandFailed``; only the caller leaving (``CallerGone``) ends the
phase early. The loop between these and ``step`` is the session's own.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime
from typing import TYPE_CHECKING, assert_never

from callflow.ari import (
    AriError,
    ChannelDtmfReceived,
    PlaybackFinished,
    QueueItem,
    RecordingFailed,
    RecordingFinished,
)
from callflow.events import CallEventType
from ivr_scripts import commands, events

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)

DEBOUNCE_S = 0.08


class ScriptPhase:
    """Carries out the script's commands on one call and brings the script its events.

    It keeps what only the script phase needs (timers, playbacks, captures);
    the session asks it for ``playbacks`` after a reconnect.
    """

    def __init__(self, session: CallSession) -> None:
        self.session = session
        self.playbacks: dict[str, str] = {}  # ARI playback id -> interpreter ref
        self._refs: dict[str, str] = {}  # interpreter ref -> ARI playback id
        self._timers: dict[str, float] = {}
        self._captures: dict[str, tuple[str, tuple[str, ...]]] = {}  # recording -> capture
        self._last_dtmf: tuple[str, datetime] | None = None

    async def execute(self, command: commands.Command) -> events.CommandFailed | None:
        """Carry out one non-terminal command; a failure comes back as an event."""
        session = self.session
        ari = session.deps.ari
        match command:
            case commands.Play(ref=ref, media=media):
                playback_id = session.new_id("pb")
                self.playbacks[playback_id] = ref
                self._refs[ref] = playback_id
                session.deps.router.register(playback_id, session.queue)
                try:
                    await session.caller_request(
                        ari.play(session.channel_id, list(media), playback_id=playback_id)
                    )
                except AriError as exc:
                    log.warning("call %s: play failed (%s)", session.call_id, type(exc).__name__)
                    return events.CommandFailed(ref, "play-failed")
            case commands.StopPlayback(ref=ref):
                stopping = self._refs.pop(ref, None)
                if stopping is not None:
                    self.playbacks.pop(stopping, None)
                    try:
                        await ari.stop_playback(stopping)
                    except AriError as exc:
                        log.info("call %s: stop playback: %s", session.call_id, type(exc).__name__)
            case commands.StartTimer(name=name, seconds=seconds):
                self._timers[name] = asyncio.get_running_loop().time() + seconds
            case commands.CancelTimer(name=name):
                self._timers.pop(name, None)
            case commands.Capture(ref=ref, fields=fields, max_seconds=max_seconds):
                name = session.new_id("rec")
                session.deps.router.register(name, session.queue)
                session.recording_started(name)
                self._captures[name] = (ref, fields)
                try:
                    await session.caller_request(
                        ari.record(
                            session.channel_id,
                            name=name,
                            format="wav",
                            max_duration_s=max(1, math.ceil(max_seconds)),
                            max_silence_s=2,
                            if_exists="overwrite",
                        )
                    )
                except AriError as exc:
                    self._captures.pop(name, None)
                    log.warning("call %s: record failed (%s)", session.call_id, type(exc).__name__)
                    return events.CommandFailed(ref, "capture-failed")
            case commands.StopCapture(ref=ref):
                for name, (capture_ref, _fields) in list(self._captures.items()):
                    if capture_ref == ref:
                        del self._captures[name]
            case commands.SendSms(ref=ref, template=template):
                await session.publish(CallEventType.SMS_REQUESTED, template=template)
                return events.CommandFailed(ref, "sms-gateway-not-configured")
            case commands.Notify(ref=ref, target=target):
                await session.publish(CallEventType.NOTIFY_REQUESTED, target=target)
                return events.CommandFailed(ref, "notify-target-not-configured")
            case commands.Route() | commands.Transfer() | commands.Hangup():
                raise AssertionError("terminal commands are handled by the IVR loop")
            case _:
                assert_never(command)
        return None

    async def next_event(self) -> events.Event:
        while True:
            timeout: float | None = None
            if self._timers:
                name, deadline = min(self._timers.items(), key=lambda item: item[1])
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    del self._timers[name]
                    return events.TimerFired(name)
            try:
                item = await asyncio.wait_for(self.session.queue.get(), timeout)
            except TimeoutError:
                continue
            if isinstance(item, RecordingFinished | RecordingFailed):
                capture = self._captures.pop(item.recording.name, None)
                if capture is not None:
                    if isinstance(item, RecordingFailed):
                        return events.CommandFailed(capture[0], "recording-failed")
                    return await self._recognise(item.recording.name, *capture)
                continue
            translated = self._translate(item)
            if translated is not None:
                return translated

    async def _recognise(
        self, name: str, ref: str, fields: tuple[str, ...]
    ) -> events.CaptureCompleted | events.CommandFailed:
        heard = await self.session.hear(name, fields)
        if isinstance(heard, str):
            return events.CommandFailed(ref, heard)
        await self.session.note_heard(heard)
        return events.CaptureCompleted(ref, heard.values)

    def _translate(self, item: QueueItem) -> events.Event | None:
        """ARI event -> interpreter event; raises CallerGone when the caller left."""
        self.session.check_caller_gone(item)
        if isinstance(item, PlaybackFinished):
            ref = self.playbacks.pop(item.playback.id, None)
            if ref is not None:
                self._refs.pop(ref, None)
                if item.playback.state == "failed":
                    # Asterisk 22 could not play it (a sound file that is not there):
                    # the caller heard nothing, so the script must not go on as if.
                    log.warning("call %s: prompt not played (failed)", self.session.call_id)
                    return events.CommandFailed(ref, "playback-failed")
                return events.PlaybackFinished(ref)
        elif isinstance(item, ChannelDtmfReceived) and item.channel.id == self.session.channel_id:
            last = self._last_dtmf
            self._last_dtmf = (item.digit, item.timestamp)
            # One press reported twice (RFC 4733 end packets, re-INVITEs) is one digit.
            if last and last[0] == item.digit and _seconds(last[1], item.timestamp) < DEBOUNCE_S:
                return None
            return events.DtmfReceived(item.digit)
        return None


def _seconds(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds()
