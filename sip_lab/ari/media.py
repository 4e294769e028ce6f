"""Playbacks, recordings and the per-channel control queue.

Asterisk runs a channel's play, record and continue commands one after another
on the channel's Stasis control thread, so a second play waits for the first,
a recording starts after queued prompts and a continue takes effect when the
prompt in front of it ends. Bridges have the same kind of queue (their
announcer/recorder channel). Each queue is drained by one engine-owned task.

Playback events follow ``res_stasis_playback.c``: ``PlaybackStarted`` per media
item, ``PlaybackContinuing`` between items, ``PlaybackFinished`` with state
``done`` (finished or stopped) or ``failed`` (the channel hung up, or the last
media's file is missing: ``SimConfig.missing_media``). Recording
events follow ``res_stasis_recording.c``: ``RecordingStarted``, then
``RecordingFinished`` (done or canceled) when it stops, is stopped, or the
channel hangs up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import TYPE_CHECKING

from sip_lab.ari import events as ev
from sip_lab.ari.state import ControlQueue, Playback, Recording, utcnow
from sip_lab.ari.types import JsonObject

if TYPE_CHECKING:
    from sip_lab.ari.engine import Engine

RECORDING_FORMATS = frozenset({"wav", "wav16", "gsm", "ulaw", "alaw", "sln", "g722", "ogg", "WAV"})
"""File formats a stock Asterisk can write (anything else: 422)."""


class Media:
    """Everything that plays or records, and the queues that order it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.playbacks: dict[str, Playback] = {}
        self.recordings: dict[str, Recording] = {}
        self.stored: dict[str, str] = {}
        """Finished recordings: name -> format (``/recordings/stored``)."""
        self.files: dict[str, bytes] = {}
        """Finished recordings' contents: the lab transcript as JSON, not audio."""
        self.speech: dict[str, str] = {}
        """Words a caller said with no recording running: the next recording hears them."""
        self.controls: dict[str, ControlQueue] = {}

    def clear(self) -> None:
        """Forget everything (``POST /_lab/reset``; the engine cancelled the tasks)."""
        self.playbacks.clear()
        self.recordings.clear()
        self.stored.clear()
        self.files.clear()
        self.speech.clear()
        self.controls.clear()

    # -- commands -----------------------------------------------------------------

    def queue_playback(
        self, target_uri: str, media: list[str], language: str, playback_id: str | None
    ) -> Playback:
        """Queue a playback on a channel or bridge; it starts when the queue reaches it."""
        pb_id = playback_id or str(uuid.uuid4())
        pb = Playback(id=pb_id, media=media, target_uri=target_uri, language=language)
        self.playbacks[pb.id] = pb
        self._enqueue(target_uri, pb)
        return pb

    def queue_recording(self, recording: Recording) -> None:
        """Queue a recording; ``RecordingStarted`` when the queue reaches it."""
        self.recordings[recording.name] = recording
        self.stored.pop(recording.name, None)
        self._enqueue(recording.target_uri, recording)

    def queue_continue(self, channel_id: str, context: str, exten: str, priority: int) -> None:
        """``continueInDialplan``: leaves Stasis once the commands before it are done."""
        self._enqueue(f"channel:{channel_id}", (context, exten, priority))

    def stop_playback(self, pb: Playback) -> None:
        """``DELETE /playbacks/{id}``: PlaybackFinished (done) follows asynchronously."""
        pb.stop_requested = True
        pb.stopped.set()

    def stop_recording(self, recording: Recording, *, cancel: bool) -> None:
        """Stop (keep the file) or cancel (discard it) a live recording."""
        recording.stop_requested = True
        recording.cancel = cancel
        recording.stopped.set()

    def speak(self, channel_id: str, text: str) -> None:
        """The caller speaks: a running recording hears it and ends (silence follows)."""
        queue = self.controls.get(f"channel:{channel_id}")
        current = queue.current if queue else None
        if isinstance(current, Recording) and current.state == "recording":
            current.transcript = text
            self.stop_recording(current, cancel=False)
        else:
            self.speech[channel_id] = text

    def dtmf(self, channel_id: str, digit: str) -> None:
        """A caller's digit: it ends a recording whose ``terminateOn`` matches."""
        queue = self.controls.get(f"channel:{channel_id}")
        current = queue.current if queue else None
        if (
            isinstance(current, Recording)
            and current.state == "recording"
            and current.terminate_on in {"any", digit}
        ):
            self.stop_recording(current, cancel=False)

    def abort(self, key: str) -> None:
        """The target is gone (hangup, bridge destroyed): end what runs, drop what waits."""
        queue = self.controls.pop(key, None)
        if queue is None:
            return
        if queue.worker is not None and queue.worker is not asyncio.current_task():
            queue.worker.cancel()
        current = queue.current
        if isinstance(current, Playback) and current.id in self.playbacks:
            self._finish_playback(current, "failed")
        elif isinstance(current, Recording) and current.name in self.recordings:
            self._finish_recording(current)
        for command in queue.commands:
            if isinstance(command, Playback):
                self.playbacks.pop(command.id, None)
            elif isinstance(command, Recording):
                self.recordings.pop(command.name, None)
        queue.commands.clear()

    # -- the queue ------------------------------------------------------------------

    def _enqueue(self, key: str, command: Playback | Recording | tuple[str, str, int]) -> None:
        queue = self.controls.setdefault(key, ControlQueue())
        queue.commands.append(command)
        if queue.worker is None or queue.worker.done():
            kind, _, ident = key.partition(":")
            owner = self.engine.channels.get(ident) if kind == "channel" else None
            queue.worker = self.engine.spawn(
                self._run_queue(key, queue), owner, name=f"control {key}"
            )

    async def _run_queue(self, key: str, queue: ControlQueue) -> None:
        while queue.commands:
            command = queue.commands.popleft()
            if isinstance(command, tuple):
                ch = self.engine.channels.get(key.partition(":")[2])
                if ch is not None:
                    self.engine.continue_now(ch, *command)
                continue
            queue.current = command
            if isinstance(command, Playback):
                await self._play(command)
            else:
                await self._record(command)
            queue.current = None
        if self.controls.get(key) is queue:
            del self.controls[key]

    # -- playbacks ------------------------------------------------------------------

    async def _play(self, pb: Playback) -> None:
        if pb.stop_requested:
            self._finish_playback(pb, "done")
            return
        for index, uri in enumerate(pb.media):
            pb.index = index
            pb.state = "playing"
            self._emit(ev.playback_event("PlaybackStarted", utcnow(), pb), pb.target_uri)
            if uri in self.engine.config.missing_media:
                # playback_final_update(): the file did not open. A failed media in the
                # middle continues with the next one; a failed last one ends the
                # playback "failed" (Asterisk logs "Playback failed for ...").
                if index == len(pb.media) - 1:
                    self._finish_playback(pb, "failed")
                    return
                pb.state = "continuing"
                self._emit(ev.playback_event("PlaybackContinuing", utcnow(), pb), pb.target_uri)
                continue
            self._note_media(pb, uri)
            duration = self.engine.config.media_duration_ms(uri) / 1000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pb.stopped.wait(), duration)
            if pb.stop_requested:
                self._finish_playback(pb, "done")
                return
            if index < len(pb.media) - 1:
                pb.state = "continuing"
                self._emit(ev.playback_event("PlaybackContinuing", utcnow(), pb), pb.target_uri)
        self._finish_playback(pb, "done")

    def _finish_playback(self, pb: Playback, state: str) -> None:
        pb.state = state
        self._emit(ev.playback_event("PlaybackFinished", utcnow(), pb), pb.target_uri)
        self.playbacks.pop(pb.id, None)

    def _note_media(self, pb: Playback, uri: str) -> None:
        engine = self.engine
        if pb.target_kind == "bridge":
            bridge = engine.bridges.get(pb.target_id)
            listeners = list(bridge.channels) if bridge else []
        else:
            listeners = [pb.target_id]
        for channel_id in listeners:
            record = engine.calls.get(channel_id)
            if record is not None:
                record.media_played.append(uri)

    # -- recordings -----------------------------------------------------------------

    async def _record(self, recording: Recording) -> None:
        if recording.stop_requested:
            self._finish_recording(recording)
            return
        recording.state = "recording"
        recording.started = asyncio.get_running_loop().time()
        kind, _, ident = recording.target_uri.partition(":")
        if kind == "channel" and ident in self.speech:
            # The caller spoke just before the recording started: it hears them.
            recording.transcript = self.speech.pop(ident)
            recording.stop_requested = True
            recording.stopped.set()
        started = ev.recording_event("RecordingStarted", utcnow(), recording)
        self._emit(started, recording.target_uri)
        limits: list[float] = []
        if recording.max_duration_s > 0:
            limits.append(recording.max_duration_s)
        if recording.max_silence_s > 0:
            limits.append(self.engine.config.caller_talk_ms / 1000 + recording.max_silence_s)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(recording.stopped.wait(), min(limits) if limits else None)
        self._finish_recording(recording)

    def _finish_recording(self, recording: Recording) -> None:
        elapsed = asyncio.get_running_loop().time() - recording.started if recording.started else 0
        recording.duration_s = round(elapsed)
        recording.state = "canceled" if recording.cancel else "done"
        finished = ev.recording_event("RecordingFinished", utcnow(), recording)
        self._emit(finished, recording.target_uri)
        self.recordings.pop(recording.name, None)
        if not recording.cancel:
            self.stored[recording.name] = recording.format
            self.files[recording.name] = json.dumps(
                {"lab_transcript": recording.transcript}
            ).encode()

    def _emit(self, body: JsonObject, target_uri: str) -> None:
        kind, _, ident = target_uri.partition(":")
        if kind == "bridge":
            self.engine.emit(body, bridges=(ident,))
        else:
            self.engine.emit(body, channels=(ident,))
