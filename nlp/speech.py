"""Values rendered the way a recogniser writes speech: lower case, numbers as words.

The inverse of extraction, in many styles. Tests use it for round trips
(render a value in a random style, extract it back), the benchmark for
utterances, and the ASR measurement for what espeak-ng is asked to say.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence

from nlp.postcodes import NATO

__all__ = [
    "cardinal",
    "date_speech",
    "digits_speech",
    "ordinal",
    "postcode_speech",
    "year_speech",
]

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
          "seventeen", "eighteen", "nineteen"]  # fmt: skip
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORD = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth",
        7: "seventh", 8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth",
        13: "thirteenth", 14: "fourteenth", 15: "fifteenth", 16: "sixteenth",
        17: "seventeenth", 18: "eighteenth", 19: "nineteenth", 20: "twentieth",
        30: "thirtieth"}  # fmt: skip
_MONTHS = ["", "january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]  # fmt: skip
_NATO_BY_LETTER: dict[str, str] = {}
for _word, _letter in NATO.items():
    _NATO_BY_LETTER.setdefault(_letter, _word)


def cardinal(n: int) -> str:
    """0..9999 in words, British style (``nine hundred and five``)."""
    if n < 10:
        return _UNITS[n]
    if n < 20:
        return _TEENS[n - 10]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _TENS[tens] + (f" {_UNITS[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_UNITS[hundreds]} hundred" + (f" and {cardinal(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    out = f"{cardinal(thousands)} thousand"
    if rest:
        out += f" and {cardinal(rest)}" if rest < 100 else f" {cardinal(rest)}"
    return out


def ordinal(n: int, *, style: str = "words") -> str:
    """1..31 as ``fourth`` / ``twenty first``, or ``4th`` with ``style="digits"``."""
    if style == "digits":
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"{n}{suffix}"
    if n in _ORD:
        return _ORD[n]
    tens, unit = divmod(n, 10)
    return f"{_TENS[tens]} {_ORD[unit]}"


def _two(n: int, *, oh: str = "oh") -> str:
    return f"{oh} {_UNITS[n]}" if n < 10 else cardinal(n)


def year_speech(year: int, style: str = "natural") -> str:
    """``nineteen forty one``; 2000s as ``two thousand and two`` or ``twenty oh two``.

    Styles: ``natural``, ``thousand`` (``two thousand [and] x``), ``pairs``
    (``twenty oh two``), ``digits`` (``1941``), ``short`` (``forty one``).
    """
    if style == "digits":
        return str(year)
    century, rest = divmod(year, 100)
    if style == "short":
        return _two(rest)
    if year >= 2000 and (style == "thousand" or (style == "natural" and year < 2010) or rest == 0):
        if rest == 0:
            return "two thousand"
        return "two thousand and " + cardinal(rest) if rest < 100 else cardinal(year)
    if rest == 0:
        return f"{cardinal(century)} hundred"
    return f"{cardinal(century)} {_two(rest)}"


def date_speech(date: dt.date, style: int, rng: random.Random | None = None) -> str:
    """A date of birth said one of nine ways (``style`` 0..8)."""
    r = rng or random.Random(style)
    year_style = r.choice(["natural", "natural", "thousand", "pairs", "digits"])
    if date.year < 2000:
        year_style = r.choice(["natural", "natural", "digits"])
    y = year_speech(date.year, year_style)
    day = ordinal(date.day, style="digits" if year_style == "digits" else "words")
    month = _MONTHS[date.month]
    match style % 9:
        case 0:
            return f"the {day} of {month} {y}"
        case 1:
            return f"{day} of {month} {y}"
        case 2:
            return f"{month} the {day} {y}"
        case 3:
            return f"{day} {month} {y}"
        case 4:
            return f"{month} {day} {y}"
        case 5:
            return f"{y} on the {day} of {month}"
        case 6:
            oh = r.choice(["oh", "zero"])
            return f"{_two(date.day, oh=oh)} {_two(date.month, oh=oh)} {_two(date.year % 100)}"
        case 7:
            return f"the {day} of {month} in {y}"
        case _:
            return f"{date.day:02d} {date.month:02d} {date.year}"


def digits_speech(digits: str, style: str = "plain", rng: random.Random | None = None) -> str:
    """A digit string said digit by digit.

    Styles: ``plain`` (``zero``), ``oh``, ``double`` (``double seven``, ``triple``),
    ``mixed`` (random choice per digit and group), ``written`` (``07700 900123``).
    """
    r = rng or random.Random(0)
    if style == "written":
        return digits
    out: list[str] = []
    i = 0
    while i < len(digits):
        d = digits[i]
        run = 1
        while i + run < len(digits) and digits[i + run] == d:
            run += 1
        zero = "oh" if style == "oh" or (style == "mixed" and r.random() < 0.5) else "zero"
        word = zero if d == "0" else _UNITS[int(d)]
        grouped = style == "double" or (style == "mixed" and r.random() < 0.6)
        if grouped and run >= 2:
            take = 3 if run >= 3 and (run != 4) else 2
            out.append(("triple " if take == 3 else "double ") + word)
            i += take
            continue
        out.append(word)
        i += 1
    return " ".join(out)


def postcode_speech(postcode: str, style: str = "letters", rng: random.Random | None = None) -> str:
    """A postcode said aloud.

    Styles: ``letters`` (``s e one five four q t``), ``numbers`` (``s e fifteen
    four q t``), ``nato`` (``sierra echo one five ...``), ``mixed``,
    ``written`` (``se15 4qt``).
    """
    r = rng or random.Random(0)
    if style == "written":
        return postcode.lower()
    outward, inward = postcode.split()
    parts: list[str] = []

    def letter(ch: str) -> str:
        if style == "nato" or (style == "mixed" and r.random() < 0.3):
            return _NATO_BY_LETTER[ch]
        return ch.lower()

    digits = "".join(c for c in outward if c.isdigit())
    for k, ch in enumerate(outward):
        if ch.isalpha():
            parts.append(letter(ch))
        elif k == outward.index(digits[0]):
            whole = style == "numbers" or (style == "mixed" and r.random() < 0.5)
            if len(digits) == 2 and whole and digits[0] != "0":
                parts.append(cardinal(int(digits)))
            else:
                parts.extend(_UNITS[int(c)] for c in digits)
    parts.append(_UNITS[int(inward[0])])
    parts.extend(letter(c) for c in inward[1:])
    return " ".join(parts)


def pick(rng: random.Random, options: Sequence[str]) -> str:
    """``rng.choice`` with a precise type (helper for the generators)."""
    return options[rng.randrange(len(options))]
