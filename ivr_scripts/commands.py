"""What the interpreter asks the shell to do (outputs of ``step``).

Commands are imperative and carry everything the shell needs; the shell's
dispatch is a ``match`` ending in ``assert_never`` so a new command cannot be
missed. ``TERMINAL`` commands end the script's part of the call: after one,
``step`` ignores every event.

Fields named ``caller_data`` hold what the caller typed or said (NHS number,
postcode...): patient data, for the handoff only, never for logs or metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Play:
    """Play ``media`` in order; the shell answers with ``PlaybackFinished(ref)``."""

    ref: str
    media: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StopPlayback:
    """Stop the ``Play`` with this ``ref`` if it is still playing (no event back)."""

    ref: str


@dataclass(frozen=True, slots=True)
class StartTimer:
    """Fire ``TimerFired(name)`` after ``seconds`` unless cancelled (the shell owns the clock).

    Starting a timer whose name is already running restarts it.
    """

    name: str
    seconds: float


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """Forget the timer ``name`` (no event back)."""

    name: str


@dataclass(frozen=True, slots=True)
class Capture:
    """Record up to ``max_seconds`` of speech and extract ``fields`` with ``nlp``.

    The shell answers ``CaptureCompleted(ref, values)`` (values may be empty),
    or ``CommandFailed(ref, reason)``; the interpreter guards it with a timer.
    """

    ref: str
    fields: tuple[str, ...]
    max_seconds: float


@dataclass(frozen=True, slots=True)
class StopCapture:
    """Abandon the ``Capture`` with this ``ref`` (its guard timer ran out; no event back)."""

    ref: str


@dataclass(frozen=True, slots=True)
class SendSms:
    """Text the caller's number from ``template`` with ``link``; fire and forget.

    The interpreter does not wait: it has already moved on. A failure may be
    reported as ``CommandFailed(ref, reason)``, which is ignored (log and count it).
    """

    ref: str
    template: str
    link: str | None = None


@dataclass(frozen=True, slots=True)
class Notify:
    """Post to the named webhook ``target`` that this call passed ``node``; fire and forget.

    ``tags`` are the call's tags so far. Failures are the shell's to retry (outbox).
    """

    ref: str
    target: str
    node: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Route:
    """Terminal: queue the call for ``destination``.

    ``fallback_reason`` is set on the safe path (a failure sent the call to the
    script's fallback). ``priority_s`` is waiting time credited to the caller
    ("counts as having waited 10 more minutes" is 600). ``tags``, ``answers``
    (self-assessment ``(question, code)`` pairs) and ``caller_data`` are for the
    handoff.
    """

    destination: str
    fallback_reason: str | None = None
    priority_s: int = 0
    tags: tuple[str, ...] = ()
    answers: tuple[tuple[str, str], ...] = ()
    caller_data: tuple[tuple[str, str], ...] = ()
    pathway: str | None = field(default=None, compare=False)
    """The commissioner's label for this way in (``dental-pain``), for reports and
    surveillance: a label, not part of the decision, so it is left out of equality."""


@dataclass(frozen=True, slots=True)
class Transfer:
    """Terminal: transfer the call to the external ``number`` (E.164), leaving the overlay."""

    number: str
    tags: tuple[str, ...] = ()
    answers: tuple[tuple[str, str], ...] = ()
    caller_data: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Hangup:
    """Terminal: end the call."""


Command = (
    Play
    | StopPlayback
    | StartTimer
    | CancelTimer
    | Capture
    | StopCapture
    | SendSms
    | Notify
    | Route
    | Transfer
    | Hangup
)
Terminal = Route | Transfer | Hangup
TERMINAL = (Route, Transfer, Hangup)
