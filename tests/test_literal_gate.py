"""The keyword gate in front of the regexes: it may only ever skip a regex that cannot match."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from bot.review.checker import OfflineChecker
from bot.review.literal_gate import LiteralGate, may_match, required_literals
from bot.review.text import FoldedText
from tests.test_detectors import (
    CLASS_NEGATIVES,
    CLASS_POSITIVES,
    HARD_NEGATIVES,
    POSITIVES,
    SIGNAL_NEGATIVES,
    SIGNAL_POSITIVES,
)

CORPUS = Path(__file__).parent / "data" / "corpus_sample.jsonl"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"\bcures?\s+(?:cancer|flu)\b", {"cure"}),  # the most selective requirement wins
        (r"\b(?:depressed|anxious)\?", {"depressed?", "anxious?"}),
        (r"\bkms\b|\bkys\b", {"kms", "kys"}),  # "k(?:m|y)s" after the parser factors the "k" out
        (r"[sz]eal", {"seal", "zeal"}),  # a small class expands
        (r"colou?r", {"colo"}),
        (r"(?:ab|abc)x", {"ab"}),  # "abc" implies "ab": the shorter string is enough
        (r"(?i:CAPS)\d", {"caps"}),  # drafts are folded to lower case before matching
        # A long list of emoji compiles to one character class: each emoji is a literal.
        ("😂|🤣|😜|😉|😏|🙄|💀|🤡|😬|🤭|🥴|😅|😘|🤪|🙃|🤷|🤔|💅|😎|😈|🫠|🤑|😛|😝|😆",
         set("😂🤣😜😉😏🙄💀🤡😬🤭🥴😅😘🤪🙃🤷🤔💅😎😈🫠🤑😛😝😆")),
    ],
)
def test_required_literals_of_simple_patterns(pattern, expected):
    assert required_literals(pattern) == expected


@pytest.mark.parametrize("pattern", [r"(?:abc)?\d+", r"\w+\d", r"[^.]{0,9}", r"(a|\d)x?"])
def test_patterns_without_a_provable_literal_always_run(pattern):
    assert required_literals(pattern) is None
    assert may_match(None, frozenset())


def test_the_gate_finds_overlapping_and_nested_literals_in_one_pass():
    gate = LiteralGate([frozenset({"day", "days", "holiday"}), frozenset({"ay"}), frozenset({"🙄"})])
    assert gate.present("happy holidays 🙄") == {"day", "days", "holiday", "ay", "🙄"}
    assert gate.present("nothing here") == frozenset()
    assert LiteralGate([None]).present("anything") == frozenset()


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line]
    texts += [t for t, _ in POSITIVES] + [t for t, _ in CLASS_POSITIVES] + HARD_NEGATIVES + CLASS_NEGATIVES
    texts += [t for t, _ in SIGNAL_POSITIVES] + SIGNAL_NEGATIVES
    rng = random.Random(11)
    words = " ".join(texts).split()
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(3, 40))) for _ in range(300)]
    return texts


def test_no_shipped_rule_or_lexicon_is_ever_skipped_when_it_would_match():
    checker = OfflineChecker()
    patterns: list[tuple[str, re.Pattern[str], frozenset[str] | None]] = [
        (c.rule.id, c.match, gate) for c, gate in zip(checker.rules, checker._rule_gates, strict=True)
    ]
    lexicons = checker.lexicons
    patterns += [(f"lexicon {n}", lexicons[n], lexicons.gates[n]) for n in lexicons.names]
    gated = sum(1 for *_, gate in patterns if gate is not None)
    assert gated >= 0.9 * len(patterns)  # the gate is doing its job for almost every regex
    for text in _texts():
        folded = FoldedText(text).folded
        present = checker._gate.present(folded)
        for name, pattern, gate in patterns:
            if pattern.search(folded) is not None:
                assert may_match(gate, present), (name, text)


def test_findings_are_identical_with_and_without_the_gate():
    gated = OfflineChecker()
    ungated = OfflineChecker()
    ungated._index_rules([None] * len(ungated.rules))
    ungated.lexicons.gates = dict.fromkeys(ungated.lexicons.names)
    for text in _texts():
        assert gated.find_risks(text) == ungated.find_risks(text), text
