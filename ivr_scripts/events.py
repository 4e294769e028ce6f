"""What happens to a call, as the interpreter sees it (inputs of ``step``).

Events are named in the past tense and carry no clock: time reaches the
interpreter through ``CallContext.now`` and through ``TimerFired``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallStarted:
    """The call was answered; ``start`` sends it for you."""


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    """The ``Play`` with this ``ref`` has finished (or was stopped by the far end)."""

    ref: str


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    """The caller pressed ``digit`` (one of ``0-9 * #``)."""

    digit: str


@dataclass(frozen=True, slots=True)
class SpeechRecognised:
    """The caller said ``text`` while a menu or question was waiting (optional, shell-side ASR).

    It is matched against the menu's ``keywords``; speech is only ever an alias
    of a key, so a shell without speech recognition loses nothing.
    """

    text: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    """The ``StartTimer`` with this ``name`` ran out without being cancelled."""

    name: str


@dataclass(frozen=True, slots=True)
class CaptureCompleted:
    """The ``Capture`` with this ``ref`` is done; ``values`` are what ``nlp`` extracted.

    ``values`` are ``(field, value)`` pairs, e.g. ``("postcode", "SE1 7EH")``;
    an ``age`` (whole years) or ``language`` value also updates the caller's
    facts for later conditions. They are patient data: never log them.
    """

    ref: str
    values: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """The shell could not carry out a command; ``reason`` is an id, never patient data."""

    ref: str
    reason: str


Event = (
    CallStarted
    | PlaybackFinished
    | DtmfReceived
    | SpeechRecognised
    | TimerFired
    | CaptureCompleted
    | CommandFailed
)
