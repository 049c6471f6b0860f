"""Every rule's own examples (``examples: {flag, pass}`` in rules/packs/*.yaml), one test each.

The drafts live next to the rule they exercise, so a comms lead edits both in one place;
``redteam rules test`` runs the same checks from the command line.
"""

from __future__ import annotations

import pytest

from bot.paths import data_dir
from bot.review.checker import OfflineChecker
from bot.review.models import Draft, Severity, Verdict
from bot.review.rule_examples import ExampleResult, Outcome, example_results, trace_rule
from bot.review.rulepack import load_packs
from bot.review.taxonomy import load_taxonomy

_PACKS = load_packs(data_dir("rules") / "packs", load_taxonomy())
_EXAMPLES = [
    pytest.param(c.rule.id, kind, text, id=f"{c.rule.id}:{kind}:{index}")
    for c in _PACKS
    for kind, texts in (("flag", c.rule.examples.flag), ("pass", c.rule.examples.pass_))
    for index, text in enumerate(texts)
]


@pytest.fixture(scope="module")
def checker() -> OfflineChecker:
    return OfflineChecker()


def test_most_rules_carry_examples():
    with_examples = [c for c in _PACKS if c.rule.examples.flag or c.rule.examples.pass_]
    assert len(with_examples) >= len(_PACKS) // 2


@pytest.mark.parametrize(("rule_id", "kind", "text"), _EXAMPLES)
def test_rule_example(checker, rule_id, kind, text):
    rule = next(r for r in checker.rules if r.rule.id == rule_id)
    trace = trace_rule(checker, rule, text)
    risks = checker.find_risks(text)
    seen = [(r.rule_id, r.category, r.severity.value, r.evidence.quote) for r in risks]
    verdict = checker.review(Draft(text=text), with_alternatives=False).verdict
    if kind == "flag":
        assert trace.outcome is Outcome.reported, (trace.outcome, seen)
        if rule.rule.severity.rank >= Severity.medium.rank:
            found = {r.category for r in risks if r.severity.rank >= Severity.medium.rank}
            assert rule.rule.category in found, seen
            assert verdict is not Verdict.ship, seen
    else:
        assert trace.outcome is not Outcome.reported, (trace.words, seen)
        assert verdict is Verdict.ship, seen


def test_the_command_line_checks_agree_with_these_tests(checker):
    results: list[ExampleResult] = list(example_results(checker))
    assert len(results) == len(_EXAMPLES)
    assert [r.rule.rule.id for r in results if not r.ok] == []
