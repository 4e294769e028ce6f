"""Errors of the nlp package.

::

    NlpError
    + AsrError                  a recogniser failed; the caller skips speech capture
      - AsrTimeoutError         it did not answer within its time box
      - AsrUnavailableError     it cannot be reached or is not installed
      - AsrAudioError           the audio is not in a format the engine reads

Messages carry engine names and sizes, never transcripts or identifiers.
"""

from __future__ import annotations

__all__ = ["AsrAudioError", "AsrError", "AsrTimeoutError", "AsrUnavailableError", "NlpError"]


class NlpError(Exception):
    """Base of the nlp package's errors."""


class AsrError(NlpError):
    """A speech recogniser failed."""


class AsrTimeoutError(AsrError):
    """The recogniser did not answer within its time box (the caller skips it)."""


class AsrUnavailableError(AsrError):
    """The recogniser cannot be reached, or its package is not installed."""


class AsrAudioError(AsrError):
    """The audio is not in a format this engine reads."""
