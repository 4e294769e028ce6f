"""Personal names in recogniser words: what may be a name, how to case it, spelling.

A *name word* is alphabetic (an apostrophe or hyphen inside is allowed), at
least two letters long, and not a function word, a number, a filler or one of
the cue words of the other fields. After a name cue (``my name is``) up to four
name words are read: the first is the given name, the last the family name,
and a surname particle (``de``, ``van``, ``al`` ...) joins the family name.
Letters spelled after a name (``smyth s m y t h``) replace the part they spell.
A recogniser's spaces are undone where a name cannot have them: ``o brien``
is ``O'Brien``, ``mc carthy`` ``McCarthy``, ``clarke hyphen hughes``
``Clarke-Hughes``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS

from nlp.numbers import FILLERS, is_number_word
from nlp.postcodes import LETTER_NAMES, NATO

__all__ = [
    "NAME_STOP",
    "NameReading",
    "case_name",
    "is_name_word",
    "read_name",
    "read_spelling",
]

_NAME_WORDS_IN_STOP_LIST = frozenset({"will", "may", "bill", "else", "top", "rather"})

NAME_STOP: frozenset[str] = frozenset(
    (set(STOP_WORDS) - _NAME_WORDS_IN_STOP_LIST)
    | FILLERS
    | {
        # conversation
        "hi",
        "hello",
        "hiya",
        "hey",
        "yeah",
        "yes",
        "yep",
        "ok",
        "okay",
        "right",
        "sorry",
        "thanks",
        "thank",
        "cheers",
        "good",
        "morning",
        "afternoon",
        "evening",
        "um",
        "uh",
        "like",
        "actually",
        "mean",
        "wait",
        "oops",
        "pardon",
        "sure",
        "think",
        "it's",
        "i'm",
        "that's",
        "there's",
        "he's",
        "she's",
        "we're",
        "they're",
        "don't",
        "can't",
        "speaking",
        "calling",
        "ringing",
        "phoning",
        "here",
        "i've",
        "i'd",
        # cue words of the other fields
        "date",
        "birth",
        "born",
        "dob",
        "birthday",
        "postcode",
        "post",
        "code",
        "postal",
        "zip",
        "address",
        "live",
        "living",
        "lives",
        "nhs",
        "health",
        "service",
        "number",
        "numbers",
        "phone",
        "mobile",
        "telephone",
        "landline",
        "contact",
        "callback",
        "back",
        "ring",
        "reach",
        "text",
        "on",
        "surname",
        "forename",
        "called",
        "spelled",
        "spelt",
        "spelling",
        "patient",
        "aged",
        "age",
        "years",
        "old",
        # relations (the on-behalf-of cue)
        "mum",
        "mother",
        "mom",
        "mummy",
        "dad",
        "father",
        "daddy",
        "son",
        "daughter",
        "wife",
        "husband",
        "partner",
        "baby",
        "child",
        "kid",
        "nan",
        "nana",
        "gran",
        "granny",
        "grandma",
        "grandmother",
        "grandad",
        "granddad",
        "grandpa",
        "grandfather",
        "brother",
        "sister",
        "friend",
        "neighbour",
        "boyfriend",
        "girlfriend",
        "uncle",
        "auntie",
        "aunt",
        "carer",
        "grandson",
        "granddaughter",
        "little",
        "boy",
        "girl",
        "toddler",
        "infant",
        "resident",
        "client",
        # symptoms and fillers that follow a name
        "unwell",
        "poorly",
        "ill",
        "sick",
        "about",
        "worried",
        "concerned",
    }
)
"""Words that end (or cannot start) a name."""

TITLES = frozenset(
    {"mr", "mrs", "miss", "ms", "mx", "mister", "missus", "dr", "doctor", "master", "sir",
     "dame", "nurse", "professor", "prof", "rev", "reverend", "lady", "lord"}
)  # fmt: skip
PARTICLES = frozenset(
    {"de", "da", "del", "della", "di", "du", "van", "von", "der", "den", "le", "la", "al",
     "el", "bin", "ben", "ap", "st", "mac", "mc", "ter", "ten", "dos", "das", "ni", "nic",
     "ui", "ua", "ibn", "abu", "des", "dela", "zu", "af"}
)  # fmt: skip
_NAME_RE = re.compile(r"[a-z][a-z'\-]*[a-z]")
_IRISH_O = frozenset({"o"})
"""``o brien``: a recogniser writes the apostrophe of ``O'Brien`` as a space."""
_JOINERS = frozenset({"hyphen", "hyphenated", "dash"})
"""``clarke hyphen hughes``: a double-barrelled name spelled out with its hyphen."""
_LEAD_SKIP = frozenset({"like", "so", "well", "just", "erm", "em"})
"""Filler words between a cue and the name (``my name is er like faith ...``)."""
_SPELL_LEADS = frozenset(
    {"that's", "thats", "that", "is", "it's", "its", "spelled", "spelt", "spelling",
     "as", "with", "a", "an", "i", "e", "'s", "which", "by", "the", "letters"}
)  # fmt: skip


def is_name_word(word: str) -> bool:
    """True for a word that can be part of a name."""
    return (
        _NAME_RE.fullmatch(word) is not None and word not in NAME_STOP and not is_number_word(word)
    )


def case_name(word: str) -> str:
    """``o'connor`` -> ``O'Connor``, ``mcdonald`` -> ``McDonald``.

    Each part after a hyphen, apostrophe or space is capitalised; ``mc`` keeps
    the next letter capital, and a separate ``mc`` / ``mac`` joins the next
    part (``mac donald`` -> ``MacDonald``).
    """
    out: list[str] = []
    for part in re.split(r"([\-' ])", word.lower()):
        if part == " " and out and out[-1] in ("Mc", "Mac"):
            continue  # "mc carthy" -> McCarthy, "mac donald" -> MacDonald
        if part in ("-", "'", " ") or not part:
            out.append(part)
        elif part in ("mc", "mac"):
            out.append(part.capitalize())
        elif part.startswith("mc") and len(part) > 3:
            out.append("Mc" + part[2:].capitalize())
        else:
            out.append(part.capitalize())
    return "".join(out)


@dataclass(frozen=True, slots=True)
class NameReading:
    """A name read from the words ``[start, end)``."""

    given: str | None
    family: str | None
    start: int
    end: int
    spelled: bool = False


def _letter(word: str) -> str | None:
    if len(word) == 1 and word.isalpha():
        return word
    found = NATO.get(word) or LETTER_NAMES.get(word)
    return found.lower() if found else None


def read_spelling(words: Sequence[str], i: int, stop: int) -> tuple[str, int] | None:
    """Letters spelled at ``words[i]`` (``s m i t h``, ``double l``); None for fewer than 2."""
    letters: list[str] = []
    j = i
    while j < stop:
        w = words[j]
        if w in ("double", "triple") and j + 1 < stop and _letter(words[j + 1]) is not None:
            letters.append((_letter(words[j + 1]) or "") * (2 if w == "double" else 3))
            j += 2
            continue
        if w in ("hyphen", "dash") and letters:
            letters.append("-")
            j += 1
            continue
        if w == "apostrophe" and letters:
            letters.append("'")
            j += 1
            continue
        letter = _letter(w)
        if letter is None:
            break
        letters.append(letter)
        j += 1
        if j + 1 < stop and words[j] == "for" and words[j + 1][:1] == letter:
            j += 2
        elif j + 2 < stop and words[j] == "as" and words[j + 1] == "in":
            j += 3
    text = "".join(letters)
    if sum(c.isalpha() for c in text) < 2:
        return None
    return text, j


def _similarity(a: str, b: str) -> float:
    """Share of positions where ``a`` and ``b`` agree, from the start."""
    if not a or not b:
        return 0.0
    same = sum(1 for x, y in zip(a, b, strict=False) if x == y)
    return same / max(len(a), len(b))


def _after_spelling(
    words: Sequence[str], given: str | None, family: str | None, end: int, stop: int
) -> tuple[str | None, str | None, int, bool]:
    """Apply letters spelled right after a name (optionally after ``that's``)."""
    j = end
    while j < stop and words[j] in _SPELL_LEADS and j - end < 3:
        j += 1
    for k in sorted({end, j}):
        spelled = read_spelling(words, k, stop)
        if spelled is None:
            continue
        text, spell_end = spelled
        if k == end and len(text) < 3:
            continue
        if family is None and given is not None and _similarity(text, given) < 0.5:
            return given, text, spell_end, True
        if given is not None and _similarity(text, given) > _similarity(text, family or ""):
            return text, family, spell_end, True
        return given, text, spell_end, True
    return given, family, end, False


def read_name(
    words: Sequence[str],
    i: int,
    stop: int,
    *,
    allow_first_stopword: bool = False,
    max_words: int = 3,
) -> NameReading | None:
    """The name at ``words[i]`` (after a cue), or None.

    ``allow_first_stopword`` lets a strong cue (``my name is``) take a given
    name that is also an English word (``will``, ``may``).
    """
    j = i
    titled = False
    while j < stop and (words[j] in TITLES or words[j] in FILLERS or words[j] in _LEAD_SKIP):
        titled = titled or words[j] in TITLES
        j += 1
    start = j
    parts: list[str] = []
    while j < stop and sum(p not in PARTICLES for p in parts) < max_words + 1:
        w = words[j]
        nxt = words[j + 1] if j + 1 < stop else ""
        if w in _IRISH_O and is_name_word(nxt) and nxt not in PARTICLES:
            parts.append(f"o'{nxt}")  # "o brien" -> O'Brien
            j += 2
            continue
        if w in _JOINERS and parts and is_name_word(nxt):
            parts[-1] = f"{parts[-1]}-{nxt}"  # "clarke hyphen hughes" -> Clarke-Hughes
            j += 2
            continue
        first_ok = (
            allow_first_stopword
            and not parts
            and _NAME_RE.fullmatch(w) is not None
            and w in _NAME_WORDS_IN_STOP_LIST
        )
        if is_name_word(w) or first_ok:
            parts.append(w)
            j += 1
            continue
        if w in PARTICLES and parts and j + 1 < stop and is_name_word(words[j + 1]):
            parts.append(w)
            j += 1
            continue
        break
    while len(parts) > 1 and parts[-1] in PARTICLES:  # "... salman al" + a word past the limit
        parts.pop()
        j -= 1
    if not parts:
        spelled = read_spelling(words, start, stop)
        if spelled is None or len(spelled[0]) < 3:
            return None
        return NameReading(None, case_name(spelled[0]), start, spelled[1], spelled=True)
    end = j
    # given = first word, family = the last word with its particles
    given: str | None = parts[0]
    family: str | None = None
    if titled and len(parts) == 1:
        given, family = None, parts[0]  # "mrs patel": a title goes with the family name
    elif len(parts) >= 2:
        k = len(parts) - 1
        while k > 1 and parts[k - 1] in PARTICLES:
            k -= 1
        family = " ".join(parts[k:])
        plain = sum(p not in PARTICLES for p in parts)
        if plain > max_words and k > 1 and parts[1] not in PARTICLES:
            # four plain words: keep the first as given and the last as family
            family = parts[-1]
    given, family, end, spelled_flag = _after_spelling(words, given, family, end, stop)
    return NameReading(
        case_name(given) if given else None,
        case_name(family) if family else None,
        start,
        end,
        spelled=spelled_flag,
    )
