"""Thread wording: the delta after a revision, and the answer given without an LLM."""

from __future__ import annotations

from bot.review.conversation import NEEDS_LLM, delta_direction, describe_delta, offline_answer
from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    ReviewDelta,
    Risk,
    RiskLevel,
    Severity,
    ThreadContext,
    Verdict,
    verdict_for,
)

NETFLIX = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"


def _risk(quote: str, category: str, severity: Severity) -> Risk:
    evidence = Evidence.locate(NETFLIX, quote)
    assert evidence is not None
    return Risk(
        category=category,
        severity=severity,
        evidence=evidence,
        explanation="e",
        who_could_be_hurt="w",
        suggestion="s",
    )


def _review(risks: list[Risk], alternatives: list[Alternative] | None = None) -> Review:
    return Review(
        draft=Draft(text=NETFLIX),
        verdict=verdict_for(risks),
        risk_level=RiskLevel.of(risks),
        risks=risks,
        alternatives=alternatives or [],
    )


SHAMING = _risk("Who hurt you?", "customer_shaming", Severity.high)
CREEP = _risk("53 people", "surveillance_creep", Severity.high)
TONE = _risk("Who hurt you?", "off_brand_tone", Severity.low)


def test_describe_delta_names_levels_verdicts_and_categories():
    delta = ReviewDelta.between(_review([SHAMING, CREEP]), _review([TONE]))
    text = describe_delta(delta)
    # Shaming and surveillance are wording risks: the draft needed a revision, not a rethink.
    assert text.startswith("Risk level high → low (revise before posting → ready to post).")
    assert "Resolved: customer shaming, surveillance creep." in text
    assert "New: off brand tone." in text
    assert delta_direction(delta) == "better"


def test_describe_delta_when_nothing_changed():
    delta = ReviewDelta.between(_review([SHAMING]), _review([SHAMING]))
    text = describe_delta(delta)
    assert "Risk level high → high (unchanged)." in text
    assert "Resolved: none." in text and "Still there: customer shaming." in text and "New: none." in text
    assert delta_direction(delta) == "same"


def test_a_worse_revision_is_worse():
    delta = ReviewDelta.between(_review([TONE]), _review([TONE, CREEP]))
    assert delta_direction(delta) == "worse"
    assert "New: surveillance creep." in describe_delta(delta)


def test_offline_answer_leads_with_the_alternative_when_asked_how_to_fix():
    gentle = Alternative(text="Lots of you re-watched it. We're with you.", what_changed="trend")
    riskier = Alternative(
        text="To the 53 of you: we're with you.", what_changed="warmth", residual_risk=RiskLevel.medium
    )
    review = _review([SHAMING, CREEP], [riskier, gentle])
    thread = ThreadContext(draft=review.draft, review=review)
    fix = offline_answer("How should we rewrite it?", thread).splitlines()
    assert fix[0] == "Risk level high: revise before posting."
    assert (
        fix[1]
        == "The gentlest alternative (residual risk none): “Lots of you re-watched it. We're with you.”"
    )
    assert fix[2].startswith("The main risks: customer shaming (high) in “Who hurt you?”")
    assert fix[-1] == NEEDS_LLM
    why = offline_answer("Why is this risky?", thread).splitlines()
    assert why[1].startswith("The main risks:")


def test_offline_answer_for_a_clean_review():
    review = Review(draft=Draft(text="Thanks!"), verdict=Verdict.ship, risk_level=RiskLevel.none)
    answer = offline_answer("ok?", ThreadContext(draft=review.draft, review=review), note="(note)")
    assert answer == "The review found no risks: ready to post.\n(note)"
