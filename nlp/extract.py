"""Demographics from one transcript: the pure core of speech capture.

How a transcript is read:

1. :func:`nlp.pipeline.normalise_text` keeps offsets, the rules pipeline
   tokenises and its entity ruler marks **cues** (``CUE_DOB`` = ``date of
   birth``, ``born``; ``CUE_POSTCODE`` = ``postcode``, ``i live at`` ...).
2. A field cue opens a **slot** that runs to the next field cue; correction
   cues (``no sorry``, ``i mean``) stay inside the slot.
3. Each field is read inside its slots with its grammar (``nlp.dates``,
   ``nlp.postcodes``, ``nlp.numbers`` + Modulus 11 / ``phonenumbers``,
   ``nlp.names``), then outside any slot with stricter checks (a ten-digit
   run that passes Modulus 11 is an NHS number, an ``0``-led run that is a
   possible UK number is a phone number, a postcode must be a valid one).
4. When a field is said twice, the later reading wins; after a correction
   cue a partial reading (``the fifth``, ``four q p``, the last digits) is
   merged into the earlier one.

Confidence is a rule-of-thumb score: 0.95 for a value read in its slot and
validated, lower outside a slot, after a weak cue or when two readings
disagree without a correction cue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import phonenumbers
from nhs_number.validate import is_valid as _nhs_is_valid

from nlp.dates import DateReading, find_dates, plausible, read_year
from nlp.models import Extraction, Field, Rejected, Span
from nlp.names import NAME_STOP, NameReading, is_name_word, read_name
from nlp.numbers import FILLERS, DigitRun, is_number_word, read_digits, read_ordinal
from nlp.pipeline import Pipeline, get_pipeline, normalise_text
from nlp.postcodes import find_postcodes, normalise_postcode, read_inward

__all__ = ["RELATIONS", "extract", "normalise_nhs_number", "normalise_phone"]

_FIELD_CUES = frozenset(
    {
        "CUE_NAME",
        "CUE_NAME_THIS",
        "CUE_NAME_ITS",
        "CUE_NAME_IM",
        "CUE_NAME_OTHER",
        "CUE_GIVEN",
        "CUE_FAMILY",
        "CUE_DOB",
        "CUE_POSTCODE",
        "CUE_NHS",
        "CUE_PHONE",
    }
)
_VALUE_CUES = ("CUE_DOB", "CUE_POSTCODE", "CUE_NHS", "CUE_PHONE")
_WEAK_NAME_CUES = frozenset({"CUE_NAME_THIS", "CUE_NAME_ITS", "CUE_NAME_IM"})
_WEAK_REJECT = frozenset(
    {
        "fine", "afraid", "scared", "struggling", "just", "still", "home", "alone", "pregnant",
        "diabetic", "asthmatic", "allergic", "away", "urgent", "serious", "important",
        "worried", "feeling", "ringing", "calling", "phoning", "trying", "having", "getting",
        "going", "bad", "terrible", "awful", "better", "worse", "quite", "very", "really",
        "not", "unsure", "confused", "dizzy", "tired", "exhausted", "hot", "cold", "freezing",
        "sick", "poorly", "unwell", "ill", "hurt", "injured", "bleeding", "breathless", "sorry",
        "his", "her", "their", "the", "a", "an", "in", "at", "on", "from", "with", "out",
        "over", "nearly", "almost", "about", "aged", "age", "yesterday", "today", "tonight",
        "last", "gonna", "wanting", "needing", "looking", "after", "worrying", "concerned",
        "desperate", "stuck", "lost", "panicking", "shaking", "vomiting", "coughing",
    }
)  # fmt: skip

RELATIONS: dict[str, str] = {
    "mum": "mother", "mother": "mother", "mom": "mother", "mummy": "mother", "mam": "mother",
    "dad": "father", "father": "father", "daddy": "father",
    "son": "son", "stepson": "son", "daughter": "daughter", "stepdaughter": "daughter",
    "wife": "wife", "husband": "husband", "partner": "partner", "boyfriend": "partner",
    "girlfriend": "partner", "baby": "child", "child": "child", "kid": "child",
    "toddler": "child", "little": "child", "boy": "child", "girl": "child",
    "nan": "grandmother", "nana": "grandmother", "gran": "grandmother",
    "granny": "grandmother", "grandma": "grandmother", "grandmother": "grandmother",
    "grandad": "grandfather", "granddad": "grandfather", "grandpa": "grandfather",
    "grandfather": "grandfather", "grandson": "grandchild", "granddaughter": "grandchild",
    "brother": "brother", "sister": "sister", "friend": "friend", "neighbour": "neighbour",
    "uncle": "uncle", "auntie": "aunt", "aunt": "aunt", "niece": "niece", "nephew": "nephew",
    "cousin": "cousin", "flatmate": "friend", "lodger": "other",
    "patient": "patient", "resident": "patient", "client": "patient",
}  # fmt: skip
"""Relation words of the on-behalf-of field, mapped to their normal form."""

_BEHALF_BEFORE = frozenset({"for", "about", "behalf", "regarding", "re", "concerning"})
_BEHALF_AFTER = frozenset(
    {"is", "'s", "has", "was", "ca", "can", "needs", "keeps", "got", "had", "been",
     "having", "wo", "does", "did", "feels", "fell", "woke", "collapsed", "seems"}
)  # fmt: skip
_POSSESSIVE = frozenset({"my", "our"})
_TITLES_ANYWHERE = frozenset({"mr", "mrs", "miss", "ms", "mx", "mister", "missus"})
_CHILD_WORDS = frozenset({"boy", "girl", "lad", "lass", "one", "man", "lady", "baby"})


@dataclass(frozen=True, slots=True)
class _Cue:
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Slot:
    label: str
    cue_start: int
    start: int
    end: int


@dataclass(slots=True)
class _Context:
    text: str
    words: list[str]
    starts: list[int]
    ends: list[int]
    cues: list[_Cue]
    corrections: list[_Cue]
    slots: list[_Slot]
    consumed: list[bool]
    today: dt.date
    pipeline: Pipeline

    def span(self, start: int, end: int) -> Span:
        a = self.starts[start]
        b = self.ends[end - 1]
        return Span(a, b, self.text[a:b])

    def consume(self, start: int, end: int) -> None:
        for k in range(start, end):
            self.consumed[k] = True

    def free(self, start: int, end: int) -> bool:
        return not any(self.consumed[start:end])

    def corrected_between(self, a: int, b: int) -> bool:
        """A correction cue (or a bare ``no`` before a value) lies in ``[a, b)``."""
        if any(a <= c.start < b + 1 for c in self.corrections):
            return True
        return any(self.words[k] == "no" for k in range(max(a, 0), min(b, len(self.words))))

    def slots_of(self, *labels: str) -> list[_Slot]:
        return [s for s in self.slots if s.label in labels]

    def in_cue(self, index: int) -> bool:
        return any(c.start <= index < c.end for c in self.cues)

    def in_slot(self, index: int, *labels: str) -> bool:
        return any(s.start <= index < s.end for s in self.slots if s.label in labels)


def _context(text: str, today: dt.date, pipeline: Pipeline) -> _Context:
    doc = pipeline.rules(normalise_text(text))
    words: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    index_of: list[int] = []
    glue = False
    for token in doc:
        if token.is_space or token.text in FILLERS:
            # hesitations are never part of a value: "twenty second um of june"
            index_of.append(len(words))
            glue = False
            continue
        if glue and token.text.isalnum() and words and words[-1].isalnum():
            # the tokenizer split a written chunk ("0lb" -> "0" "lb"): join it again
            index_of.append(len(words) - 1)
            words[-1] += token.text
            ends[-1] = token.idx + len(token.text)
        else:
            index_of.append(len(words))
            words.append(token.text)
            starts.append(token.idx)
            ends.append(token.idx + len(token.text))
        glue = not token.whitespace_
    index_of.append(len(words))
    cues = [_Cue(e.label_, index_of[e.start], index_of[e.end]) for e in doc.ents]
    cues.sort(key=lambda c: c.start)
    corrections = [c for c in cues if c.label == "CUE_CORRECTION"]
    field_cues = [c for c in cues if c.label in _FIELD_CUES]
    ctx = _Context(text, words, starts, ends, cues, corrections, [], [False] * len(words), today,
                   pipeline)  # fmt: skip
    active = [c for c in field_cues if c.label not in _WEAK_NAME_CUES or _weak_name(ctx, c)]
    for k, cue in enumerate(active):
        end = active[k + 1].start if k + 1 < len(active) else len(words)
        ctx.slots.append(_Slot(cue.label, cue.start, cue.end, max(end, cue.end)))
    return ctx


# ---------------------------------------------------------------- names


def _weak_name(ctx: _Context, cue: _Cue) -> NameReading | None:
    """The name after ``this is`` / ``it's`` / ``i'm``, when it looks like one."""
    words = ctx.words
    i = cue.end
    if i >= len(words) or words[i] in _WEAK_REJECT or words[i].endswith("ing"):
        return None
    reading = read_name(words, i, min(len(words), i + 6))
    if reading is None or (reading.given is None and (reading.family is None or reading.spelled)):
        return None
    n_words = reading.end - reading.start
    after = words[reading.end] if reading.end < len(words) else None
    closes = (
        after is None
        or after in NAME_STOP
        or any(c.start == reading.end for c in ctx.cues)
        or _starts_value(after)
    )
    if cue.label in ("CUE_NAME_ITS", "CUE_NAME_IM") and cue.start > 4:
        return None
    if not closes:
        return None
    starts_cue = any(c.start == reading.end and c.label in _FIELD_CUES for c in ctx.cues)
    family_said_apart = any(c.label == "CUE_FAMILY" for c in ctx.cues)
    if (
        cue.label != "CUE_NAME_THIS"
        and n_words < 2
        and after not in ("speaking", "here", "calling", None)
        and not starts_cue
        and not family_said_apart
    ):
        return None
    return reading


def _starts_value(word: str) -> bool:
    """A word that starts a value said without its cue: a number or a spoken letter."""
    return is_number_word(word) or (len(word) == 1 and word.isalpha() and word != "a")


def _model_person(ctx: _Context, stop: int) -> NameReading | None:
    """The statistical model's first PERSON among the words before ``stop``."""
    model = ctx.pipeline.model
    if model is None or stop <= 0:
        return None
    a, b = ctx.starts[0], ctx.ends[stop - 1]
    doc = model(normalise_text(ctx.text)[a:b])
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        i = next((k for k, s in enumerate(ctx.starts) if s == a + ent.start_char), None)
        if i is None or not ctx.free(i, i + 1) or ctx.in_slot(i, *_VALUE_CUES) or ctx.in_cue(i):
            continue
        reading = read_name(ctx.words, i, min(stop, i + len(ent)))
        if reading is not None and reading.given is not None:
            return reading
    return None


_LEADING_SKIP = frozenset(
    {"hi", "hello", "hiya", "hey", "yes", "yeah", "yep", "ok", "okay", "right", "so", "well",
     "um", "umm", "uh", "er", "erm", "oh", "good", "morning", "afternoon", "evening", "there",
     "sorry", "please", "thanks", "thank", "you", "hullo", "alright", "love"}
)  # fmt: skip


def _names(ctx: _Context, behalf: Field | None, *, guess: bool = True) -> dict[str, Field]:
    """given_name / family_name (of the patient) and the caller's own when different."""
    words = ctx.words
    # (strength, position, reading, patient?, label)
    found: list[tuple[int, int, NameReading, bool, str]] = []
    given_only: list[tuple[int, str, int, int]] = []
    family_only: list[tuple[int, str, int, int]] = []
    for slot in ctx.slots:
        label = slot.label
        if label not in _FIELD_CUES or (
            not label.startswith("CUE_NAME")
            and label
            not in (
                "CUE_GIVEN",
                "CUE_FAMILY",
            )
        ):
            continue
        # the cue, then each correction inside the slot, may start a name
        starts = [slot.start] + [c.end for c in ctx.corrections if slot.start <= c.start < slot.end]
        for pos in starts:
            stop = slot.end
            if label == "CUE_GIVEN" or label == "CUE_FAMILY":
                r = read_name(words, pos, stop, allow_first_stopword=True, max_words=2)
                if r is None:
                    continue
                if label == "CUE_GIVEN":
                    value = r.given or r.family
                    if value:
                        given_only.append((r.start, value, r.start, r.end))
                else:
                    parts = [p for p in (r.given, r.family) if p]
                    if r.spelled and r.family:
                        parts = [r.family]
                    family_only.append((r.start, " ".join(parts), r.start, r.end))
                ctx.consume(r.start, r.end)
                continue
            if label in _WEAK_NAME_CUES and pos == slot.start:
                r = _weak_name(ctx, _Cue(label, slot.cue_start, slot.start))
                strength = 2 if label == "CUE_NAME_THIS" else 1
            else:
                r = read_name(words, pos, stop, allow_first_stopword=True)
                strength = 3
            if r is None or not ctx.free(r.start, r.end):
                continue
            found.append((strength, r.start, r, label == "CUE_NAME_OTHER", label))
            ctx.consume(r.start, r.end)
    # a relation word followed by a name: "my mum jean smith", "a resident mr arthur banks"
    for k, w in enumerate(words):
        if w not in RELATIONS or k == 0 or k + 1 >= len(words):
            continue
        if words[k - 1] not in _POSSESSIVE and not (
            words[k - 1] in ("a", "the") and RELATIONS[w] == "patient"
        ):
            continue
        j = k + 1
        while j < len(words) and words[j] in _CHILD_WORDS:
            j += 1
        if j < len(words):
            r = read_name(words, j, min(len(words), j + 5))
            if r is not None and r.given is not None and ctx.free(r.start, r.end):
                found.append((2, r.start, r, True, "relation"))
                ctx.consume(r.start, r.end)
    # a title with a full name, anywhere: "i'm calling for mrs edna price"
    for k, w in enumerate(words):
        if w not in _TITLES_ANYWHERE or not ctx.free(k, k + 1) or ctx.in_slot(k, *_VALUE_CUES):
            continue
        r = read_name(words, k, min(len(words), k + 5))
        if r is None or r.given is None or r.family is None or not ctx.free(r.start, r.end):
            continue
        for_patient = bool(set(words[max(0, k - 4) : k]) & _BEHALF_BEFORE)
        found.append((2 if for_patient else 1, r.start, r, for_patient, "title"))
        ctx.consume(k, r.end)
    method = "rules"
    if guess and not found and not given_only and not family_only:
        # leading words: "george williams i was born ..."
        i = 0
        while i < len(words) and words[i] in _LEADING_SKIP:
            i += 1
        r = read_name(words, i, min(len(words), i + 4))
        if (
            r is not None
            and r.family is not None
            and r.given is not None
            and not ctx.in_cue(r.start)
            and not ctx.in_slot(r.start, *_VALUE_CUES)
            and r.start == i
            and ctx.free(r.start, r.end)
            and (r.end == len(words) or words[r.end] in NAME_STOP or any(
                c.start == r.end for c in ctx.cues))
        ):  # fmt: skip
            found.append((1, r.start, r, False, "leading"))
            ctx.consume(r.start, r.end)
    if guess and not found and not given_only and not family_only:
        first_cue = min((s.cue_start for s in ctx.slots), default=len(words))
        r = _model_person(ctx, max(first_cue, min(len(words), 8)))
        if r is not None:
            found.append((1, r.start, r, False, "model"))
            ctx.consume(r.start, r.end)
            method = "model"
    out: dict[str, Field] = {}
    patient = [f for f in found if f[3]]
    own = [f for f in found if not f[3]]
    chosen_pool = patient if patient else own
    if chosen_pool:
        best_strength = max(f[0] for f in chosen_pool)
        pool = [f for f in chosen_pool if f[0] == best_strength]
        first = pool[0]
        strength, _, reading, _, _ = pool[-1]
        corrected = len(pool) > 1 and ctx.corrected_between(first[2].start, reading.start)
        if corrected and (reading.family is None) and first[2].family is not None:
            # one word corrected: replace the part it is closest to
            given, family = first[2].given, first[2].family
            new = reading.given or ""
            if given and _close(new, given) >= _close(new, family or ""):
                reading = replace(reading, given=new, family=family)
            else:
                reading = replace(reading, given=given, family=new)
        base = {3: 0.93, 2: 0.85, 1: 0.65}[strength]
        if method == "model":
            base = 0.5
        if behalf is not None and not patient:
            base -= 0.15  # the caller's own name while speaking for someone else
        span = ctx.span(reading.start, reading.end)
        if reading.given:
            out["given_name"] = Field("given_name", reading.given, base, span, corrected, method)
        if reading.family:
            conf = base if reading.given else base - 0.1
            out["family_name"] = Field("family_name", reading.family, conf, span, corrected, method)
        if patient and own:
            caller = own[-1][2]
            cspan = ctx.span(caller.start, caller.end)
            if caller.given:
                out["caller_given_name"] = Field("caller_given_name", caller.given, 0.8, cspan)
            if caller.family:
                out["caller_family_name"] = Field("caller_family_name", caller.family, 0.8, cspan)
    if given_only:
        _, value, a, b = given_only[-1]
        out["given_name"] = Field("given_name", value, 0.93, ctx.span(a, b), len(given_only) > 1)
    if family_only:
        _, value, a, b = family_only[-1]
        out["family_name"] = Field("family_name", value, 0.93, ctx.span(a, b), len(family_only) > 1)
    return out


def _close(a: str, b: str) -> float:
    a, b = a.lower(), b.lower()
    if not a or not b:
        return 0.0
    same = sum(1 for x, y in zip(a, b, strict=False) if x == y)
    return same / max(len(a), len(b))


# ---------------------------------------------------------------- on behalf of


def _on_behalf(ctx: _Context) -> Field | None:
    words = ctx.words
    best: tuple[float, int] | None = None
    for k, w in enumerate(words):
        if w not in RELATIONS or k == 0:
            continue
        prev = words[k - 1]
        if prev not in _POSSESSIVE and not (prev in ("the", "a") and RELATIONS[w] == "patient"):
            continue
        before = set(words[max(0, k - 4) : k - 1])
        after = words[k + 1] if k + 1 < len(words) else ""
        if before & _BEHALF_BEFORE:
            conf = 0.9
        elif after in _BEHALF_AFTER or after in RELATIONS or is_name_word(after):
            conf = 0.75
        else:
            conf = 0.55
        if best is None or conf > best[0]:
            best = (conf, k)
    for k in range(len(words) - 1):
        if words[k] in ("his", "her", "their") and words[k + 1] == "carer":
            return Field("on_behalf_of", "cared_for", 0.85, ctx.span(k, k + 2))
    if best is None:
        return None
    conf, k = best
    return Field("on_behalf_of", RELATIONS[words[k]], conf, ctx.span(k - 1, k + 1))


# ---------------------------------------------------------------- dates


def _dob(ctx: _Context, rejected: list[Rejected]) -> Field | None:
    readings: list[tuple[DateReading, bool]] = []
    for slot in ctx.slots_of("CUE_DOB"):
        found = find_dates(ctx.words, slot.start, slot.end, today=ctx.today, numeric=True)
        covered = {k for r in found for k in range(r.start, r.end)}
        for r in found:
            readings.append((r, True))
        # a year said apart: "born in nineteen thirty one ... the nineteenth of february"
        k = slot.start
        while k < slot.end:
            if k in covered:
                k += 1
                continue
            years = [y for y in read_year(ctx.words[: slot.end], k) if not y[2]]
            if years:
                said_year, y_end, _ = max(years, key=lambda y: y[1])
                readings.append((DateReading(k, y_end, said_year, None, None), True))
                k = y_end
                continue
            # a day alone right after a correction: "... no sorry the fifth"
            if any(c.end in (k, k - 1) for c in ctx.corrections) or (
                k > 0 and ctx.words[k - 1] == "no"
            ):
                j = k + 1 if ctx.words[k] == "the" else k
                days = [d for d in read_ordinal(ctx.words[: slot.end], j) if 1 <= d[0] <= 31]
                if days:
                    day_value, d_end = max(days, key=lambda d: d[1])
                    readings.append((DateReading(k, d_end, None, None, day_value), True))
                    k = d_end
                    continue
            k += 1
    in_slot = {k for s in ctx.slots_of("CUE_DOB") for k in range(s.start, s.end)}
    for r in find_dates(ctx.words, 0, today=ctx.today):
        if (
            r.complete
            and not r.two_digit_year
            and not any(k in in_slot for k in range(r.start, r.end))
            and not any(ctx.in_slot(k, *_VALUE_CUES) for k in range(r.start, r.end))
        ):
            readings.append((r, False))
    readings = [(r, s) for r, s in readings if ctx.free(r.start, r.end)]
    if not readings:
        return None
    readings.sort(key=lambda rs: rs[0].start)
    year: int | None = None
    month: int | None = None
    day: int | None = None
    start = end = 0
    corrected = False
    conflict = False
    slotted = False
    prev_end = -1
    for r, s in readings:
        marker = prev_end >= 0 and ctx.corrected_between(prev_end, r.start)
        if r.complete:
            complete = year is not None and month is not None and day is not None
            if complete and (r.year, r.month, r.day) != (year, month, day):
                corrected = corrected or marker
                conflict = conflict or not marker
            year, month, day = r.year, r.month, r.day
            start, end, slotted = r.start, r.end, s
        else:
            complete = year is not None and month is not None and day is not None
            if complete and not marker:
                continue
            if complete:
                corrected = True
            if r.year is not None:
                year = r.year
            if r.month is not None:
                month = r.month
            if r.day is not None:
                day = r.day
            if prev_end < 0:
                start = r.start
            end = max(end, r.end)
            slotted = slotted or s
        prev_end = r.end
    if year is None or month is None or day is None:
        return None
    try:
        value = dt.date(year, month, day)
    except ValueError:
        rejected.append(Rejected("date_of_birth", "impossible", ctx.span(start, end)))
        return None
    if not plausible(value, ctx.today):
        rejected.append(Rejected("date_of_birth", "implausible", ctx.span(start, end)))
        return None
    ctx.consume(start, end)
    for r, _ in readings:
        ctx.consume(r.start, r.end)
    conf = 0.95 if slotted else 0.75
    if conflict:
        conf -= 0.25
    first = readings[0][0]
    if any(r.two_digit_year or r.numeric for r, _ in readings):
        conf -= 0.1
    return Field("date_of_birth", value.isoformat(), conf, ctx.span(min(first.start, start), end),
                 corrected)  # fmt: skip


# ---------------------------------------------------------------- postcodes


def _postcode(ctx: _Context) -> Field | None:
    found: list[tuple[int, int, str, float]] = []
    for slot in ctx.slots_of("CUE_POSTCODE"):
        for r in find_postcodes(ctx.words, slot.start, slot.end):
            if ctx.free(r.start, r.end):
                found.append((r.start, r.end, r.value, 0.95))
        # a correction of the inward code alone: "... four q t no sorry four q p"
        for c in ctx.corrections:
            if not (slot.start <= c.start < slot.end) or not found:
                continue
            if any(f[0] >= c.end for f in found):
                continue
            inward = read_inward(ctx.words, c.end, slot.end)
            if inward is not None:
                a, _, value, conf = found[-1]
                fixed = normalise_postcode(value.split()[0] + inward[0])
                if fixed is not None:
                    found.append((a, inward[1], fixed, conf))
    if not found:
        k = 0
        while k < len(ctx.words):
            if ctx.consumed[k]:
                k += 1
                continue
            j = k
            while j < len(ctx.words) and not ctx.consumed[j]:
                j += 1
            for r in find_postcodes(ctx.words, k, j):
                found.append((r.start, r.end, r.value, 0.75))
            k = j
    if not found:
        return None
    a, b, value, conf = found[-1]
    corrected = len({f[2] for f in found}) > 1
    ctx.consume(a, b)
    return Field("postcode", value, conf, ctx.span(a, b), corrected)


# ---------------------------------------------------------------- NHS and phone numbers


def normalise_nhs_number(digits: str) -> str | None:
    """Ten digits passing Modulus 11, or None."""
    if len(digits) != 10 or not digits.isdigit():
        return None
    return digits if _nhs_is_valid(digits) else None


def normalise_phone(digits: str) -> str | None:
    """E.164 for a UK (or ``+``-prefixed) number that can exist, or None.

    Ofcom's drama ranges (07700 900xxx, 01632 960xxx) are *possible* but not
    *valid* numbers: they are accepted, as any possible number of the right length.
    """
    if not digits or len(digits) < 7:
        return None
    try:
        parsed = phonenumbers.parse(digits, "GB")
    except phonenumbers.NumberParseException:
        return None
    national = str(parsed.national_number)
    if not phonenumbers.is_possible_number(parsed):
        return None
    if parsed.country_code == 44:
        if not digits.startswith(("0", "+", "00")):
            return None
        if len(national) != 10 and not phonenumbers.is_valid_number(parsed):
            return None
    elif not digits.startswith(("+", "00")):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _digit_runs(ctx: _Context, start: int, stop: int) -> list[DigitRun]:
    runs: list[DigitRun] = []
    k = start
    while k < stop:
        if ctx.consumed[k]:
            k += 1
            continue
        run = read_digits(ctx.words[:stop], k)
        if run is None:
            k += 1
            continue
        end = run.end
        for j in range(run.start, run.end):
            if ctx.consumed[j]:
                end = j
                break
        if end < run.end:
            pieces = tuple(p for p in run.pieces if p[1] <= end)
            if not pieces:
                k += 1
                continue
            run = DigitRun("".join(p[2] for p in pieces), run.start, pieces[-1][1], pieces)
        if run.start > 0 and ctx.words[run.start - 1] in ("plus", "+"):
            run = DigitRun("+" + run.digits, run.start - 1, run.end, run.pieces)
        runs.append(run)
        k = max(run.end, k + 1)
    return runs


def _split_nhs(digits: str) -> tuple[str, str] | None:
    """A valid NHS number at the start of a longer digit string, and the rest."""
    value = normalise_nhs_number(digits[:10])
    return (value, digits[10:]) if value else None


def _phone_in(digits: str) -> str | None:
    """A phone number reading of a run: all of it, or its first 11 / 12 (+44) digits."""
    value = normalise_phone(digits)
    if value is not None:
        return value
    for length in (11, 13 if digits.startswith("+") else 12):
        if len(digits) > length:
            value = normalise_phone(digits[:length])
            if value is not None:
                return value
    return None


def _numbers(ctx: _Context, rejected: list[Rejected]) -> dict[str, Field]:
    nhs: list[tuple[str, int, int, float, bool]] = []
    phone: list[tuple[str, int, int, float, bool]] = []
    seen: set[tuple[int, int]] = set()

    attempts: dict[str, list[tuple[int, int]]] = {"nhs": [], "phone": []}
    last_full: dict[str, tuple[str, int, int]] = {}

    def consider(run: DigitRun, kind: str | None, slot_start: int) -> None:
        digits = run.digits
        span = (run.start, run.end)
        if span in seen:
            return
        seen.add(span)
        if kind is not None:
            attempts[kind].append(span)
        if kind == "nhs":
            value = normalise_nhs_number(digits)
            if value is None and len(digits) > 10:
                split = _split_nhs(digits)
                if split is not None:
                    value = split[0]
            if value is not None:
                nhs.append((value, run.start, run.end, 0.97, True))
                return
            # a correction of the last digits: "... one nine no sorry one eight"
            prev = last_full.get("nhs")
            if prev and len(digits) < 10 and ctx.corrected_between(prev[2], run.start):
                fixed = normalise_nhs_number(prev[0][: 10 - len(digits)] + digits)
                if fixed is not None:
                    nhs.append((fixed, prev[1], run.end, 0.9, True))
                    return
            if len(digits) == 10:
                last_full["nhs"] = (digits, run.start, run.end)
            as_phone = _phone_in(digits) if digits.startswith(("0", "+")) else None
            if as_phone is not None:
                phone.append((as_phone, run.start, run.end, 0.7, True))
                return
            if len(digits) >= 6:
                reason = "checksum" if len(digits) == 10 else "length"
                rejected.append(Rejected("nhs_number", reason, ctx.span(run.start, run.end)))
            return
        if kind == "phone":
            value = _phone_in(digits)
            if value is not None:
                phone.append((value, run.start, run.end, 0.95, True))
                return
            if phone and len(digits) < 11 and ctx.corrected_between(phone[-1][2], run.start):
                old = "0" + phonenumbers.parse(phone[-1][0]).national_number.__str__()
                fixed = normalise_phone(old[: len(old) - len(digits)] + digits)
                if fixed is not None:
                    phone.append((fixed, phone[-1][1], run.end, 0.88, True))
                    return
            nhs_value = normalise_nhs_number(digits)
            if nhs_value is not None and not digits.startswith("0"):
                nhs.append((nhs_value, run.start, run.end, 0.75, True))
                return
            if len(digits) >= 6:
                rejected.append(Rejected("callback_number", "format", ctx.span(run.start, run.end)))
            return
        # outside any slot: only what validates
        split = _split_nhs(digits) if not digits.startswith(("0", "+")) else None
        if split is not None:
            nhs.append((split[0], run.start, run.end, 0.8, False))
            if len(split[1]) >= 10:
                value = _phone_in(split[1])
                if value is not None:
                    phone.append((value, run.start, run.end, 0.7, False))
            return
        value = _phone_in(digits) if digits.startswith(("0", "+")) else None
        if value is not None:
            phone.append((value, run.start, run.end, 0.75, False))

    for slot in ctx.slots:
        if slot.label in ("CUE_NHS", "CUE_PHONE"):
            kind = "nhs" if slot.label == "CUE_NHS" else "phone"
            for run in _digit_runs(ctx, slot.start, slot.end):
                consider(run, kind, slot.start)
    for run in _digit_runs(ctx, 0, len(ctx.words)):
        if len(run.digits.lstrip("+")) >= 10 and not ctx.in_slot(run.start, "CUE_NHS", "CUE_PHONE"):
            consider(run, None, 0)
    out: dict[str, Field] = {}
    for name, found in (("nhs_number", nhs), ("callback_number", phone)):
        if not found:
            continue
        value, a, b, conf, _ = found[-1]
        values = {f[0] for f in found}
        tried = attempts["nhs" if name == "nhs_number" else "phone"]
        earlier = [t for t in tried if t[1] <= found[-1][1] or t[0] < a]
        corrected = (len(values) > 1 or bool(earlier)) and any(
            ctx.corrected_between(t[1], b) for t in earlier if t[1] <= b and t != (a, b)
        )
        if len(values) > 1 and not corrected:
            conf -= 0.2
        for f in found:
            ctx.consume(f[1], f[2])
        out[name] = Field(name, value, conf, ctx.span(a, b), corrected)
    return out


# ---------------------------------------------------------------- entry point


def extract(text: str, *, today: dt.date | None = None, guess_names: bool = True) -> Extraction:
    """Read name, date of birth, postcode, NHS number and call-back number from a transcript.

    ``today`` fixes the reference date of the plausibility checks (tests);
    by default it is the local date. ``guess_names=False`` reads names only
    after a cue (no leading-words or statistical guess), as redaction does.
    Never raises on odd input: a transcript with nothing in it gives an empty result.
    """
    pipeline = get_pipeline()
    ctx = _context(text, today or dt.date.today(), pipeline)
    rejected: list[Rejected] = []
    fields: dict[str, Field] = {}
    if ctx.words:
        dob = _dob(ctx, rejected)
        behalf = _on_behalf(ctx)
        names = _names(ctx, behalf, guess=guess_names)
        postcode = _postcode(ctx)
        numbers_first = _numbers(ctx, rejected)
        for name in ("given_name", "family_name"):
            if name in names:
                fields[name] = names.pop(name)
        if dob is not None:
            fields["date_of_birth"] = dob
        if postcode is not None:
            fields["postcode"] = postcode
        fields.update(numbers_first)
        extra = dict(names)
        if behalf is not None:
            extra["on_behalf_of"] = behalf
    else:
        extra = {}
    ordered = {k: fields[k] for k in _ORDER if k in fields}
    rejected = [r for r in rejected if r.name not in ordered]
    return Extraction(text, ordered, pipeline.description, tuple(rejected), extra)


_ORDER = ("given_name", "family_name", "date_of_birth", "postcode", "nhs_number", "callback_number")
