from __future__ import annotations

import pytest

from nlp import classify, classify_choice
from nlp.evaluate import read_jsonl, score_reasons

from .conftest import DATA


def labels(text: str) -> tuple[str, ...]:
    return classify(text).labels


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no fever but a nasty cough", ("cough",)),
        ("i don't have a cough or a fever", ("other",)),
        ("she can't stop coughing", ("cough",)),
        ("he's got a temperature but no rash", ("fever",)),
        ("he's collapsed and not breathing", ("red_flag",)),
        ("my dad is struggling to breathe and his lips are going blue", ("red_flag",)),
        ("her face has dropped on one side", ("red_flag",)),
        ("i've cut my hand and it's bleeding a lot", ("red_flag",)),
        ("crushing chest pain going down my arm", ("red_flag",)),
        ("i'm a bit short of breath when i walk", ("difficulty_breathing",)),
        ("i've had the squits since tuesday", ("diarrhoea",)),
        ("been throwing up all morning", ("vomiting",)),
        ("keep an eye on him", ("other",)),
        ("my eyes are really itchy", ("eye",)),
        ("i need a repeat prescription", ("other",)),
        ("sunburnt shoulders and blisters", ("rash", "heat")),
        ("i've been feeling really down lately and not coping", ("mental_health",)),
        ("my chest feels tight and it's going down my arm", ("red_flag",)),
        ("his mouth has dropped on one side", ("red_flag",)),
        ("he's not making sense", ("red_flag",)),
        ("my tongue and lips are swelling up", ("red_flag",)),
        ("he's taken a whole packet of paracetamol", ("red_flag",)),
        ("i take a lot of tablets for my heart", ("other",)),
        ("purple spots that don't fade", ("red_flag",)),
        ("she's lost a lot of blood", ("red_flag",)),
        ("i've run out of my inhaler", ("other",)),
        ("i've run out of my inhaler and i'm wheezy", ("difficulty_breathing",)),
        ("i want to book a covid vaccine", ("other",)),
        ("temperature and a cough", ("cough", "fever")),
        ("his temperature is normal now", ("other",)),
        ("diarrhoea and sickness", ("diarrhoea", "vomiting")),
        ("", ("other",)),
    ],
)
def test_classify(text: str, expected: tuple[str, ...]) -> None:
    assert labels(text) == expected


def test_evidence_explains_and_marks_negation() -> None:
    result = classify("no fever but coughing")
    assert result.labels == ("cough",)
    by_label = {e.label: e for e in result.evidence}
    assert by_label["fever"].negated and by_label["fever"].text == "fever"
    assert not by_label["cough"].negated
    assert result.to_json()["red_flag"] is False
    assert classify("he's unconscious").red_flag


def test_ivr_choices() -> None:
    assert classify_choice("breathing problems") == ("difficulty_breathing",)
    assert classify_choice("mental_health") == ("mental_health",)
    assert classify("i'm not sure", choices=["vomiting"]).labels == ("vomiting",)


def test_dev_corpus_targets(dev_reasons: object) -> None:
    score = score_reasons(read_jsonl(str(dev_reasons)), labels)
    assert score.per_label["red_flag"].tp == score.per_label["red_flag"].gold  # recall 100 %
    assert score.exact_set_accuracy >= 0.90
    assert score.micro()["f1"] >= 0.95


def test_heldout_reasons() -> None:
    score = score_reasons(read_jsonl(DATA / "reasons-heldout.jsonl"), labels)
    assert score.per_label["red_flag"].tp == score.per_label["red_flag"].gold
    assert score.exact_set_accuracy >= 0.90
