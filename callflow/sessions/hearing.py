"""A recording on the caller's channel -> words -> the fields a capture asked for.

Shared by the script's ``capture`` nodes and the questions asked while the
caller queues. What was said stays in memory (``Heard.text`` is patient data:
never log it, never put it on an event); only field names, confidences and
coded labels leave the session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from callflow.ari import AriClient, AriError
from nlp import extract
from nlp.asr import SpeechEngine, recognise
from nlp.reasons import classify

log = logging.getLogger(__name__)

CAPTURE_FIELDS = {"name": ("given_name", "family_name")}
"""A script's capture field -> the extracted fields it stands for."""


@dataclass(frozen=True, slots=True)
class Heard:
    text: str = field(repr=False)
    values: tuple[tuple[str, str], ...] = ()
    confidence: Mapping[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()


def wanted_fields(fields: tuple[str, ...]) -> list[str]:
    return [name for wanted in fields for name in CAPTURE_FIELDS.get(wanted, (wanted,))]


async def hear(
    ari: AriClient,
    asr: SpeechEngine,
    recording: str,
    fields: tuple[str, ...],
    *,
    timeout_s: float,
    call_id: str,
) -> Heard | str:
    """The fields heard in ``recording``, or a failure reason (an id, no patient data)."""
    try:
        audio = await ari.get_stored_recording_file(recording)
    except AriError as exc:
        log.warning("call %s: recording unavailable (%s)", call_id, type(exc).__name__)
        return "recording-unavailable"
    transcript = await recognise(asr, audio, timeout_s=timeout_s)
    if transcript is None or not transcript.text:
        return "speech-not-recognised"
    text = transcript.text
    wanted = wanted_fields(fields)
    if not wanted:
        return Heard(text)
    values: dict[str, str] = {}
    confidence: dict[str, float] = {}
    if set(wanted) - {"reason"}:  # a reason alone needs no demographics extraction
        extraction = await asyncio.to_thread(extract, text)
        values = extraction.values()
        confidence = {name: found.confidence for name, found in extraction.fields.items()}
    if "reason" in fields:
        # Only the coded labels leave this function; the caller's words do not.
        labels = await asyncio.to_thread(lambda: classify(text).labels)
        values["reason"] = ",".join(labels)
        # An engine that reports no confidence (the lab's) is taken at its word.
        confidence["reason"] = 1.0 if transcript.confidence is None else transcript.confidence
    return Heard(
        text,
        tuple((name, values[name]) for name in wanted if name in values),
        {name: confidence[name] for name in wanted if name in values},
        tuple(name for name in wanted if name not in values),
    )
