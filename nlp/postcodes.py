"""UK postcodes: format rules, and reading them from spoken letters and numbers.

Format (``domain/nhs-111-facts.md`` §5.2): outward code ``A9``, ``A99``, ``AA9``,
``AA99``, ``A9A`` or ``AA9A``, a space, inward code ``9AA``; letters restricted
by position (first not Q, V, X; second not I, J, Z; the inward letters never C,
I, K, M, O, V). The outward code must also start with one of the 124 postcode
areas (``SE``, ``M``, ``EH`` ...), which rules out most misreadings.

Spoken forms: single letters (``s e``), NATO/ICAO words (``sierra echo``),
letter names (``aitch``, ``double u``, ``zed``), ``s for sugar`` / ``s as in
sierra``, ``double`` before a letter or digit, digits as words (``one five``),
numbers (``fifteen``, ``twenty one``), ``oh`` as zero or the letter O, and
written chunks (``se15``, ``4qt``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from nlp.numbers import TEENS, TENS, UNITS

__all__ = [
    "AREAS",
    "POSTCODE_RE",
    "PostcodeReading",
    "find_postcodes",
    "is_postcode_word",
    "normalise_postcode",
    "read_inward",
]

POSTCODE_RE = re.compile(
    r"^(?:GIR ?0AA|(?P<out>[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
    r" ?(?P<in>[0-9][ABD-HJLNP-UW-Z]{2}))$"
)
"""The UK format rules on an upper-case string, optional single space."""

AREAS = frozenset(
    [
        "AB",
        "AL",
        "B",
        "BA",
        "BB",
        "BD",
        "BH",
        "BL",
        "BN",
        "BR",
        "BS",
        "BT",
        "CA",
        "CB",
        "CF",
        "CH",
        "CM",
        "CO",
        "CR",
        "CT",
        "CV",
        "CW",
        "DA",
        "DD",
        "DE",
        "DG",
        "DH",
        "DL",
        "DN",
        "DT",
        "DY",
        "E",
        "EC",
        "EH",
        "EN",
        "EX",
        "FK",
        "FY",
        "G",
        "GL",
        "GU",
        "GY",
        "HA",
        "HD",
        "HG",
        "HP",
        "HR",
        "HS",
        "HU",
        "HX",
        "IG",
        "IM",
        "IP",
        "IV",
        "JE",
        "KA",
        "KT",
        "KW",
        "KY",
        "L",
        "LA",
        "LD",
        "LE",
        "LL",
        "LN",
        "LS",
        "LU",
        "M",
        "ME",
        "MK",
        "ML",
        "N",
        "NE",
        "NG",
        "NN",
        "NP",
        "NR",
        "NW",
        "OL",
        "OX",
        "PA",
        "PE",
        "PH",
        "PL",
        "PO",
        "PR",
        "RG",
        "RH",
        "RM",
        "S",
        "SA",
        "SE",
        "SG",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SP",
        "SR",
        "SS",
        "ST",
        "SW",
        "SY",
        "TA",
        "TD",
        "TF",
        "TN",
        "TQ",
        "TR",
        "TS",
        "TW",
        "UB",
        "W",
        "WA",
        "WC",
        "WD",
        "WF",
        "WN",
        "WR",
        "WS",
        "WV",
        "YO",
        "ZE",
    ]
)
"""Postcode areas of the UK and Crown Dependencies."""

NATO: dict[str, str] = {
    "alpha": "A",
    "alfa": "A",
    "bravo": "B",
    "charlie": "C",
    "delta": "D",
    "echo": "E",
    "foxtrot": "F",
    "golf": "G",
    "hotel": "H",
    "india": "I",
    "juliet": "J",
    "juliett": "J",
    "kilo": "K",
    "lima": "L",
    "mike": "M",
    "november": "N",
    "oscar": "O",
    "papa": "P",
    "quebec": "Q",
    "romeo": "R",
    "sierra": "S",
    "tango": "T",
    "uniform": "U",
    "victor": "V",
    "whiskey": "W",
    "whisky": "W",
    "xray": "X",
    "yankee": "Y",
    "zulu": "Z",
}
LETTER_NAMES: dict[str, str] = {
    "aitch": "H",
    "haitch": "H",
    "zed": "Z",
    "zee": "Z",
    "ex": "X",
    "bee": "B",
    "cee": "C",
    "dee": "D",
    "gee": "G",
    "jay": "J",
    "kay": "K",
    "el": "L",
    "ell": "L",
    "em": "M",
    "en": "N",
    "pee": "P",
    "cue": "Q",
    "queue": "Q",
    "ess": "S",
    "tee": "T",
    "vee": "V",
    "doubleyou": "W",
    "ay": "A",
}
_ALNUM_RE = re.compile(r"[a-z]{1,2}\d[a-z\d]{0,2}|\d[a-z]{2}|[a-z]{2}\d{1,2}[a-z]?")
_EXTRA_WORDS = frozenset({"double", "triple", "for", "as", "in", "x", "ray"})


@dataclass(frozen=True, slots=True)
class PostcodeReading:
    """A valid postcode read from the words ``[start, end)``."""

    value: str
    """Normal form, e.g. ``SE15 4QT``."""
    start: int
    end: int


def normalise_postcode(text: str) -> str | None:
    """``"se154qt"`` / ``"SE15 4QT"`` -> ``"SE15 4QT"``; None when not a valid postcode."""
    compact = re.sub(r"\s+", "", text.upper())
    m = POSTCODE_RE.match(compact)
    if m is None or m.group("out") is None:
        return None
    outward, inward = m.group("out"), m.group("in")
    area = re.match(r"[A-Z]+", outward)
    if area is None or area.group(0) not in AREAS:
        return None
    if re.search(r"[A-Z]0\d", outward):
        return None  # no two-digit district starts with 0 ("S01" is "SO1")
    return f"{outward} {inward}"


def _letter(word: str) -> str | None:
    if len(word) == 1 and word.isalpha() and word.isascii():
        return word.upper()
    return NATO.get(word) or LETTER_NAMES.get(word)


def is_postcode_word(word: str) -> bool:
    """True for a word that can be part of a spoken postcode."""
    return (
        _letter(word) is not None
        or word in UNITS
        or word in TEENS
        or word in TENS
        or word.isdigit()
        or _ALNUM_RE.fullmatch(word) is not None
        or word in _EXTRA_WORDS
    )


def _options(words: Sequence[str], i: int, end: int) -> list[tuple[list[str], int]]:
    """Readings of one postcode unit at ``words[i]``: ``(alternative strings, next index)``."""
    w = words[i]
    nxt = words[i + 1] if i + 1 < end else None
    if w in ("double", "triple") and nxt is not None:
        times = 2 if w == "double" else 3
        if nxt == "u" and w == "double":
            alts = ["W", "UU"]
        elif nxt in UNITS:
            alts = [str(UNITS[nxt]) * times]
            if nxt in ("oh", "o"):
                alts.append("O" * times)
        else:
            letter = _letter(nxt)
            if letter is None:
                return []
            alts = [letter * times]
        return [(alts, i + 2)]
    if w == "x" and nxt == "ray":
        return [(["X"], i + 2)]
    letter = _letter(w)
    if letter is not None:
        j = i + 1
        # "s for sugar", "s as in sierra": the word after confirms the letter
        if j + 1 < end and words[j] == "for" and words[j + 1][:1].upper() == letter:
            j += 2
        elif (
            j + 2 < end and words[j : j + 2] == ["as", "in"] and words[j + 2][:1].upper() == letter
        ):
            j += 3
        alts = [letter]
        if w in ("o", "oh"):
            alts = ["0", "O"]
        return [(alts, j)]
    if w in UNITS:
        alts = [str(UNITS[w])]
        if w in ("oh", "o"):
            alts.append("O")
        return [(alts, i + 1)]
    if w in TEENS:
        return [([str(TEENS[w])], i + 1)]
    if w in TENS:
        if nxt is not None and nxt in UNITS and UNITS[nxt] > 0 and nxt not in ("oh", "o"):
            return [([str(TENS[w] + UNITS[nxt])], i + 2), ([str(TENS[w])], i + 1)]
        return [([str(TENS[w])], i + 1)]
    if w.isdigit() or _ALNUM_RE.fullmatch(w):
        return [([w.upper()], i + 1)]
    return []


def _can_start(word: str, nxt: str = "") -> bool:
    if word in ("o", "oh"):
        return _letter(nxt) is not None  # the letter O: "oh x one" (OX1), "o l" (OL)
    return _letter(word) is not None or word == "double" or _ALNUM_RE.fullmatch(word) is not None


def _can_end(word: str) -> bool:
    return (
        _letter(word) is not None
        or word in ("u", "ray")
        or (_ALNUM_RE.fullmatch(word) is not None and word[-1].isalpha())
    )


def read_inward(words: Sequence[str], i: int, stop: int) -> tuple[str, int] | None:
    """An inward code alone (``four q t``) at ``words[i]``, for corrections."""
    for j in range(min(stop, i + 5), i, -1):
        paths: list[tuple[list[list[str]], int]] = [([], i)]
        while paths:
            units, k = paths.pop()
            if k == j:
                for combo in itertools.islice(itertools.product(*units), 16):
                    text = "".join(combo)
                    if re.fullmatch(r"[0-9][ABD-HJLNP-UW-Z]{2}", text):
                        return text, j
                continue
            for alts, nxt in _options(words, k, j):
                if nxt <= j:
                    paths.append(([*units, alts], nxt))
    return None


def _parse(words: Sequence[str], start: int, end: int) -> str | None:
    """The postcode spelled exactly by ``words[start:end]``, or None."""
    # Each path is a list of alternative-lists; branch on "twenty one" readings.
    paths: list[tuple[list[list[str]], int]] = [([], start)]
    complete: list[list[list[str]]] = []
    steps = 0
    while paths:
        units, i = paths.pop()
        if i == end:
            complete.append(units)
            continue
        steps += 1
        if steps > 64:
            break
        for alts, j in _options(words, i, end):
            if j <= end:
                paths.append(([*units, alts], j))
    for units in complete:
        if len(units) > 9:
            continue
        for combo in itertools.islice(itertools.product(*units), 32):
            value = normalise_postcode("".join(combo))
            if value is not None:
                return value
    return None


def find_postcodes(
    words: Sequence[str], start: int = 0, end: int | None = None
) -> list[PostcodeReading]:
    """Valid postcodes in ``words[start:end]``, longest first at each place, not overlapping."""
    stop = len(words) if end is None else end
    found: list[PostcodeReading] = []
    i = start
    while i < stop:
        if not is_postcode_word(words[i]) or words[i] in _EXTRA_WORDS - {"double", "x"}:
            i += 1
            continue
        run_end = i
        while run_end < stop and is_postcode_word(words[run_end]) and run_end - i < 14:
            # "s for sugar", "s as in sierra": the confirming word belongs to the run
            prev = _letter(words[run_end - 1]) if run_end > i else None
            nxt = words[run_end + 1] if run_end + 1 < stop else ""
            after = words[run_end + 2] if run_end + 2 < stop else ""
            if prev and words[run_end] == "for" and nxt[:1].upper() == prev:
                run_end += 2
                continue
            if prev and words[run_end : run_end + 2] == ["as", "in"] and after[:1].upper() == prev:
                run_end += 3
                continue
            run_end += 1
        if not _can_start(words[i], words[i + 1] if i + 1 < stop else ""):
            i += 1
            continue
        best: PostcodeReading | None = None
        for j in range(min(run_end, i + 12), i + 1, -1):
            if not _can_end(words[j - 1]):
                continue
            value = _parse(words, i, j)
            if value is not None:
                best = PostcodeReading(value, i, j)
                break
        if best is None:
            i += 1
            continue
        found.append(best)
        i = best.end
    return found
