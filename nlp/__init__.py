"""nlp: speech capture of demographics and call reasons (imports nothing of the project).

Public face::

    from nlp import extract, classify, RedactionFilter
    extract("my name is grace williams born fourth of march forty one").values()
    classify("he's collapsed and not breathing").labels      # ('red_flag',)

Speech engines live in :mod:`nlp.asr`; the latency benchmark in :mod:`nlp.bench`.
"""

from __future__ import annotations

from nlp.errors import AsrAudioError, AsrError, AsrTimeoutError, AsrUnavailableError, NlpError
from nlp.extract import extract, normalise_nhs_number, normalise_phone
from nlp.models import CORPUS_FIELDS, Extraction, Field, Rejected, Span
from nlp.pipeline import pipeline_info
from nlp.postcodes import normalise_postcode
from nlp.reasons import LABELS, RED_FLAG, Evidence, ReasonResult, classify, classify_choice
from nlp.redaction import KnownIdentifiers, RedactionFilter, redact

__all__ = [
    "CORPUS_FIELDS",
    "LABELS",
    "RED_FLAG",
    "AsrAudioError",
    "AsrError",
    "AsrTimeoutError",
    "AsrUnavailableError",
    "Evidence",
    "Extraction",
    "Field",
    "KnownIdentifiers",
    "NlpError",
    "ReasonResult",
    "RedactionFilter",
    "Rejected",
    "Span",
    "classify",
    "classify_choice",
    "extract",
    "normalise_nhs_number",
    "normalise_phone",
    "normalise_postcode",
    "pipeline_info",
    "redact",
]
