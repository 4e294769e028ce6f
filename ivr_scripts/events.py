"""What happens to a call, as the interpreter sees it (inputs of ``step``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CallStarted:
    pass


@dataclass(frozen=True, slots=True)
class PlaybackFinished:
    ref: str


@dataclass(frozen=True, slots=True)
class DtmfReceived:
    digit: str


@dataclass(frozen=True, slots=True)
class TimerFired:
    name: str


@dataclass(frozen=True, slots=True)
class CommandFailed:
    """The shell could not carry out a command; ``reason`` is an id, never patient data."""

    ref: str
    reason: str


Event = CallStarted | PlaybackFinished | DtmfReceived | TimerFired | CommandFailed
