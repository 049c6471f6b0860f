"""The offline checker's contract: exact spans, Unicode robustness, the Netflix tweet, review shape."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from bot.review.intake import MAX_DRAFT_CHARS
from bot.review.models import Draft, RiskLevel, Severity, Verdict, verdict_for
from bot.review.text import past_the_lead_in
from tests.drafts import NETFLIX

CORPUS = Path(__file__).parent / "data" / "corpus_sample.jsonl"
ZWJ, ZWSP, RLM, RLO, PDF = "\u200d", "\u200b", "\u200f", "\u202e", "\u202c"


def _corpus_texts() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _assert_spans_exact(text: str, risks) -> None:
    for risk in risks:
        ev = risk.evidence
        assert text[ev.start:ev.end] == ev.quote, (ev, text)
        assert ev.quote and ev.quote == ev.quote.strip()


def test_netflix_tweet_is_revise_with_the_right_evidence(checker):
    # Counting and mocking viewers is wording: the same thanks without the count and the jab is fine.
    review = checker.review(Draft(text=NETFLIX))
    assert review.verdict is Verdict.revise
    assert review.risk_level is RiskLevel.high
    by_category = {}
    for r in review.risks:
        by_category.setdefault(r.category, set()).add((r.evidence.quote, r.severity))
    assert ("53 people", Severity.high) in by_category["surveillance_creep"]
    assert ("every day for the past 18 days", Severity.high) in by_category["surveillance_creep"]
    assert ("Who hurt you?", Severity.high) in by_category["customer_shaming"]
    assert "sarcasm_misfire" in by_category
    assert not any("Prince" in r.evidence.quote for r in review.risks)
    assert review.engines == ["offline"]
    assert review.summary.startswith("Revise: the wording carries the risk")


def test_evidence_spans_are_exact_for_every_corpus_item(checker):
    for text in _corpus_texts():
        _assert_spans_exact(text, checker.find_risks(text))


def test_evidence_spans_stay_exact_when_invisible_characters_and_emoji_are_sprinkled_in(checker):
    rng = random.Random(7)
    noise = [ZWJ, ZWSP, RLM, "\ufe0f", "\u00ad", "🙂", "👩‍👩‍👧", "ﬁ", "ß"]
    for text in [*_corpus_texts(), NETFLIX]:
        chars = list(text)
        for _ in range(6):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(noise))
        noisy = "".join(chars)
        _assert_spans_exact(noisy, checker.find_risks(noisy))


def test_a_zero_width_joiner_inside_a_word_does_not_hide_it(checker):
    hidden = f"To the 53 people who've watched it every day for the past 18 days: Who h{ZWJ}urt y{ZWSP}ou?"
    risks = checker.find_risks(hidden)
    shaming = [r for r in risks if r.category == "customer_shaming"]
    assert shaming and shaming[0].evidence.quote == f"Who h{ZWJ}urt y{ZWSP}ou?"
    _assert_spans_exact(hidden, risks)


def test_typographic_quotes_fullwidth_letters_and_case_are_folded(checker):
    curly = "To the 53 people who\u2019ve watched it every day for the past 18 days: WHO HURT YOU?"
    risks = checker.find_risks(curly)
    assert verdict_for(risks) is Verdict.revise
    assert any(r.category == "customer_shaming" and r.evidence.quote == "WHO HURT YOU?" for r in risks)
    fullwidth = "Ｗｏｍｅｎ belong in the kitchen."
    risks = checker.find_risks(fullwidth)
    assert risks and risks[0].evidence.quote == "Ｗｏｍｅｎ belong in the kitchen"


def test_rtl_text_and_bidi_controls_keep_spans_exact(checker):
    text = f"שלום {RLO}Women belong in the kitchen{PDF} مرحبا 🌍"
    risks = checker.find_risks(text)
    assert any(r.category == "stereotype_bias" for r in risks)
    _assert_spans_exact(text, risks)
    assert checker.find_risks("שלום עולם, מבצע סוף שבוע 🎉 مرحبا بالعالم") == []


def test_a_maximum_length_draft_is_checked_with_exact_spans(checker):
    filler = "We baked fresh bread this morning and the whole street smells wonderful. "
    body = (filler * (MAX_DRAFT_CHARS // len(filler)))[: MAX_DRAFT_CHARS - len(NETFLIX) - 1]
    text = body + " " + NETFLIX
    assert len(text) <= MAX_DRAFT_CHARS
    risks = checker.find_risks(text)
    assert {"surveillance_creep", "customer_shaming"} <= {r.category for r in risks}
    _assert_spans_exact(text, risks)


def test_a_long_pasted_document_with_many_matches_stays_bounded(checker):
    text = ("Women belong in the kitchen. " * 700)[:MAX_DRAFT_CHARS]
    risks = checker.find_risks(text)
    assert 0 < len(risks) <= 50
    _assert_spans_exact(text, risks)


def test_empty_and_benign_texts_have_no_risks(checker):
    assert checker.find_risks("") == []
    assert checker.find_risks("trains") == []
    review = checker.review(Draft(text="trains"))
    assert (review.verdict, review.risk_level, review.risks) == (Verdict.ship, RiskLevel.none, [])
    assert review.alternatives == [] and review.worst_reactions == []
    assert review.summary


def test_risks_are_ordered_most_severe_first_and_carry_taxonomy_text(checker):
    risks = checker.find_risks(NETFLIX + " #justsaying")
    ranks = [r.severity.rank for r in risks]
    assert ranks == sorted(ranks, reverse=True)
    for r in risks:
        assert r.category in checker.taxonomy.ids
        assert r.explanation and r.who_could_be_hurt and r.suggestion and r.rule_id
        assert r.engine == "offline"


def test_review_verdict_and_level_come_from_the_risks(checker):
    for text in _corpus_texts():
        review = checker.review(Draft(text=text))
        assert review.verdict is verdict_for(review.risks)
        assert review.risk_level is RiskLevel.of(review.risks)
        assert review.draft.text == text


def test_a_risk_severity_is_a_level_of_the_one_scale_above_none(checker):
    import pytest
    from pydantic import ValidationError

    assert [s.level for s in Severity] == list(RiskLevel)[1:]
    for severity in Severity:
        assert severity.rank == severity.level.rank and severity.value == severity.level.value
    assert [level.rank for level in RiskLevel] == sorted({level.rank for level in RiskLevel})
    review = checker.review(Draft(text=NETFLIX))
    risk = review.risks[0].model_dump(mode="json")
    with pytest.raises(ValidationError):
        type(review.risks[0]).model_validate({**risk, "severity": "none"})
    fine = checker.review(Draft(text="Our new bakery opens on Monday."))
    assert json.loads(fine.model_dump_json())["risk_level"] == "none"


# --- quotes that read as phrases -------------------------------------------------------------


@pytest.mark.parametrize(("text", "quote"), [
    # A tribute's words, then the place: "Our hearts are with" said nothing of whom.
    ("Our hearts are with Dunmore 🖤 Miner's Lunch combo, half price today",
     "Our hearts are with Dunmore"),
    # The counted group, then what they did.
    ("Shoutout to the 2,314 of you who opened our app at 3am every night this month. Go to sleep!",
     "2,314 of you who opened"),
])
def test_a_quote_runs_on_past_the_words_that_lead_to_the_point(checker, text, quote):
    assert quote in {r.evidence.quote for r in checker.find_risks(text)}


@pytest.mark.parametrize(("text", "end", "expected"), [
    ("book by 9/11 and save", 7, "book by 9/11"),
    ("you know who you are, sam", 12, "you know who you are"),  # through "you", to the comma
    ("we see you, quitters", 10, "we see you"),  # never past a clause mark
    ("the answer is still no, sorry", 22, "the answer is still no"),  # "no" can end a phrase
    ("pop them in your\ngarden", 16, "pop them in your"),  # nor past a line's end
    # Only a whole word leads on: "flavour" ends in "our", however long the word before it.
    ("the long-awaited flavour is back", 24, "the long-awaited flavour"),
    ("catchphrasesyour dog", 16, "catchphrasesyour"),
    ("unfavourable our dog", 16, "unfavourable our dog"),
    ("xx  your dog", 8, "xx  your dog"),
])
def test_past_the_lead_in(text: str, end: int, expected: str) -> None:
    assert text[:past_the_lead_in(text, end, until=len(text))] == expected


def test_past_the_lead_in_stops_at_its_limit() -> None:
    text = "thanks to all of the people who came"
    assert text[:past_the_lead_in(text, 31, until=34)] == "thanks to all of the people who"

