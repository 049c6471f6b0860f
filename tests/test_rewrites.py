"""Offline worst reactions and alternatives: data-driven, quoting the draft, always re-checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.review.checker import OfflineChecker, Scanned
from bot.review.checker_config import CheckerConfig
from bot.review.models import Draft, Evidence, Risk, RiskLevel, Severity
from bot.review.rewrites import keeps_quote
from bot.review.rule_files import RuleFileError
from tests.drafts import NETFLIX

CORPUS = Path(__file__).parent / "data" / "corpus_sample.jsonl"


def _risky_texts() -> list[str]:
    items = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [i["text"] for i in items if i["label"] != "fine"] + [
        NETFLIX,
        "Dear people of Springfield. We're selling ladders all weekend. Have fun #justsaying",
        "Is your bikini body ready? Our shakes will get you there.",
        "Shoutout to the 14 customers who ordered pizza at 3am every night. What's wrong with you?",
    ]


def test_netflix_alternatives_drop_the_number_and_swap_the_punchline(checker):
    review = checker.review(Draft(text=NETFLIX))
    texts = [a.text for a in review.alternatives]
    assert texts, "the Netflix tweet should get offline alternatives"
    for text in texts:
        assert "53" not in text and "18 days" not in text and "Who hurt you" not in text
    assert any("We're with you." in t for t in texts)
    assert any("we'll make more of what you love" in t for t in texts)
    # The safest comes first, and it is safe.
    ranks = [a.residual_risk.rank for a in review.alternatives]
    assert ranks == sorted(ranks)
    assert review.alternatives[0].residual_risk is RiskLevel.none
    assert "count" in review.alternatives[0].what_changed


def test_every_alternative_is_rechecked_and_never_high(checker):
    offered = 0
    for text in _risky_texts():
        review = checker.review(Draft(text=text))
        for alt in review.alternatives:
            if alt.kind == "advice":
                # Not a post: it names the risky words and says what to do instead.
                assert any(r.evidence.quote[:20] in alt.text for r in review.risks), alt.text
                continue
            offered += 1
            again = checker.find_risks(alt.text)
            assert alt.residual_risks == again
            assert alt.residual_risk is RiskLevel.of(again)
            assert alt.residual_risk.rank < RiskLevel.high.rank, (text, alt.text)
            # Gentler by the checker's own reading: never as risky as the draft it replaces.
            assert alt.residual_risk.rank < review.risk_level.rank, (text, alt.text)
            assert alt.text.strip() and alt.text != text and alt.what_changed
            assert alt.engine == "offline"
    assert offered >= 10


def test_a_rewrite_as_risky_as_the_draft_gives_way_to_advice(rules):
    # Swapping the punchline keeps the plate number: the rewrite is still a medium privacy risk,
    # no gentler than the draft, so what to do instead is offered in its place.
    checker = OfflineChecker(rules, CheckerConfig(disabled_rules=["classifier"]))
    review = checker.review(Draft(text="To the owner of the red van, plate ending 9XT: we see you."))
    assert review.risk_level is RiskLevel.medium
    assert all(a.residual_risk.rank < RiskLevel.medium.rank for a in review.alternatives
               if a.kind == "rewrite"), [(a.text, a.residual_risk) for a in review.alternatives]
    [advice] = [a for a in review.alternatives if a.kind == "advice"]
    assert "red van" in advice.text and "we see you" in advice.text


def _risk(text: str, quote: str, category: str, severity: Severity) -> Risk:
    evidence = Evidence.locate(text, quote)
    assert evidence is not None
    return Risk(category=category, severity=severity, evidence=evidence, explanation="x",
                who_could_be_hurt="y", suggestion="z", rule_id="test")


DISCLOSURE = "A LOT of you picked up the morning-after pill on 15 Feb, according to our app 😅 No judgement!"


@pytest.mark.parametrize(("candidate", "kept"), [
    # One edge word of a long quote swapped (it was also the jab's): what it discloses stays.
    ("A LOT of you picked up the morning-after pill on 15 Feb, according to our app 😅 Thank you!", True),
    ("Whatever you need, we're open late, no questions asked.", False),
    # Half the quote rewritten: not the same words any more.
    ("A LOT of you shopped with us in February. Thank you!", False),
])
def test_a_rewrite_that_keeps_most_of_a_long_high_quote_keeps_it(candidate, kept):
    quote = "LOT of you picked up the morning-after pill on 15 Feb, according to our app 😅 No"
    risks = [_risk(DISCLOSURE, quote, "privacy_disclosure", Severity.high)]
    assert keeps_quote(candidate, risks) is kept


def test_a_short_high_quote_is_kept_only_whole():
    text = "To the 53 people who watched it: who hurt you?"
    risks = [_risk(text, "53 people", "surveillance_creep", Severity.high)]
    assert keeps_quote("To the 53 fans who watched it: thank you!", risks) is False
    assert keeps_quote("To the 53 people who watched it: thank you!", risks) is True


def test_advice_never_keeps_words_that_are_a_risk_of_their_own(checker):
    # The jab ("No judgement!") is risky on its own, not only next to the disclosure: the advice
    # leaves it out too instead of saving it for another post.
    risks = [_risk(DISCLOSURE, "LOT of you picked up the morning-after pill on 15 Feb, according to our app",
                   "privacy_disclosure", Severity.high),
             _risk(DISCLOSURE, "No judgement!", "customer_shaming", Severity.medium)]
    scanned = Scanned(DISCLOSURE, [], risks)
    [advice] = [a for a in checker.alternatives(scanned) if a.kind == "advice"]
    assert "Keep" not in advice.text
    assert "No judgement!" in advice.text and "Leave out" in advice.text


def test_advice_keeps_the_part_that_is_harmless_on_its_own(checker):
    # The offer is risky only next to the tribute: it may go out alone, another day.
    text = "Never forget 9/11. Mattresses 50% off all weekend."
    risks = [_risk(text, "Never forget", "tragedy_exploitation", Severity.high),
             _risk(text, "50% off", "tragedy_exploitation", Severity.high)]
    [advice] = [a for a in checker.alternatives(Scanned(text, [], risks)) if a.kind == "advice"]
    assert "Keep “50% off” for a post of its own" in advice.text


def test_advice_quotes_the_risky_words_of_a_long_sentence(checker):
    # Two words flagged at the end of a sentence too long to quote whole: the quote is the
    # stretch around them, not the sentence's opening.
    text = ("Our brand new limited edition seasonal menu with pumpkin spice lattes and toffee apple "
            "cakes and cinnamon buns is inspired by the bipolar weather this autumn")
    review = checker.review(Draft(text=text))
    [advice] = [a for a in review.alternatives if a.kind == "advice"]
    assert "bipolar weather" in advice.text and "…" in advice.text
    assert "Our brand new" not in advice.text


def test_an_alternative_that_still_trips_a_high_rule_is_never_offered(rules):
    book = (rules / "rewrites.yaml").read_text(encoding="utf-8")
    risky = 'warm_punchline: "Women belong in the kitchen."'
    book = book.replace('warm_punchline: "We\'re with you."', risky)
    (rules / "rewrites.yaml").write_text(book, encoding="utf-8")
    review = OfflineChecker(rules).review(Draft(text=NETFLIX))
    assert review.alternatives
    assert all("kitchen" not in a.text for a in review.alternatives)


def test_worst_reactions_quote_the_drafts_own_words_and_vary_personas(checker):
    review = checker.review(Draft(text=NETFLIX))
    replies = [w.reply for w in review.worst_reactions]
    assert 1 < len(replies) <= 3
    assert any("53" in r for r in replies)
    assert any("Who hurt you?" in r for r in replies)
    assert len({w.persona for w in review.worst_reactions}) == len(replies)
    assert {w.category for w in review.worst_reactions} <= {r.category for r in review.risks}


def test_reactions_without_a_number_skip_number_templates(checker):
    review = checker.review(Draft(text="Women belong in the kitchen."))
    assert review.worst_reactions
    assert all("{" not in w.reply and "exactly  of" not in w.reply for w in review.worst_reactions)
    assert any("Women belong in the kitchen" in w.reply for w in review.worst_reactions)


def test_low_only_drafts_get_no_reactions_or_alternatives(checker):
    review = checker.review(Draft(text="Thanks for a great week, no offence to Mondays."))
    assert review.risk_level is RiskLevel.low
    assert review.worst_reactions == [] and review.alternatives == []


def test_a_reaction_template_with_an_unknown_placeholder_is_named(rules):
    path = rules / "reactions.yaml"
    text = path.read_text(encoding="utf-8").replace("{number} of your customers", "{brand} of your customers")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"reactions.yaml: surveillance_creep: unknown placeholder"):
        OfflineChecker(rules)


def test_a_reactions_file_with_an_unknown_category_is_named(rules):
    path = rules / "reactions.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\nmade_up:\n  - persona: x\n    reply: y\n",
                    encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"reactions.yaml: unknown category 'made_up'"):
        OfflineChecker(rules)


def test_a_rewrites_file_with_a_bad_pattern_is_named(rules):
    path = rules / "rewrites.yaml"
    bad = "replace: on repeat\n  - pattern: '(oops'\n    replace: x"
    path.write_text(path.read_text(encoding="utf-8").replace("replace: on repeat", bad, 1), encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"rewrites.yaml: bad pattern '\(oops'"):
        OfflineChecker(rules)
