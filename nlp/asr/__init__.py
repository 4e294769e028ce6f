"""Speech to text: the engine interface and three engines (lab, pocketsphinx, http)."""

from __future__ import annotations

from nlp.asr.base import DIGITS, YES_NO, Grammar, SpeechEngine, Transcript, read_wav, recognise
from nlp.asr.http import HttpEngine
from nlp.asr.lab import LabEngine, lab_recording
from nlp.errors import AsrAudioError, AsrError, AsrTimeoutError, AsrUnavailableError

__all__ = [
    "DIGITS",
    "YES_NO",
    "AsrAudioError",
    "AsrError",
    "AsrTimeoutError",
    "AsrUnavailableError",
    "Grammar",
    "HttpEngine",
    "LabEngine",
    "SpeechEngine",
    "Transcript",
    "create_engine",
    "lab_recording",
    "read_wav",
    "recognise",
]


def create_engine(name: str, *, url: str | None = None) -> SpeechEngine:
    """An engine by name: ``lab``, ``pocketsphinx`` or ``http`` (needs ``url``)."""
    if name == "lab":
        return LabEngine()
    if name == "pocketsphinx":
        from nlp.asr.sphinx import SphinxEngine

        return SphinxEngine()
    if name == "http":
        if not url:
            raise ValueError("the http engine needs a url")
        return HttpEngine(url)
    raise ValueError(f"unknown speech engine {name!r} (lab, pocketsphinx, http)")
