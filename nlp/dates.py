"""Dates of birth from spoken forms to ISO, with plausibility checks.

Grammar (``[x]`` optional, ``|`` alternatives; DAY is an ordinal or a number
1..31, MONTH a month name or abbreviation, YEAR a spoken or written year)::

    [the] DAY [of] MONTH [of|in] YEAR        fourth of march nineteen forty one
    MONTH [the] DAY [of] YEAR                march the fourth forty one
    YEAR [on] [the] DAY [of] MONTH           (born in) 1931 on the 19th of february
    [the] DAY [of] MONTH                     partial: a correction, or a year said apart
    [the] DAY of the ORDINAL [YEAR]          the third of the ninth eighty
    HOLIDAY [YEAR]                           christmas day nineteen sixty
    NN NN NN(NN)                             oh four oh three forty one (day, month, year)

YEAR: ``nineteen forty one``, ``nineteen oh five``, ``nineteen hundred``,
``two thousand [and] two``, ``twenty eighteen``, ``twenty oh five``, ``1931``,
and two-digit years (``forty one``) whose century is the one that puts the date
in the past.  A date is *plausible* when it exists, is not after ``today`` and
is at most :data:`MAX_AGE_YEARS` before it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.numbers import TEENS, TENS, UNITS, read_ordinal, read_small

__all__ = ["MAX_AGE_YEARS", "MONTHS", "DateReading", "find_dates", "plausible", "read_year"]

MAX_AGE_YEARS = 120

MONTHS: dict[str, int] = {}
for _number, _name in enumerate(calendar.month_name):
    if _name:
        MONTHS[_name.lower()] = _number
        MONTHS[_name.lower()[:3]] = _number
MONTHS.update({"sept": 9, "febuary": 2, "feburary": 2})

_YEAR_RE = re.compile(r"(1[89]\d\d|20\d\d)")
_DIGITS_RE = re.compile(r"\d{1,2}")
_OH = ("oh", "o", "zero", "nought")


@dataclass(frozen=True, slots=True)
class DateReading:
    """One date read from the words ``[start, end)``; parts may be missing (partial)."""

    start: int
    end: int
    year: int | None
    month: int | None
    day: int | None
    two_digit_year: bool = False
    numeric: bool = False
    """Read from the all-numbers form (``oh four oh three forty one``)."""

    @property
    def complete(self) -> bool:
        """Day, month and year all present."""
        return self.year is not None and self.month is not None and self.day is not None

    def to_date(self) -> dt.date | None:
        """The calendar date, or None when partial or impossible (30 February)."""
        if self.year is None or self.month is None or self.day is None:
            return None
        try:
            return dt.date(self.year, self.month, self.day)
        except ValueError:
            return None


def plausible(date: dt.date, today: dt.date) -> bool:
    """A date of birth that is not in the future and not older than MAX_AGE_YEARS."""
    return date <= today and date.year >= today.year - MAX_AGE_YEARS


def _two_digit(words: Sequence[str], i: int) -> list[tuple[int, int]]:
    """Readings of the 00..99 part of a year: ``forty one``, ``oh five``, ``ten``."""
    out: list[tuple[int, int]] = []
    if i >= len(words):
        return out
    w = words[i]
    if w in _OH and i + 1 < len(words) and words[i + 1] in UNITS:
        out.append((UNITS[words[i + 1]], i + 2))  # "oh five", "oh oh"
    elif w == "double" and i + 1 < len(words) and words[i + 1] in _OH:
        out.append((0, i + 2))
    elif w in TEENS or w in TENS:
        out.extend(read_small(words, i))
    elif _DIGITS_RE.fullmatch(w) and len(w) == 2:
        out.append((int(w), i + 1))
    return out


def read_year(words: Sequence[str], i: int) -> list[tuple[int, int, bool]]:
    """Readings of a year at ``words[i]``: ``(year, end, was_two_digit)``."""
    out: list[tuple[int, int, bool]] = []
    if i >= len(words):
        return out
    w = words[i]
    if _YEAR_RE.fullmatch(w):
        return [(int(w), i + 1, False)]
    if w in ("nineteen", "eighteen", "twenty"):
        century = {"nineteen": 1900, "eighteen": 1800, "twenty": 2000}[w]
        if i + 1 < len(words) and words[i + 1] == "hundred" and century < 2000:
            out.append((century, i + 2, False))
        for value, end in _two_digit(words, i + 1):
            if century == 2000 and value < 10 and words[i + 1] not in _OH:
                continue  # "twenty five" is 25, not 2005
            out.append((century + value, end, False))
    if w == "two" and i + 1 < len(words) and words[i + 1] == "thousand":
        j = i + 2
        out.append((2000, j, False))
        k = j + 1 if j < len(words) and words[j] == "and" else j
        for value, end in read_small(words, k):
            if 0 < value < 100:
                out.append((2000 + value, end, False))
    for value, end in _two_digit(words, i):
        out.append((value, end, True))
    return out


def _century(yy: int, today: dt.date) -> int:
    return 2000 + yy if 2000 + yy <= today.year else 1900 + yy


def _day(words: Sequence[str], i: int) -> list[tuple[int, int]]:
    """Readings of a day of the month: ordinals, or numbers 1..31."""
    j = i + 1 if i < len(words) and words[i] == "the" else i
    out = [(v, e) for v, e in read_ordinal(words, j) if 1 <= v <= 31]
    out += [(v, e) for v, e in read_small(words, j) if 1 <= v <= 31]
    return out


def _month(words: Sequence[str], i: int) -> int | None:
    return MONTHS.get(words[i]) if i < len(words) else None


def _month_ordinal(words: Sequence[str], i: int) -> list[tuple[int, int]]:
    """``the ninth`` (month as an ordinal, after ``of``): ``(month, end)``."""
    if i >= len(words) or words[i] != "the":
        return []
    return [(v, e) for v, e in read_ordinal(words, i + 1) if 1 <= v <= 12]


def _skip(words: Sequence[str], i: int, *optional: str) -> int:
    while i < len(words) and words[i] in optional:
        i += 1
    return i


def _resolve_year(year: int, two: bool, today: dt.date) -> int:
    return _century(year, today) if two else year


def _best(readings: list[DateReading], today: dt.date) -> DateReading | None:
    """The longest complete reading that is a plausible date, else the longest."""
    if not readings:
        return None

    def rank(r: DateReading) -> tuple[int, int, int]:
        d = r.to_date()
        ok = d is not None and plausible(d, today)
        return (r.end - r.start, int(ok), int(not r.two_digit_year))

    return max(readings, key=rank)


def _with_year(
    words: Sequence[str], i: int, j: int, day: int, month: int, today: dt.date
) -> list[DateReading]:
    """A day and month read over ``[i, j)``, alone and with each year reading after."""
    out = [DateReading(i, j, None, month, day)]
    k = _skip(words, j, "of", "in")
    for year, y_end, two in read_year(words, k):
        out.append(DateReading(i, y_end, _resolve_year(year, two, today), month, day, two))
    return out


HOLIDAYS: dict[tuple[str, ...], tuple[int, int]] = {
    ("christmas", "day"): (12, 25),
    ("christmas", "eve"): (12, 24),
    ("boxing", "day"): (12, 26),
    ("new", "year's", "day"): (1, 1),
    ("new", "years", "day"): (1, 1),
    ("new", "year", "'s", "day"): (1, 1),
    ("new", "year's", "eve"): (12, 31),
    ("new", "years", "eve"): (12, 31),
    ("new", "year", "'s", "eve"): (12, 31),
    ("valentine's", "day"): (2, 14),
    ("valentines", "day"): (2, 14),
    ("valentine", "'s", "day"): (2, 14),
    ("halloween",): (10, 31),
    ("bonfire", "night"): (11, 5),
    ("guy", "fawkes", "night"): (11, 5),
    ("st", "patrick", "'s", "day"): (3, 17),
    ("saint", "patrick", "'s", "day"): (3, 17),
}
"""Days said by name: ``born on christmas day nineteen sixty``."""


def _holiday(words: Sequence[str], i: int) -> list[tuple[int, int, int]]:
    j = i + 1 if i < len(words) and words[i] == "on" else i
    out = []
    for phrase, (month, day) in HOLIDAYS.items():
        if tuple(words[j : j + len(phrase)]) == phrase:
            out.append((month, day, j + len(phrase)))
    return out


def _text_forms(words: Sequence[str], i: int, today: dt.date) -> list[DateReading]:
    out: list[DateReading] = []
    for h_month, h_day, h_end in _holiday(words, i):
        out.extend(_with_year(words, i, h_end, h_day, h_month, today))
    # [the] DAY [of] MONTH [of|in|,] [YEAR]
    for day, d_end in _day(words, i):
        j = _skip(words, d_end, "of")
        named = _month(words, j)
        if named is not None:
            months = [(named, j + 1)]
        elif j > d_end:
            months = _month_ordinal(words, j)
        else:
            continue
        for number, m_end in months:
            out.extend(_with_year(words, i, m_end, day, number, today))
    # MONTH [the] DAY [of] [YEAR]
    month = _month(words, i)
    if month is not None:
        for day, d_end in _day(words, i + 1):
            out.extend(_with_year(words, i, d_end, day, month, today))
    # YEAR [on] [the] DAY [of] MONTH, only for a full four-digit year
    for year, y_end, two in read_year(words, i):
        if two:
            continue
        j = _skip(words, y_end, "on")
        for day, d_end in _day(words, j):
            k = _skip(words, d_end, "of")
            m = _month(words, k)
            if m is not None:
                out.append(DateReading(i, k + 1, year, m, day))
        m = _month(words, j)
        if m is not None:
            for day, d_end in _day(words, j + 1):
                out.append(DateReading(i, d_end, year, m, day))
    return out


def _num_part(words: Sequence[str], i: int, hi: int) -> list[tuple[int, int]]:
    """A day or month said as a number: ``oh four``, ``four``, ``twelve``, ``one two``, ``04``."""
    out: list[tuple[int, int]] = []
    if i >= len(words):
        return out
    w = words[i]
    if w in UNITS and w not in _OH and i + 1 < len(words) and words[i + 1] in UNITS:
        v = UNITS[w] * 10 + UNITS[words[i + 1]]
        if 10 <= v <= hi:
            out.append((v, i + 2))
    if w in _OH and i + 1 < len(words) and words[i + 1] in UNITS:
        v = UNITS[words[i + 1]]
        if 1 <= v <= 9:
            out.append((v, i + 2))
    out += [(v, e) for v, e in read_small(words, i) if 1 <= v <= hi]
    out += [(v, e) for v, e in read_ordinal(words, i) if 1 <= v <= hi]
    if _DIGITS_RE.fullmatch(w) and 1 <= int(w) <= hi:
        out.append((int(w), i + 1))
    return out


def _numeric_forms(words: Sequence[str], i: int, today: dt.date) -> list[DateReading]:
    out: list[DateReading] = []
    for day, d_end in _num_part(words, i, 31):
        for month, m_end in _num_part(words, d_end, 12):
            for year, y_end, two in read_year(words, m_end):
                out.append(
                    DateReading(
                        i,
                        y_end,
                        _resolve_year(year, two, today),
                        month,
                        day,
                        two,
                        numeric=True,
                    )
                )
    return out


def find_dates(
    words: Sequence[str],
    start: int = 0,
    end: int | None = None,
    *,
    today: dt.date,
    numeric: bool = False,
) -> list[DateReading]:
    """Date readings in ``words[start:end]``, left to right, not overlapping.

    ``numeric=True`` also reads the all-numbers form, which is only safe where a
    date is expected (after ``date of birth``): elsewhere digit strings are
    more likely phone or NHS numbers.
    """
    stop = len(words) if end is None else end
    view = words[:stop]
    found: list[DateReading] = []
    i = start
    while i < stop:
        readings = _text_forms(view, i, today)
        if numeric and not readings:
            readings = _numeric_forms(view, i, today)
        best = _best(readings, today)
        if best is None:
            i += 1
            continue
        found.append(best)
        i = best.end
    return found
