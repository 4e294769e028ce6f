"""Spoken-number grammar over recogniser words (lower case, numbers as words).

Every parser here is a pure function of a word list and a start index. Parsers
that can read the same words in more than one way (``twenty one`` is 20 then 1,
or 21) return *all* readings as ``(value, end)`` pairs so that the callers can
pick the reading that makes a valid date, postcode or phone number.

Digit strings (NHS numbers, phone numbers) are read by :func:`read_digits`:
digit words, ``oh`` / ``nought`` / ``zero``, ``double`` / ``triple``, teens and
tens (``fifteen`` -> ``15``, ``forty two`` -> ``42``), hundreds (``nine hundred``
-> ``900``) and digits already written as digits (``07700``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DIGIT_WORDS",
    "FILLERS",
    "ORDINAL_WORDS",
    "TEENS",
    "TENS",
    "UNITS",
    "DigitRun",
    "is_number_word",
    "read_cardinal",
    "read_digits",
    "read_ordinal",
    "read_small",
]

UNITS: dict[str, int] = {
    "zero": 0,
    "oh": 0,
    "o": 0,
    "nought": 0,
    "naught": 0,
    "nil": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
"""Single digits as spoken; ``oh`` and ``o`` are zero inside digit strings."""

DIGIT_WORDS = UNITS
"""Alias: the words that stand for one digit."""

TEENS: dict[str, int] = {
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
ORDINAL_WORDS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
}
_ORDINAL_UNITS = {w: v for w, v in ORDINAL_WORDS.items() if v < 10}

FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "err", "ah", "hmm", "mm"})
"""Hesitation words a recogniser leaves between digits."""

_REPEAT = {"double": 2, "triple": 3, "treble": 3}
# Homophones a recogniser writes for digits; accepted only between two digit words.
_HOMOPHONES = {"to": "2", "too": "2", "for": "4", "fore": "4", "won": "1", "ate": "8"}
_DIGITS_RE = re.compile(r"\d+")
_ORDINAL_RE = re.compile(r"(\d{1,2})(st|nd|rd|th)")


def is_number_word(word: str) -> bool:
    """True for a word that is part of a spoken number (``oh`` and ``o`` included)."""
    return (
        word in UNITS
        or word in TEENS
        or word in TENS
        or word in ORDINAL_WORDS
        or word in ("hundred", "thousand", "double", "triple", "treble")
        or _DIGITS_RE.fullmatch(word) is not None
        or _ORDINAL_RE.fullmatch(word) is not None
    )


def _unit(word: str, *, allow_oh: bool) -> int | None:
    if word in ("oh", "o", "nought", "naught", "nil") and not allow_oh:
        return None
    return UNITS.get(word)


def read_small(words: Sequence[str], i: int, *, allow_oh: bool = False) -> list[tuple[int, int]]:
    """Readings of a number 0..99 at ``words[i]``: units, teens, tens [unit], digits."""
    out: list[tuple[int, int]] = []
    if i >= len(words):
        return out
    w = words[i]
    u = _unit(w, allow_oh=allow_oh)
    if u is not None:
        out.append((u, i + 1))
    elif w in TEENS:
        out.append((TEENS[w], i + 1))
    elif w in TENS:
        out.append((TENS[w], i + 1))
        if i + 1 < len(words):
            nxt = UNITS.get(words[i + 1])
            if nxt is not None and nxt > 0 and words[i + 1] not in ("o", "oh"):
                out.append((TENS[w] + nxt, i + 2))
    elif _DIGITS_RE.fullmatch(w) and len(w) <= 2:
        out.append((int(w), i + 1))
    return out


def read_cardinal(words: Sequence[str], i: int) -> list[tuple[int, int]]:
    """Readings of a cardinal number 0..9999 at ``words[i]`` (``nine hundred and five``)."""
    out = list(read_small(words, i))
    if i < len(words) and _DIGITS_RE.fullmatch(words[i]) and len(words[i]) > 2:
        out.append((int(words[i]), i + 1))
    for value, end in list(out):
        if value == 0 or value > 99 or end >= len(words):
            continue
        for scale_word, scale in (("hundred", 100), ("thousand", 1000)):
            if words[end] != scale_word or (scale == 100 and value > 9):
                continue
            base = value * scale
            out.append((base, end + 1))
            j = end + 1
            if j < len(words) and words[j] == "and":
                j += 1
            for rest, rest_end in read_small(words, j):
                if 0 < rest < 100:
                    out.append((base + rest, rest_end))
            if scale == 1000 and j < len(words):
                for hundreds, h_end in read_cardinal(words, j):
                    if 100 <= hundreds < 1000:
                        out.append((base + hundreds, h_end))
    return out


def read_ordinal(words: Sequence[str], i: int) -> list[tuple[int, int]]:
    """Readings of an ordinal at ``words[i]``: ``fourth``, ``twenty first``, ``19th``."""
    out: list[tuple[int, int]] = []
    if i >= len(words):
        return out
    w = words[i]
    if w in ORDINAL_WORDS:
        out.append((ORDINAL_WORDS[w], i + 1))
    elif w in TENS and i + 1 < len(words) and words[i + 1] in _ORDINAL_UNITS:
        out.append((TENS[w] + _ORDINAL_UNITS[words[i + 1]], i + 2))
    else:
        m = _ORDINAL_RE.fullmatch(w)
        if m:
            out.append((int(m.group(1)), i + 1))
    return out


@dataclass(frozen=True, slots=True)
class DigitRun:
    """A run of spoken digits: the digit string, where it lies, and each piece's source."""

    digits: str
    start: int
    """Index of the first word."""
    end: int
    """Index one past the last word."""
    pieces: tuple[tuple[int, int, str], ...]
    """``(word_start, word_end, digits)`` for each unit read, in order."""


def _read_piece(words: Sequence[str], i: int) -> tuple[str, int] | None:
    """One unit of a digit string at ``words[i]``, or None."""
    w = words[i]
    n = len(words)
    if w in _REPEAT and i + 1 < n:
        nxt = words[i + 1]
        if nxt in UNITS:
            return str(UNITS[nxt]) * _REPEAT[w], i + 2
        if _DIGITS_RE.fullmatch(nxt) and len(nxt) == 1:
            return nxt * _REPEAT[w], i + 2
        return None
    if _DIGITS_RE.fullmatch(w):
        return w, i + 1
    readings = [r for r in read_small(words, i, allow_oh=True) if r[1] > i]
    if not readings:
        return None
    value, end = max(readings, key=lambda r: r[1])
    text = str(value)
    # "nine hundred [and] twelve" -> 912; "two thousand" -> 2000
    if end < n and words[end] == "hundred" and 0 < value < 10:
        # "nine hundred and five" -> 905, "nine hundred twelve" -> 912, but
        # "nine hundred one two" -> 900 1 2 (British speech says "and" before units)
        j = end + 1
        tail = "00"
        has_and = j < n and words[j] == "and"
        k = j + 1 if has_and else j
        rest = [r for r in read_small(words, k) if 0 < r[0] < 100 and (has_and or r[0] >= 10)]
        if rest:
            v, e = max(rest, key=lambda r: r[1])
            tail, j = f"{v:02d}", e
        return f"{value}{tail}", j
    if end < n and words[end] == "thousand" and 0 < value < 10:
        return f"{value}000", end + 1
    return text, end


def read_digits(words: Sequence[str], i: int) -> DigitRun | None:
    """The longest digit string that starts at ``words[i]``, or None.

    Hesitations (``um``, ``er``) between digits are skipped; ``to``/``for``/``won``/
    ``ate`` count as digits only between two digit words.
    """
    pieces: list[tuple[int, int, str]] = []
    j = i
    n = len(words)
    while j < n:
        piece = _read_piece(words, j)
        if piece is not None:
            pieces.append((j, piece[1], piece[0]))
            j = piece[1]
            continue
        w = words[j]
        if pieces and (w in FILLERS or w == "and"):
            k = j + 1
            while k < n and (words[k] in FILLERS or words[k] == "and"):
                k += 1
            if k < n and _read_piece(words, k) is not None:
                j = k
                continue
            break
        if pieces and w in _HOMOPHONES and j + 1 < n and _read_piece(words, j + 1) is not None:
            pieces.append((j, j + 1, _HOMOPHONES[w]))
            j += 1
            continue
        break
    if not pieces:
        return None
    return DigitRun(
        digits="".join(p[2] for p in pieces),
        start=pieces[0][0],
        end=pieces[-1][1],
        pieces=tuple(pieces),
    )
