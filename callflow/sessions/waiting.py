"""What a queuing caller hears and says besides the hold music.

Two things fill the wait, one at a time and never over a clinician's answer:

* **Details first.** Soon after joining the queue the caller is asked for the
  fields a clinician would otherwise ask (name, date of birth, postcode by
  default) unless the script already captured them. A field heard with low
  confidence is read back ("I heard S E 1 5 4 Q T. If that is right, press 1;
  if not, press 2" - or say yes / no); a "no" drops it, because a wrong date
  of birth in a handoff is worse than none. What is kept goes into the handoff
  as caller-stated and unverified.
* **Place and expected wait**, at a first delay and then periodically, from the
  shared queue's recent pace (no estimate is given until it has one).

The companion reads the call's own event queue while it talks to the caller.
A clinician's offer arriving meanwhile stops whatever is playing or recording
and is handed straight back to the session (``Offered``), so a caller is never
kept from a free clinician by an announcement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from callflow.ari import (
    AriError,
    ChannelDtmfReceived,
    PlaybackFinished,
    QueueItem,
    RecordingFailed,
    RecordingFinished,
)
from callflow.sessions.hearing import Heard, wanted_fields
from callflow.sessions.signals import QueueOffer
from ivr_scripts import commands
from nlp.answers import yes_no

if TYPE_CHECKING:
    from callflow.sessions.session import CallSession

log = logging.getLogger(__name__)

PROMPT = "sound:urgentline/"
READABLE = {
    "postcode": "characters",
    "date_of_birth": "digits",
    "nhs_number": "digits",
    "callback_number": "digits",
}
"""How Asterisk can say a field back without text-to-speech (names cannot be)."""


@dataclass(frozen=True, slots=True)
class WaitingSettings:
    announce_first_s: float = 30.0
    announce_every_s: float = 60.0
    """0: never announce the place in the queue."""
    capture_after_s: float = 3.0
    capture_fields: tuple[str, ...] = ("name", "date_of_birth", "postcode")
    """Empty: never ask while queuing."""
    capture_max_s: int = 15
    readback_below: float = 0.85
    """Fields heard with less confidence than this are read back for a yes / no."""
    answer_timeout_s: float = 5.0


class Offered(Exception):
    """A clinician became free while the companion was talking to the caller."""

    def __init__(self, offer: QueueOffer) -> None:
        super().__init__(offer.provider)
        self.offer = offer


def position_media(position: int, expected_wait_s: float | None) -> list[str]:
    """ "You are number 3 in the queue. Your expected wait is about 4 minutes."."""
    media = [f"{PROMPT}queue-position", f"number:{position}", f"{PROMPT}queue-in-the-queue"]
    if expected_wait_s is not None:
        minutes = max(1, math.ceil(expected_wait_s / 60))
        media += [f"{PROMPT}queue-expected-wait", f"number:{minutes}", f"{PROMPT}queue-minutes"]
    return media


def readback_media(name: str, value: str) -> list[str] | None:
    """The read-back of one field, or None when it cannot be said without TTS."""
    kind = READABLE.get(name)
    if kind is None:
        return None
    spoken = "".join(ch for ch in value if ch.isalnum())
    if kind == "digits":
        spoken = "".join(ch for ch in spoken if ch.isdigit())
    if not spoken:
        return None
    return [
        f"{PROMPT}readback-{name.replace('_', '-')}",
        f"{kind}:{spoken}",
        f"{PROMPT}readback-confirm",
    ]


class QueueCompanion:
    """Runs the queue-time activities of one call's wait (see the module docstring).

    It is part of the session, split out by phase: it uses the session's own
    helpers (``caller_request``, ``new_id``, ``check_caller_gone``) rather than copies.
    """

    def __init__(self, session: CallSession, settings: WaitingSettings) -> None:
        self.session = session
        self.settings = settings
        now = asyncio.get_running_loop().time()
        self._capture_at: float | None = None
        if settings.capture_fields and self._fields_to_ask():
            self._capture_at = now + settings.capture_after_s
        self._announce_at: float | None = None
        if settings.announce_every_s > 0:
            self._announce_at = now + settings.announce_first_s
        self._playback: str | None = None
        self._recording: str | None = None

    @property
    def playback(self) -> str | None:
        """The prompt being played to the caller now, if any."""
        return self._playback

    @property
    def due_at(self) -> float | None:
        due = [t for t in (self._capture_at, self._announce_at) if t is not None]
        return min(due) if due else None

    def postpone(self, seconds: float) -> None:
        """Something else is talking to the caller: try again a little later."""
        later = asyncio.get_running_loop().time() + seconds
        if self._capture_at is not None:
            self._capture_at = max(self._capture_at, later)
        if self._announce_at is not None:
            self._announce_at = max(self._announce_at, later)

    async def run(self) -> QueueOffer | None:
        """Do what is due; a clinician's offer that arrived meanwhile comes back."""
        loop = asyncio.get_running_loop()
        try:
            if self._capture_at is not None and loop.time() >= self._capture_at:
                self._capture_at = None
                await self._capture()
            else:
                self._announce_at = loop.time() + self.settings.announce_every_s
                await self._announce()
        except Offered as offered:
            await self._stop_talking()
            return offered.offer
        await self.session.hold_music()
        return None

    # ------------------------------------------------------------------ activities

    async def _announce(self) -> None:
        pathway = self.session.queued
        if pathway is None:
            return
        estimate = await self.session.deps.queues.expected_wait_s(self.session.call_id, pathway)
        if estimate is None:
            return
        await self._play(position_media(*estimate))

    def _fields_to_ask(self) -> tuple[str, ...]:
        """The configured fields the script has not already captured."""
        decision = self.session.decision
        have = {name for name, _value in decision.caller_data} if decision else set()
        return tuple(
            f for f in self.settings.capture_fields if not set(wanted_fields((f,))) <= have
        )

    async def _capture(self) -> None:
        fields = self._fields_to_ask()
        if not fields or not isinstance(self.session.decision, commands.Route):
            return
        await self._play([f"{PROMPT}queue-details-ask"])
        heard = await self._record(fields, self.settings.capture_max_s)
        if not isinstance(heard, Heard) or not heard.values:
            return
        kept: list[tuple[str, str]] = []
        for name, value in heard.values:
            if heard.confidence.get(name, 0.0) >= self.settings.readback_below:
                kept.append((name, value))
                continue
            media = readback_media(name, value)
            if media is None:
                kept.append((name, value))  # unverified in the handoff either way
                continue
            if await self._confirm(media) is not False:
                kept.append((name, value))
        dropped = tuple(name for name, value in heard.values if (name, value) not in kept)
        heard = replace(heard, values=tuple(kept), missing=(*heard.missing, *dropped))
        await self.session.note_heard(heard)
        decision = self.session.decision
        if isinstance(decision, commands.Route):
            self.session.decision = replace(
                decision, caller_data=(*decision.caller_data, *heard.values)
            )

    async def _confirm(self, media: list[str]) -> bool | None:
        """Read a field back; 1 / "yes" keeps it, 2 / "no" drops it, silence keeps it."""
        digit = await self._play(media, digits="12")
        if digit is None:
            answer = await self._record((), math.ceil(self.settings.answer_timeout_s), digits="12")
            if isinstance(answer, str) and answer in "12":
                digit = answer
            elif isinstance(answer, Heard):
                return yes_no(answer.text)
        return None if digit is None else digit == "1"

    # ------------------------------------------------------------------ media

    async def _play(self, media: list[str], *, digits: str = "") -> str | None:
        """Play to the caller until it ends; a key in ``digits`` stops it and is returned."""
        session = self.session
        ari = session.deps.ari
        with contextlib.suppress(AriError):
            await ari.stop_moh(session.channel_id)
        playback = session.new_id("pb")
        session.deps.router.register(playback, session.queue)
        try:
            await session.caller_request(ari.play(session.channel_id, media, playback_id=playback))
        except AriError as exc:
            log.info("call %s: queue prompt not played (%s)", session.call_id, type(exc).__name__)
            return None
        self._playback = playback
        deadline = asyncio.get_running_loop().time() + 120
        while True:
            item = await self._next(deadline)
            if item is None or (
                isinstance(item, PlaybackFinished) and item.playback.id == playback
            ):
                self._playback = None
                return None
            digit = self._digit(item, digits)
            if digit is not None:
                await self._stop_talking()
                return digit

    async def _record(
        self, fields: tuple[str, ...], max_s: int, *, digits: str = ""
    ) -> Heard | str | None:
        """Record the caller's answer; a key in ``digits`` ends it and is returned instead."""
        session = self.session
        name = session.new_id("rec")
        session.deps.router.register(name, session.queue)
        session.recording_started(name)
        try:
            await session.caller_request(
                session.deps.ari.record(
                    session.channel_id,
                    name=name,
                    format="wav",
                    max_duration_s=max_s,
                    max_silence_s=2,
                    if_exists="overwrite",
                    terminate_on="any" if digits else "none",
                )
            )
        except AriError as exc:
            log.info("call %s: queue recording failed (%s)", session.call_id, type(exc).__name__)
            return None
        self._recording = name
        deadline = asyncio.get_running_loop().time() + max_s + 5
        try:
            while True:
                item = await self._next(deadline)
                if item is None:
                    await self._stop_talking()
                    return None
                if isinstance(item, RecordingFailed) and item.recording.name == name:
                    self._recording = None
                    return None
                if isinstance(item, RecordingFinished) and item.recording.name == name:
                    self._recording = None
                    return await session.hear(name, fields)  # deletes it once fetched
                digit = self._digit(item, digits)
                if digit is not None:
                    await self._stop_talking()
                    return digit
        finally:
            if name in session.recordings:
                # Not heard: cancel it now (a running recording also blocks bridging).
                await session.discard_recording(name)

    async def _next(self, deadline: float) -> QueueItem | None:
        """The call's next event before ``deadline``; raises CallerGone or Offered."""
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return None
        try:
            item = await asyncio.wait_for(self.session.queue.get(), remaining)
        except TimeoutError:
            return None
        self.session.check_caller_gone(item)
        if isinstance(item, QueueOffer):
            raise Offered(item)
        return item

    def _digit(self, item: QueueItem, digits: str) -> str | None:
        if (
            digits
            and isinstance(item, ChannelDtmfReceived)
            and item.channel.id == self.session.channel_id
            and item.digit in digits
        ):
            return item.digit
        return None

    async def _stop_talking(self) -> None:
        ari = self.session.deps.ari
        playback, self._playback = self._playback, None
        recording, self._recording = self._recording, None
        with contextlib.suppress(AriError):
            if playback is not None:
                await ari.stop_playback(playback)
            if recording is not None:
                await ari.stop_recording(recording)
