"""Why people call: syndromic indicators and red flags, by explainable rules.

Labels are the indicators of ``domain/nhs-111-facts.md`` §6 (UKHSA Remote
Health Advice): ``cold_flu``, ``cough``, ``difficulty_breathing``,
``diarrhoea``, ``vomiting``, ``fever``, ``rash``, ``eye``, ``toothache``,
``heat``, ``mental_health``, ``other``; plus ``red_flag`` for 999-type
emergencies (chest pain, can't breathe, stroke signs, heavy bleeding,
unconscious / collapsed, fitting, anaphylaxis, overdose) that make the script
play the 999 advice and route with top priority.

How it works (every decision is an :class:`Evidence` you can print):

1. the rules pipeline tokenises and lemmatises (``coughing`` -> ``cough``,
   ``been sick`` -> ``be sick``);
2. a spaCy ``Matcher`` finds the lay terms and synonyms of each label (tables
   below); red-flag phrases are matched first and the words they use are not
   read again (``not breathing`` is a red flag, not ``difficulty_breathing``),
   then the ``other`` phrases, requests for a medicine or a service (``run out
   of my inhaler`` is ``other``, not ``difficulty_breathing``);
3. a match is **negated** when a negation (``no``, ``not``, ``n't``,
   ``never``, ``without``) comes up to four words before it in the same clause
   (a clause ends at ``but``, ``and``, ``though`` ...), unless the negation is
   ``not stop`` / ``not just`` (``can't stop coughing`` is a cough);
4. no label left means ``other``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from spacy.matcher import Matcher
from spacy.tokens import Doc

from nlp.pipeline import get_pipeline, lemma, normalise_text

__all__ = ["LABELS", "RED_FLAG", "Evidence", "ReasonResult", "classify", "classify_choice"]

RED_FLAG = "red_flag"
LABELS = (
    "cold_flu",
    "cough",
    "difficulty_breathing",
    "diarrhoea",
    "vomiting",
    "fever",
    "rash",
    "eye",
    "toothache",
    "heat",
    "mental_health",
    "other",
    RED_FLAG,
)

# Pattern mini-language, one string per phrase: words are matched on their
# lemma (``a|b`` alternatives, ``?w`` optional, ``~`` any one optional word,
# ``~2`` up to two words, ``=w`` the exact lower-case word, not its lemma).
RULES: dict[str, list[str]] = {
    RED_FLAG: [
        "chest pain|ache|pressure|crush|crushing|heaviness",
        "crush|crushing|severe|bad|sharp ~ chest",
        "pain|ache|pressure ~2 chest", "chest ~2 hurt|agony|killing",
        # pain that spreads: "my chest feels tight and it's going down my arm"
        "chest ~6 go|spread|radiate|shoot|travel ~3 arm|jaw|neck",
        "pain|ache|tight|tightness|pressure ~4 go|spread|radiate|shoot|travel ~3 jaw",
        "heart attack", "cardiac arrest",
        "can|could|cannot not breathe", "cannot breathe", "not breathe", "stop breathe",
        "struggle|fight|gasp to|for breathe|breath", "gasp", "can not catch ~ breath",
        "turn|go|gone blue", "blue lip", "lip ~2 blue", "choke",
        "stroke", "face|mouth|smile ~3 drop|droop|droopy|fall|fallen|lopsided",
        "droopy|drooping|lopsided face|mouth|smile",
        "slur ~2 speech|word|talk", "speech ~2 slur", "can not speak properly",
        "can not lift|move|raise|feel ~3 arm|leg|side", "one side ~2 weak|numb|paralyse|dead",
        "not =making sense", "talk|talking|speak|speaking gibberish|nonsense",
        "bleed ~2 heavily|badly|profusely|everywhere|lot|loads|heavy",
        "heavy|severe|massive|uncontrolled bleed", "lot|loads|load|pool of blood|bleed",
        "blood everywhere",
        "bleed ~4 not stop", "not stop bleed", "lose ~3 blood", "pour|gush ~2 blood",
        "haemorrhage|hemorrhage",
        "unconscious", "collapse", "unresponsive", "not respond|responsive",
        "not wake|waking ?up", "can not wake|rouse", "out cold", "pass out",
        "not come round|around|to", "not conscious",
        "=fitting", "=seizure", "=seizures", "=convulsion", "=convulsions", "have a fit",
        "anaphylaxis|anaphylactic", "throat ~2 swell|close|closing",
        "tongue|lip|lips|mouth|throat ~4 swell|swollen|swelling",
        "severe|serious|bad|major allergic reaction",
        "overdose", "kill myself|himself|herself|themselves", "suicide attempt",
        "attempt suicide", "take ~2 overdose",
        "too many ~3 tablet|pill|paracetamol|painkiller|medication|medicine",
        "=taken|took|swallowed ~3 packet|box|bottle|handful|load|lot|strip|whole ~3 tablet|pill"
        "|paracetamol|painkiller|medication|medicine|antidepressant|ibuprofen|aspirin",
        "swallow ~3 tablet|pill|bleach", "drink|drank|drunk ~3 bleach|poison|antifreeze",
        "meningitis",
        # a rash that does not fade under a glass (meningitis, sepsis)
        "rash|spot|mark|blotch ~5 not fade|blanch", "non|not blanch|blanching ~ rash|spot|mark",
        "non blanch|blanching", "rash|spot|mark|blotch ~12 glass", "glass ~6 rash|spot|mark",
        "glass test",
    ],
    "other": [
        "run|ran out of ~3 inhaler|drop|tablet|pill|medication|medicine|cream|spray",
        "repeat|new|emergency prescription|medication|supply",
        "need ~3 new|more|another|replacement|refill ~2 inhaler|drop|tablet|pill|medication"
        "|medicine|cream|spray",
        "temperature|temp ~3 normal|fine|ok|okay|down",
        "covid|flu|coronavirus ~ vaccine|vaccination|jab|booster",
    ],
    "difficulty_breathing": [
        "breathless|breathlessness", "short|shortness of breath", "out of breath",
        "wheeze|wheezy|wheezing", "difficulty|trouble|problem|struggle|hard|difficult ~2 breathe",
        "breathe ~2 difficult|hard|heavy|fast|funny|noisy|difficulty|problem|bad|awful"
        "|terrible|laboured|rattly|strange|weird",
        "puff|puffed out",
        "asthma|asthmatic", "inhaler|nebuliser|nebulizer", "not get|getting enough air|breath",
        "tight|tightness ~2 chest",
        "chest ~2 tight|tightness", "catch ~2 breath",
    ],
    "cough": ["cough|coughing|coughs", "chesty", "croup|croupy", "whoop|whooping"],
    "cold_flu": [
        "flu|influenza|flue", "a|the|bad|heavy|head|chest|stinking|nasty|horrible|awful"
        "|terrible|this|rotten|common|streaming|horrid cold",
        "cold ~ symptom|virus|bug", "runny|blocked|stuffy|streaming|bunged|stuffed ~2 nose",
        "bunged|stuffed up",
        "nose ~2 run|block|stuffy|streaming", "sneeze|sneezing", "sniffle|sniffles|snotty",
        "sore throat", "congest|congested|congestion", "ache all over", "achy all over",
        "ache everywhere", "covid|coronavirus",
    ],
    "fever": [
        "fever|feverish|pyrexia", "high|raise|raised|a|running|spike|spiking temperature",
        "temperature of", "temperature ~2 high|up|thirty|forty", "burn|burning up",
        "hot to ?the touch", "temp|temps|temperature",
    ],
    "diarrhoea": [
        "diarrhoea|diarrhea|diarrhoe|diarrhoeal", "the run|runs", "=runs",
        "loose|watery|runny stool|poo|bowel|motion", "squit|squits", "the trots",
        "watery|runny|loose ~2 nappy|nappies", "nappy|nappies ~3 watery|runny|loose",
        "d and v", "gastroenteritis|gastro|norovirus",
    ],
    "vomiting": [
        "vomit|vomiting|puke|puking|retch|retching|spew|spewing|heave|heaving", "=sickness",
        "chuck|chucking up", "be|get|keep sick", "sick everywhere",
        "sick ~2 all|again|everywhere|constantly|every", "throw ~2 up", "can not keep ~3 down",
        "bring|bringing ~2 up ~2 feed|milk|food", "projectile", "d and v",
        "gastroenteritis|gastro|norovirus", "sickness bug",
    ],
    "rash": [
        "rash|rashes", "spot|spotty", "hive|hives|welt|welts", "blotch|blotchy",
        "blister", "chickenpox|measles|eczema|scabies|impetigo|shingles|urticaria",
        "chicken pox", "itch|itchy skin", "skin ~2 itch|itchy|red|peel|peeling|bump",
        "red ~2 mark|marks|patch|patches|bump|bumps|lump|blotch|weal|welt",
        "raised ~ bump|bumps|lump|lumps|welt|weal",
    ],
    "eye": [
        "eye|eyes|eyelid|eyeball|eyesight|eyelash", "vision", "conjunctivitis", "stye",
        "pink eye", "blurry|blurred|double vision", "can not see ~2 properly",
    ],
    "toothache": [
        "toothache|tooth|teeth|dental|dentist|molar|filling", "gum|gums",
        "abscess ~3 mouth|jaw", "wisdom tooth",
    ],
    "heat": [
        "sunburn|sunburnt|sunburned|sunstroke|heatstroke", "heat stroke|exhaustion|rash",
        "in the heat", "the heat", "too much sun", "hot weather", "heatwave", "heat wave",
        "overheat|overheated|overheating", "sun ~2 burn|burnt", "burn|burnt ~3 sun",
        "out in the sun", "sun ~3 too long", "sun ~3 all day", "too long in the sun",
    ],
    "mental_health": [
        "anxiety|anxious|panic|depressed|depression|suicidal|suicide|psychosis|psychotic"
        "|paranoid|paranoia|overwhelmed|hopeless",
        "self harm", "harm|hurt myself", "dark thought|thoughts", "low mood",
        "feel|feeling ~ low|down|hopeless|worthless", "can not cope", "not cope|coping",
        "mental health", "breakdown", "hear|hearing voice|voices", "mental crisis",
        "want to die", "end it all", "kill myself", "stress|stressed", "mental",
    ],
}  # fmt: skip
"""The rule tables: label -> phrases (see the mini-language above)."""

_NEGATORS = frozenset({"no", "not", "never", "without", "none", "deny", "denies", "nor"})
_NEGATION_BREAKS = frozenset(
    {"but", "and", "although", "though", "however", "because", "so", "which", "who",
     "that", "apart", "except", "now", "then", "also", "plus"}
)  # fmt: skip
_NEGATION_CANCEL = frozenset({"stop", "just", "only", "sure", "go", "quite"})
_IDIOMS = (("keep", "an", "eye"), ("eye", "on"))


@dataclass(frozen=True, slots=True)
class Evidence:
    """One rule that fired: the label, the words, and whether it was negated."""

    label: str
    rule: str
    text: str
    start: int
    """Character offset in the input."""
    end: int
    negated: bool = False

    def to_json(self) -> dict[str, Any]:
        """``{"label", "rule", "text", "start", "end", "negated"}``."""
        return {
            "label": self.label,
            "rule": self.rule,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "negated": self.negated,
        }


@dataclass(frozen=True, slots=True)
class ReasonResult:
    """Labels (in :data:`LABELS` order) and the evidence for each."""

    labels: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    @property
    def red_flag(self) -> bool:
        """A 999-type emergency: play the 999 advice, route with top priority."""
        return RED_FLAG in self.labels

    def to_json(self) -> dict[str, Any]:
        """``{"labels", "red_flag", "evidence"}``."""
        return {
            "labels": list(self.labels),
            "red_flag": self.red_flag,
            "evidence": [e.to_json() for e in self.evidence],
        }


def _inflections(word: str) -> set[str]:
    """A word and its regular inflections (``swell`` -> ``swelling``, ``swelled`` ...)."""
    out = {word, word + "s", word + "es", word + "ed", word + "d", word + "ing"}
    if word.endswith("e"):
        out |= {word[:-1] + "ing", word[:-1] + "ed"}
    if word.endswith("y"):
        out |= {word[:-1] + "ies", word[:-1] + "ied"}
    if len(word) > 2 and word[-1] not in "aeiouwy" and word[-2] in "aeiou":
        out |= {word + word[-1] + "ing", word + word[-1] + "ed"}
    return out


def _token_spec(word: str) -> dict[str, Any]:
    if word == "~":
        return {"OP": "?"}
    if word.startswith("~"):
        return {"OP": "{0," + word[1:] + "}"}
    optional = word.startswith("?")
    word = word.lstrip("?")
    if word.startswith("="):
        spec: dict[str, Any] = {"LOWER": {"IN": word[1:].split("|")}}
    else:
        forms = {f for w in word.split("|") for f in _inflections(w)}
        spec = {"LEMMA": {"IN": sorted(forms | {lemma(f) for f in forms})}}
    if optional:
        spec["OP"] = "?"
    return spec


def _pattern(phrase: str) -> list[dict[str, Any]]:
    words = phrase.split()
    out: list[dict[str, Any]] = []
    for w in words:
        if w == "cannot":
            out.append({"LOWER": "cannot"})
            continue
        out.append(_token_spec(w))
    return out


class _Rules:
    def __init__(self) -> None:
        pipeline = get_pipeline()
        self.nlp = pipeline.rules
        self.lemmatise = self.nlp.get_pipe("urgentline_lemmas")
        self.matcher = Matcher(self.nlp.vocab)
        self.rule_text: dict[str, str] = {}
        for label, phrases in RULES.items():
            for k, phrase in enumerate(phrases):
                key = f"{label}#{k}"
                self.rule_text[key] = phrase
                pattern = _pattern(phrase)
                self.matcher.add(key, [pattern])
                # "can't" is tokenised "ca" "n't" -> lemmas "can" "not"; "cannot" stays one
                if "can not" in phrase:
                    alt = _pattern(phrase.replace("can not", "cannot"))
                    self.matcher.add(key, [alt])

    def doc(self, text: str) -> Doc:
        doc: Doc = self.lemmatise(self.nlp.make_doc(normalise_text(text)))
        return doc


_rules: _Rules | None = None
_lock = threading.Lock()


def _get_rules() -> _Rules:
    global _rules
    if _rules is None:
        with _lock:
            if _rules is None:
                _rules = _Rules()
    return _rules


def _negated(doc: Doc, start: int) -> bool:
    k = start - 1
    seen = 0
    cancel = False
    while k >= 0 and seen < 6:
        tok = doc[k]
        low = tok.lower_
        if low in _NEGATION_BREAKS:
            return False
        if tok.lemma_ in _NEGATION_CANCEL:
            cancel = True
        if low in _NEGATORS or tok.lemma_ == "not":
            return not cancel
        if not tok.is_space:
            seen += 1
        k -= 1
    return False


def _idiom(doc: Doc, start: int, end: int) -> bool:
    words = [t.lower_ for t in doc]
    for idiom in _IDIOMS:
        n = len(idiom)
        for a in range(max(0, start - n + 1), min(len(words), end)):
            if tuple(words[a : a + n]) == idiom:
                return True
    return False


def classify(text: str, *, choices: Iterable[str] = ()) -> ReasonResult:
    """Labels for a caller's reason (and any IVR menu choices, by their words or label).

    >>> classify("he's been coughing for a week and no fever").labels
    ('cough',)
    """
    rules = _get_rules()
    evidence: list[Evidence] = []
    labels: set[str] = set()
    for source in [text, *choices]:
        stripped = source.strip().lower().replace(" ", "_")
        if stripped in LABELS:
            labels.add(stripped)
            evidence.append(Evidence(stripped, "ivr choice", source, 0, 0))
            continue
        found, ev = _classify_text(rules, source)
        labels |= found
        evidence.extend(ev if source is text else [])
    if len(labels) > 1:
        labels.discard("other")
    if not labels:
        labels.add("other")
    ordered = tuple(label for label in LABELS if label in labels)
    return ReasonResult(ordered, tuple(evidence))


def classify_choice(choice: str) -> tuple[str, ...]:
    """Labels for one IVR menu choice (``"breathing problems"``, or a label name)."""
    return classify("", choices=[choice]).labels


def _classify_text(rules: _Rules, text: str) -> tuple[set[str], list[Evidence]]:
    doc = rules.doc(text)
    matches = rules.matcher(doc)
    vocab = rules.nlp.vocab
    by_label: dict[str, list[tuple[int, int, str]]] = {}
    for match_id, start, end in matches:
        key = vocab.strings[match_id]
        label = key.split("#", 1)[0]
        by_label.setdefault(label, []).append((start, end, key))
    used: set[int] = set()
    labels: set[str] = set()
    evidence: list[Evidence] = []
    order = [RED_FLAG] + [label for label in RULES if label != RED_FLAG]
    for label in order:
        spans = sorted(by_label.get(label, []), key=lambda s: (s[0], -(s[1] - s[0])))
        for start, end, key in spans:
            if label != RED_FLAG and any(k in used for k in range(start, end)):
                continue
            if label == "eye" and _idiom(doc, start, end):
                continue
            negated = _negated(doc, start)
            span = doc[start:end]
            evidence.append(
                Evidence(
                    label,
                    rules.rule_text[key],
                    text[span.start_char : span.end_char],
                    span.start_char,
                    span.end_char,
                    negated,
                )
            )
            if negated:
                continue
            labels.add(label)
            if label in (RED_FLAG, "other"):
                used.update(range(start, end))
    return labels, evidence
