"""Message rules: the shipped file is valid and speaks the scripts' flags; bad files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards.syndromic import RulesError, load_rules
from ivr_scripts import shipped_catalogue
from nlp.reasons import LABELS


def test_shipped_rules_propose_flags_the_scripts_read() -> None:
    rules = load_rules()
    assert rules.flags <= (shipped_catalogue().flags or frozenset())
    assert {rule.flag: set(rule.indicators) for rule in rules.rules} == {
        "dv_surge": {"diarrhoea", "vomiting"},
        "flu_surge": {"cold_flu", "cough", "fever"},
        "heat_alert": {"heat"},
    }
    assert all(set(rule.indicators) <= set(LABELS) for rule in rules.rules)
    assert all(rule.message.strip() and not rule.auto_apply for rule in rules.rules)
    dv = rules.for_indicator("vomiting")
    assert dv is not None and dv.flag == "dv_surge" and dv.hold.total_seconds() == 24 * 3600
    assert rules.for_indicator("toothache") is None


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        (
            "rules:\n"
            "  - {flag: a, indicators: [cough], message: m, expires_after_h: 1}\n"
            "  - {flag: b, indicators: [cough], message: m, expires_after_h: 1}\n",
            "indicator 'cough' is in rules 'a' and 'b'",
        ),
        ("rules:\n  - {flag: Bad-Name, indicators: [x], message: m, expires_after_h: 1}\n", "flag"),
        ("rules:\n  - {flag: a, indicators: [x], message: m, expires_after_h: 0}\n", "expires"),
        ("rules:\n  - {flag: a, indicators: [], message: m, expires_after_h: 1}\n", "indicators"),
        ("rules:\n  - {flag: a, indicators: [x], message: m, expires_after_h: 1, x: 1}\n", "x"),
        ("rules: [\n", "rules.yaml"),
    ],
)
def test_bad_rules_are_refused_with_the_file_named(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match=complaint) as refused:
        load_rules(path)
    assert str(path) in str(refused.value)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError):
        load_rules(tmp_path / "absent.yaml")
