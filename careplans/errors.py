"""Errors of the care-plan registry.

Tree::

    CareplanError
    ├── IdentifierError            a value is not a usable identifier
    │   ├── InvalidNhsNumber       not 10 digits, or fails the Modulus 11 check
    │   └── InvalidPhoneNumber     not a phone number (withheld/unavailable included)
    ├── RecordError                one record of an import is unusable (reported, skipped)
    └── UnreadableFileError        the file as a whole cannot be read (bad JSON, unknown layout)

Messages name fields and line numbers, never the values in them: an import
report or a log line must not carry patient data (DESIGN principle 7).
"""

from __future__ import annotations


class CareplanError(Exception):
    """Base of every error this package raises on purpose."""


class IdentifierError(CareplanError, ValueError):
    """A value is not a usable identifier."""


class InvalidNhsNumber(IdentifierError):
    def __init__(self, reason: str = "not a valid NHS number (10 digits, Modulus 11)") -> None:
        super().__init__(reason)


class InvalidPhoneNumber(IdentifierError):
    def __init__(self, reason: str = "not a phone number") -> None:
        super().__init__(reason)


class RecordError(CareplanError):
    """One record is unusable; ``reason`` is safe to print (no values)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnreadableFileError(CareplanError):
    """The whole file is unusable; ``line`` is where reading stopped, when known."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason if line is None else f"line {line}: {reason}")
        self.reason = reason
        self.line = line
