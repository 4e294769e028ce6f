"""The speech-engine interface: audio in, a :class:`Transcript` out, time-boxed.

An engine is anything with ``name`` and an async ``transcribe(audio, *,
grammar=None, timeout_s)`` that returns a :class:`Transcript` or raises an
:class:`~nlp.errors.AsrError` (``AsrTimeoutError`` when the time box ends).
:func:`recognise` wraps that for the call flow: it returns None instead of
raising, so a slow or broken recogniser is skipped and the call goes on.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
import wave
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from nlp.errors import AsrAudioError, AsrError, AsrTimeoutError

__all__ = [
    "DIGITS",
    "YES_NO",
    "Grammar",
    "SpeechEngine",
    "Transcript",
    "read_wav",
    "recognise",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Grammar:
    """What the caller is expected to say, for engines that can be constrained.

    ``kind`` is ``digits`` (digit strings, ``oh``, ``double``), ``yes_no``,
    ``menu`` (one of ``words``) or ``free``.
    """

    kind: str
    words: tuple[str, ...] = ()

    @classmethod
    def menu(cls, *words: str) -> Grammar:
        """One of ``words`` (each may be several words: ``"breathing problems"``)."""
        return cls("menu", tuple(w.lower() for w in words))


DIGITS = Grammar("digits")
YES_NO = Grammar("yes_no", ("yes", "no", "yeah", "nope", "correct", "wrong", "that's right"))


@dataclass(frozen=True, slots=True)
class Transcript:
    """What an engine heard: lower-case words, and how sure it is (None: not said)."""

    text: str
    engine: str
    confidence: float | None = None
    elapsed_s: float = 0.0
    words: tuple[str, ...] = field(default=())


@runtime_checkable
class SpeechEngine(Protocol):
    """A speech recogniser."""

    name: str

    async def transcribe(
        self, audio: bytes, *, grammar: Grammar | None = None, timeout_s: float = 5.0
    ) -> Transcript:
        """Recognise ``audio`` within ``timeout_s`` seconds or raise ``AsrTimeoutError``."""
        ...


async def recognise(
    engine: SpeechEngine,
    audio: bytes,
    *,
    grammar: Grammar | None = None,
    timeout_s: float = 5.0,
) -> Transcript | None:
    """Run ``engine`` time-boxed; None when it times out or fails (logged, no content).

    The deadline is enforced here too (``asyncio.timeout``), so an engine that
    ignores its ``timeout_s`` cannot hold the call.
    """
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout_s):
            result = await engine.transcribe(audio, grammar=grammar, timeout_s=timeout_s)
    except (TimeoutError, AsrTimeoutError):
        log.warning("asr engine %s timed out after %.1f s; skipped", engine.name, timeout_s)
        return None
    except AsrError as exc:
        log.warning("asr engine %s failed (%s); skipped", engine.name, type(exc).__name__)
        return None
    log.debug(
        "asr engine %s answered in %.3f s (%d audio bytes)",
        engine.name,
        time.monotonic() - started,
        len(audio),
    )
    return result


def read_wav(audio: bytes) -> tuple[bytes, int]:
    """16-bit mono PCM frames and the sample rate of a WAV file's bytes."""
    try:
        with wave.open(io.BytesIO(audio), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                raise AsrAudioError(
                    f"need 16-bit mono WAV, got {wav.getsampwidth() * 8}-bit "
                    f"{wav.getnchannels()} channel(s)"
                )
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise AsrAudioError(f"not a WAV file ({len(audio)} bytes)") from exc
