"""What the interpreter asks the shell to do (outputs of ``step``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Play:
    """Play ``media`` in order; the shell answers with ``PlaybackFinished(ref)``."""

    ref: str
    media: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPlayback:
    ref: str


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Fire ``TimerFired(name)`` after ``seconds`` unless cancelled (the shell owns the clock)."""

    name: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    name: str


@dataclass(frozen=True, slots=True)
class Route:
    """Terminal: send the call to ``destination``; ``fallback_reason`` is set on the safe path."""

    destination: str
    fallback_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Hangup:
    """Terminal: end the call."""


Command = Play | StopPlayback | StartTimer | CancelTimer | Route | Hangup
TERMINAL = (Route, Hangup)
