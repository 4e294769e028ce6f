"""The lab engine: recordings of the ARI simulator carry the caller's scripted words.

**Lab recording format.** A stored recording whose bytes are UTF-8 JSON::

    {"lab_transcript": "my name is grace williams ...",
     "lab_delay_s": 0.0,        # optional: answer after this many seconds
     "lab_confidence": 1.0,     # optional: 0..1
     "lab_fail": false}         # optional: raise AsrUnavailableError

The simulator writes that object as the content of the recording it "makes"
(``GET /recordings/stored/{name}/file`` returns it) when the scripted caller
speaks; ``lab_delay_s`` longer than the time box exercises the skip path.
Anything else (a real WAV, other JSON) raises :class:`~nlp.errors.AsrAudioError`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from nlp.asr.base import Grammar, Transcript
from nlp.errors import AsrAudioError, AsrTimeoutError, AsrUnavailableError

__all__ = ["LabEngine", "lab_recording"]


def lab_recording(
    transcript: str,
    *,
    delay_s: float = 0.0,
    confidence: float = 1.0,
    fail: bool = False,
) -> bytes:
    """The bytes of a lab recording that the lab engine decodes to ``transcript``."""
    payload: dict[str, Any] = {"lab_transcript": transcript}
    if delay_s:
        payload["lab_delay_s"] = delay_s
    if confidence != 1.0:
        payload["lab_confidence"] = confidence
    if fail:
        payload["lab_fail"] = True
    return json.dumps(payload).encode()


class LabEngine:
    """Decodes lab recordings exactly (see the module docstring for the format)."""

    name = "lab"

    async def transcribe(
        self, audio: bytes, *, grammar: Grammar | None = None, timeout_s: float = 5.0
    ) -> Transcript:
        started = time.monotonic()
        try:
            payload = json.loads(audio.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AsrAudioError(f"not a lab recording ({len(audio)} bytes)") from exc
        if not isinstance(payload, dict) or not isinstance(payload.get("lab_transcript"), str):
            raise AsrAudioError("not a lab recording (no lab_transcript)")
        delay = float(payload.get("lab_delay_s", 0.0))
        if delay > timeout_s:
            await asyncio.sleep(timeout_s)
            raise AsrTimeoutError(f"lab engine: no answer within {timeout_s} s")
        if delay:
            await asyncio.sleep(delay)
        if payload.get("lab_fail"):
            raise AsrUnavailableError("lab engine: scripted failure")
        text = " ".join(payload["lab_transcript"].lower().split())
        confidence = payload.get("lab_confidence", 1.0)
        return Transcript(
            text=text,
            engine=self.name,
            confidence=float(confidence) if confidence is not None else None,
            elapsed_s=time.monotonic() - started,
            words=tuple(text.split()),
        )
