"""Rules as data: the shipped defaults, the metric table, and refusals that say where."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dashboards.alerts import METRICS, SHIPPED_RULES, Rule, RulesError, load_rules, parse_rules
from dashboards.alerts.rules import dump_rules
from dashboards.views import Figures

GOOD = """\
- name: wait-dental
  title: Dental callers waiting too long
  metric: longest_wait_s
  scope: provider
  key: dental
  comparison: ">="
  threshold: 300
  recipients: [dashboard, "webhook:https://example.org/hook", "email:duty@example.org",
               "sms:+447700900123"]
"""


def test_the_shipped_rules_follow_the_national_standards() -> None:
    rules = {rule.name: rule for rule in load_rules()}
    expected = {
        "mean_answer_s": (">", 20.0),
        "abandon_rate": (">", 0.03),
        "answered_60s_rate": ("<", 0.95),
        "longest_wait_s": (">", 600.0),
    }
    for metric, (comparison, threshold) in expected.items():
        scopes = {r.scope for r in rules.values() if r.metric == metric}
        assert scopes == {"system", "provider"}, metric
        for rule in (r for r in rules.values() if r.metric == metric):
            assert (rule.comparison, rule.threshold) == (comparison, threshold)
            assert rule.key is None  # every provider, not one
            assert rule.breaches(threshold + (1e-6 if comparison == ">" else -1e-6))
            assert not rule.breaches(threshold)
    waits = [r for r in rules.values() if r.metric == "longest_wait_s"]
    assert {r.severity for r in waits} == {"critical"}


def test_each_metric_reads_its_own_figure() -> None:
    figures = Figures(
        a01_received=40,
        a03_answered=30,
        b01_answered_60s=27,
        b02_abandoned=4,
        b06_mean_answer_s=17.5,
        b07_p95_answer_s=88.0,
        waiting_now=6,
        longest_wait_s=412.0,
        fallbacks=3,
    )
    read = {name: metric.read(figures) for name, metric in METRICS.items()}
    assert read == {
        "mean_answer_s": 17.5,
        "p95_answer_s": 88.0,
        "abandon_rate": 0.1,
        "answered_60s_rate": 0.9,
        "longest_wait_s": 412.0,
        "waiting_now": 6.0,
        "calls_received": 40.0,
        "fallbacks": 3.0,
    }


def test_rates_and_answer_times_are_not_judged_on_too_few_calls() -> None:
    figures = Figures(a01_received=5, a03_answered=3, b02_abandoned=2, b06_mean_answer_s=90.0)
    assert METRICS["abandon_rate"].judge(figures, min_calls=6) is None
    assert METRICS["abandon_rate"].judge(figures, min_calls=5) == pytest.approx(0.4)
    assert METRICS["mean_answer_s"].judge(figures, min_calls=4) is None
    assert METRICS["mean_answer_s"].judge(figures, min_calls=3) == 90.0
    assert METRICS["longest_wait_s"].judge(Figures(longest_wait_s=700.0), min_calls=50) == 700.0


def test_a_good_rule_round_trips_through_dump() -> None:
    (rule,) = parse_rules(GOOD, "good.yaml")
    assert rule.key == "dental" and len(rule.recipients) == 4
    assert rule.clear_level == 300 and rule.step == 30
    assert rule.clears(299.0) and not rule.clears(300.0)
    assert parse_rules(str(dump_rules([rule])), "dumped") == (rule,)
    assert parse_rules("rules:\n" + textwrap.indent(GOOD, "  "), "wrapped") == (rule,)


def test_hysteresis_clears_past_clear_at_not_at_the_threshold() -> None:
    rule = Rule(
        name="a", title="a", metric="answered_60s_rate", scope="system",
        comparison="<", threshold=0.95, clear_at=0.97,
    )  # fmt: skip
    assert rule.breaches(0.94) and not rule.breaches(0.95)
    assert not rule.clears(0.96) and rule.clears(0.97)


def test_problems_name_the_file_the_line_and_the_rule() -> None:
    text = """\
- name: ok-rule
  title: fine
  metric: waiting_now
  scope: system
  comparison: ">"
  threshold: 10
- name: bad-metric
  title: t
  metric: queue_length
  scope: provider
  comparison: "="
  threshold: 1
  recipients: [dashboard, "pager:42"]
- name: ok-rule
  title: again
  metric: waiting_now
  scope: system
  comparison: ">"
  threshold: 12
- just a string
"""
    with pytest.raises(RulesError) as caught:
        parse_rules(text, "rules.yaml")
    problems = caught.value.problems
    assert problems[0].startswith("rules.yaml:9: rule 'bad-metric': metric: unknown metric")
    assert problems[1].startswith("rules.yaml:11: rule 'bad-metric': comparison:")
    assert problems[2].startswith("rules.yaml:13: rule 'bad-metric': recipients.1: not dashboard")
    assert problems[3] == "rules.yaml:20: rule 4: expected a mapping"
    assert problems[4] == "rules.yaml: rule 'ok-rule': duplicate name (rule 2)"
    assert len(problems) == 5


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"comparison": ">", "clear_at": 25}, "clear_at must be at or below the threshold"),
        ({"comparison": "<", "clear_at": 15}, "clear_at must be at or above the threshold"),
        ({"key": "dental"}, "a system rule has no key"),
        ({"window_s": 0}, "window_s: Input should be greater than 0"),
        ({"threshold": "lots"}, "threshold: Input should be a valid number"),
        ({"severity": "panic"}, "severity: Input should be 'info', 'warning' or 'critical'"),
        ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_a_bad_field_is_refused_with_its_reason(fields: dict[str, object], message: str) -> None:
    rule: dict[str, object] = {
        "name": "r", "title": "t", "metric": "mean_answer_s", "scope": "system",
        "comparison": ">", "threshold": 20,
    }  # fmt: skip
    rule.update(fields)
    with pytest.raises(RulesError) as caught:
        parse_rules(str([rule]), "r.yaml")
    assert len(caught.value.problems) == 1
    assert message in caught.value.problems[0]
    assert caught.value.problems[0].startswith("r.yaml:1: rule 'r': ")


def test_a_document_that_is_not_a_list_of_rules_is_refused() -> None:
    with pytest.raises(RulesError, match=r"^x.yaml: expected a list of rules$"):
        parse_rules("name: lonely", "x.yaml")
    with pytest.raises(RulesError, match=r"^x.yaml:3: not valid YAML"):
        parse_rules("- name: a\n  title: [unclosed\n", "x.yaml")


def test_loading_a_file_reports_its_name(tmp_path: Path) -> None:
    path = tmp_path / "site-rules.yaml"
    path.write_text(GOOD.replace("threshold: 300", "threshold: soon"), encoding="utf-8")
    with pytest.raises(RulesError, match=r"^site-rules.yaml:7: rule 'wait-dental': threshold"):
        load_rules(path)
    with pytest.raises(RulesError, match=r"missing\.yaml: cannot read"):
        load_rules(tmp_path / "missing.yaml")
    assert SHIPPED_RULES.name == "rules.yaml"
