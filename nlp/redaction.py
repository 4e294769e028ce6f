"""PII redaction for log records: names, dates, postcodes, NHS and phone numbers.

Attach :class:`RedactionFilter` to the **handlers** of the service's logging
setup (a filter on a logger does not see records propagated from its
children); :func:`install` does that for the root logger's handlers::

    logging.basicConfig(...)
    nlp.redaction.install()

The filter formats each record's message with its args, masks it and stores
the result as the message (args cleared); it also masks string ``extra``
attributes, the formatted exception and the stack. What is masked:

* written forms: two or more capitalised words inside a message (``said
  Grace Williams``), ten-plus-digit and six-plus-digit runs (``943 476 5919``,
  ``+447700900123``), dates (``1941-03-04``, ``04/03/1941``, ``4th March
  1941``), UK postcodes (``SE15 4QT``), e-mail addresses;
* spoken forms, by the extraction grammars: digit strings of six or more
  digits, dates, postcodes, and names after a name cue (``my name is ...``);
* values the service has seen on live calls (:class:`KnownIdentifiers`:
  ``remember(extraction)`` after each capture), wherever they appear.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

from nlp.dates import MONTHS, find_dates
from nlp.extract import extract
from nlp.models import Extraction
from nlp.numbers import read_digits
from nlp.pipeline import get_pipeline, normalise_text
from nlp.postcodes import find_postcodes

__all__ = ["KnownIdentifiers", "RedactionFilter", "install", "redact"]

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
_WRITTEN: list[tuple[str, re.Pattern[str]]] = [
    ("[EMAIL]", re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")),
    ("[DATE]", re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\b")),
    ("[DATE]", re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b")),
    (
        "[DATE]",
        re.compile(
            rf"\b\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTH_RE})\.?,?\s+\d{{2,4}}\b"
            rf"|\b(?:{_MONTH_RE})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b",
            re.IGNORECASE,
        ),
    ),
    (
        "[POSTCODE]",
        re.compile(
            r"\b(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
            r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])\s?[0-9][ABD-HJLNP-UW-Z]{2}\b",
            re.IGNORECASE,
        ),
    ),
    ("[NUMBER]", re.compile(r"(?<![\w.])\+?\d(?:[\s\-]?\d){5,}(?![\w.])")),
]
# Runs of capitalised words: "... said Grace Williams ...", "Patient John O'Brien"
_NAME_WORD = r"[A-Z][a-z]*'?[A-Z]?[a-z]+(?:-[A-Z][a-z]+)?"
_TITLE_RUN = re.compile(rf"\b{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|de|van|von|der|da|di|al))+\b")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+|\n)\s*[\"'(\[]?$")


def _mask_title_runs(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        words = m.group(0).split()
        if _SENTENCE_START.search(text[: m.start()]):
            # the first word may just start the sentence
            head, words = words[0] + " ", words[1:]
        else:
            head = ""
        if len(words) < 2:
            return m.group(0)
        return head + "[NAME]"

    return _TITLE_RUN.sub(sub, text)


_TAG_RE = re.compile(r"\[(?:NAME|DATE|POSTCODE|NUMBER|EMAIL|REDACTED)\]")
_TAGS = {
    "given_name": "[NAME]",
    "family_name": "[NAME]",
    "caller_given_name": "[NAME]",
    "caller_family_name": "[NAME]",
    "date_of_birth": "[DATE]",
    "postcode": "[POSTCODE]",
    "nhs_number": "[NUMBER]",
    "callback_number": "[NUMBER]",
}
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys() | {"message", "asctime"}
)


class KnownIdentifiers:
    """Identifiers seen on live calls, masked wherever they appear (bounded, thread-safe)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._values: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str, tag: str = "[REDACTED]") -> None:
        """Mask ``value`` (case-insensitive, whole words) from now on."""
        value = value.strip().lower()
        if len(value) < 2:
            return
        with self._lock:
            self._values[value] = tag
            self._values.move_to_end(value)
            while len(self._values) > self._capacity:
                self._values.popitem(last=False)
            self._pattern = None

    def remember(self, extraction: Extraction) -> None:
        """Add every value of an extraction, and the words it was said in."""
        for field in [*extraction.fields.values(), *extraction.extra.values()]:
            tag = _TAGS.get(field.name)
            if tag is None:
                continue
            self.add(field.value, tag)
            self.add(field.span.text, tag)
            if field.name == "callback_number" and field.value.startswith("+44"):
                self.add("0" + field.value[3:], tag)

    def __len__(self) -> int:
        return len(self._values)

    def redact(self, text: str) -> str:
        """``text`` with the known values masked."""
        with self._lock:
            if not self._values:
                return text
            if self._pattern is None:
                alternatives = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile(
                    r"(?<!\w)(?:" + "|".join(re.escape(v) for v in alternatives) + r")(?!\w)",
                    re.IGNORECASE,
                )
            pattern, values = self._pattern, dict(self._values)
        return pattern.sub(lambda m: values.get(m.group(0).lower(), "[REDACTED]"), text)


def _spoken_spans(text: str) -> list[tuple[int, int, str]]:
    """Character spans of spoken identifiers in ``text`` (digits, dates, postcodes, names)."""
    spans: list[tuple[int, int, str]] = []
    doc = get_pipeline().rules.make_doc(normalise_text(text))
    tokens = [t for t in doc if not t.is_space]
    words = [t.text for t in tokens]
    if not words:
        return spans

    def add(a: int, b: int, tag: str) -> None:
        spans.append((tokens[a].idx, tokens[b - 1].idx + len(tokens[b - 1]), tag))

    k = 0
    while k < len(words):
        run = read_digits(words, k)
        if run is not None and len(run.digits) >= 6:
            add(run.start, run.end, "[NUMBER]")
            k = run.end
        else:
            k += 1
    for postcode in find_postcodes(words):
        add(postcode.start, postcode.end, "[POSTCODE]")
    import datetime as dt

    for date in find_dates(words, today=dt.date.today()):
        if date.month is not None and (date.day is not None or date.year is not None):
            add(date.start, date.end, "[DATE]")
    result = extract(text, guess_names=False)
    for field in [*result.fields.values(), *result.extra.values()]:
        tag = _TAGS.get(field.name)
        if tag is not None:
            spans.append((field.span.start, field.span.end, tag))
    for rejected in result.rejected:
        spans.append((rejected.span.start, rejected.span.end, "[REDACTED]"))
    return spans


def redact(text: str, known: KnownIdentifiers | None = None) -> str:
    """``text`` with names, dates, postcodes, NHS and phone numbers masked."""
    if not text:
        return text
    if known is not None:
        text = known.redact(text)
    for tag, pattern in _WRITTEN:
        text = pattern.sub(tag, text)
    text = _mask_title_runs(text)
    spans = _spoken_spans(_TAG_RE.sub(lambda m: " " * len(m.group(0)), text))
    if spans:
        spans.sort(key=lambda s: (s[0], -s[1]))
        out: list[str] = []
        pos = 0
        for a, b, tag in spans:
            if a < pos:
                if b > pos:
                    pos = b
                continue
            out.append(text[pos:a])
            out.append(tag)
            pos = b
        out.append(text[pos:])
        text = "".join(out)
    return text


class RedactionFilter(logging.Filter):
    """A logging filter that masks identifiers in every record it sees (never drops one)."""

    def __init__(self, name: str = "", *, known: KnownIdentifiers | None = None) -> None:
        super().__init__(name)
        self.known = known

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_urgentline_redacted", False):
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message, self.known)
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.known)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.known)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.known)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                setattr(record, key, redact(value, self.known))
        record._urgentline_redacted = True
        return True


def install(
    handlers: Iterable[logging.Handler] | None = None, *, known: KnownIdentifiers | None = None
) -> RedactionFilter:
    """Add one :class:`RedactionFilter` to ``handlers`` (default: the root logger's)."""
    redaction = RedactionFilter(known=known)
    for handler in handlers if handlers is not None else logging.getLogger().handlers:
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(redaction)
    return redaction
