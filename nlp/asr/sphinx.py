"""The offline engine: CMU PocketSphinx (PyPI ``pocketsphinx`` 5) with its bundled en-us model.

Grammar-constrained where it is usable: :data:`~nlp.asr.base.DIGITS` becomes a
JSGF grammar of digit words (``oh``, ``double``, ``triple`` included),
``yes_no`` and ``menu`` grammars list their words; ``free``/None uses the
bundled n-gram language model. Audio is a 16-bit mono WAV at any rate
(telephony 8 kHz is resampled to the model's 16 kHz).

Decoding is CPU-bound and runs in a worker thread (``asyncio.to_thread``).
A decoder is built once per grammar and reused under a lock; one that misses
its time box keeps its thread until the utterance ends, the caller does not
wait for it (:class:`~nlp.errors.AsrTimeoutError`).

Measured word accuracy on espeak-ng digit strings: see ``nlp.asr.measure``
and ``docs/nlp.md``.
"""

from __future__ import annotations

import asyncio
import importlib
import threading
import time
from typing import Any

import numpy as np

from nlp.asr.base import Grammar, Transcript, read_wav
from nlp.errors import AsrTimeoutError, AsrUnavailableError

__all__ = ["SphinxEngine", "jsgf_for"]

_MODEL_RATE = 16000
_DIGIT_WORDS = "zero | oh | one | two | three | four | five | six | seven | eight | nine"


def jsgf_for(grammar: Grammar) -> str | None:
    """The JSGF text of a grammar, or None for free speech (the n-gram model)."""
    if grammar.kind == "digits":
        body = (
            "public <utt> = (<digit> | double <digit> | triple <digit>)+;\n"
            f"<digit> = {_DIGIT_WORDS};"
        )
    elif grammar.kind in ("yes_no", "menu") and grammar.words:
        alternatives = " | ".join(sorted({w for w in grammar.words if w.strip()}))
        body = f"public <utt> = {alternatives};"
    else:
        return None
    return f"#JSGF V1.0;\ngrammar utt;\n{body}\n"


def _resample(pcm: bytes, rate: int) -> bytes:
    if rate == _MODEL_RATE:
        return pcm
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    if samples.size == 0:
        return b""
    n_out = round(samples.size * _MODEL_RATE / rate)
    x_out = np.linspace(0, samples.size - 1, n_out)
    out = np.interp(x_out, np.arange(samples.size), samples)
    return bytes(np.clip(out, -32768, 32767).astype("<i2").tobytes())


class SphinxEngine:
    """PocketSphinx, offline; one decoder per grammar, built on first use."""

    name = "pocketsphinx"

    def __init__(self) -> None:
        try:
            self._ps: Any = importlib.import_module("pocketsphinx")
        except ImportError as exc:  # pragma: no cover - the speech extra is missing
            raise AsrUnavailableError("pocketsphinx is not installed") from exc
        self._decoders: dict[str, tuple[Any, threading.Lock]] = {}
        self._build_lock = threading.Lock()

    def _decoder(self, grammar: Grammar | None) -> tuple[Any, threading.Lock]:
        jsgf = jsgf_for(grammar) if grammar is not None else None
        key = jsgf or "lm"
        with self._build_lock:
            found = self._decoders.get(key)
            if found is None:
                decoder = self._ps.Decoder(samprate=_MODEL_RATE, loglevel="FATAL")
                if jsgf is not None:
                    decoder.add_jsgf_string("utt", jsgf)
                    decoder.activate_search("utt")
                found = (decoder, threading.Lock())
                self._decoders[key] = found
            return found

    def decode(self, audio: bytes, grammar: Grammar | None = None) -> Transcript:
        """Decode synchronously (what :meth:`transcribe` runs in a thread)."""
        started = time.monotonic()
        pcm, rate = read_wav(audio)
        pcm = _resample(pcm, rate)
        decoder, lock = self._decoder(grammar)
        with lock:
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            text = hyp.hypstr if hyp is not None else ""
            prob = hyp.prob if hyp is not None else None
        words = tuple(w for w in text.lower().split() if not w.startswith("<"))
        confidence = None
        if prob is not None:
            try:
                confidence = float(decoder.get_logmath().exp(prob))
            except (AttributeError, OverflowError):
                confidence = None
        return Transcript(
            text=" ".join(words),
            engine=self.name,
            confidence=confidence,
            elapsed_s=time.monotonic() - started,
            words=words,
        )

    async def transcribe(
        self, audio: bytes, *, grammar: Grammar | None = None, timeout_s: float = 5.0
    ) -> Transcript:
        try:
            async with asyncio.timeout(timeout_s):
                return await asyncio.to_thread(self.decode, audio, grammar)
        except TimeoutError as exc:
            raise AsrTimeoutError(f"pocketsphinx: no answer within {timeout_s} s") from exc
