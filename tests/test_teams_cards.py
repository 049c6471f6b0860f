"""Adaptive Card rendering for Teams: content, size limits, and draft text that stays plain text."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    ReviewDelta,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    WorstReaction,
)
from bot.teams.cards import (
    FEEDBACK_VERB,
    MAX_CARD_BYTES,
    WORD_JOINER,
    card_bytes,
    card_json,
    feedback_data,
    inert,
    render_answer,
    render_deleted,
    render_help,
    render_notice,
    render_review,
    render_working,
)

HOSTILE = (
    "<at>Everyone</at> **Big** _news_ [click](http://evil.example/x) www.evil.example "
    "<a href='https://evil.example'>x</a> [ref]: https://evil.example # Title\n- item ~~gone~~ "
    "مرحبا بالعالم 👩‍👩‍👧‍👦 🇺🇦 \u202eRTL override\u202c &amp; <script>alert(1)</script> @here"
)


def _risk(quote: str = "Big", severity: Severity = Severity.high, category: str = "exaggeration",
          text: str = "why") -> Risk:
    return Risk(category=category, severity=severity, evidence=Evidence(quote=quote, start=0, end=len(quote)),
                explanation=text, who_could_be_hurt=text, suggestion=text)


def _review(text: str = "Big news!", *, risks: list[Risk] | None = None, reactions: int = 1,
            alternatives: int = 1, filler: str = "fine") -> Review:
    risks = [_risk()] if risks is None else risks
    return Review(
        draft=Draft(text=text),
        verdict=Verdict.revise if risks else Verdict.ship,
        risk_level=RiskLevel.of(risks),
        summary="Tone it down.",
        risks=risks,
        worst_reactions=[WorstReaction(persona="A customer", reply=f"{filler} {i}")
                         for i in range(reactions)],
        alternatives=[Alternative(text=f"{filler} option {i}", what_changed="calmer")
                      for i in range(alternatives)],
        engines=["offline"],
        notices=["offline only"],
    )


def _elements(node: Any, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.values():
            found += _elements(value, kind)
    elif isinstance(node, list):
        for value in node:
            found += _elements(value, kind)
    return found


def _texts(node: Any) -> list[str]:
    """Every TextBlock's and TextRun's text, in the order a reader sees them."""
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("type") in ("TextBlock", "TextRun"):
            found.append(node["text"])
        for key in ("body", "items", "inlines"):
            found += _texts(node.get(key, []))
    elif isinstance(node, list):
        for value in node:
            found += _texts(value)
    return found


def _visible(card_dict: dict[str, Any]) -> str:
    return " ".join(_texts(card_dict)).replace(WORD_JOINER, "")


def _assert_inert(card_dict: dict[str, Any]) -> None:
    """No text of the card can mention, link or tag, whatever the renderer parses."""
    for text in [*_texts(card_dict), card_dict.get("fallbackText", "")]:
        assert not re.search(r"<\s*/?\s*[A-Za-z]", text), text
        assert not re.search(r"\][(:\[]", text), text
        assert "://" not in text, text
        assert not re.search(r"\w\.[^\W\d_]{2,}", text), text


def test_review_card_shows_verdict_risks_reactions_alternatives_and_feedback():
    review = _review(risks=[_risk(quote="Big", severity=Severity.high),
                            _risk(quote="news", severity=Severity.low)])
    card = card_json(render_review(review, review_id="rev-123456789"))
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    visible = _visible(card)
    assert "⚠️ Revise · Risk: High" in visible
    assert "“Big”" in visible and "“news”" in visible
    assert visible.index("High · ") < visible.index("Low · ")  # worst first
    assert "Worst reactions" in visible and "fine 0" in visible
    assert "Option 1" in visible and "fine option 0" in visible and "calmer" in visible
    assert "offline only" in visible and "review rev-1234" in visible
    actions = card["actions"]
    assert [a["type"] for a in actions] == ["Action.Execute", "Action.Execute"]
    assert {a["verb"] for a in actions} == {FEEDBACK_VERB}
    assert [feedback_data(a["data"]) for a in actions] == [("rev-123456789", True), ("rev-123456789", False)]


def test_rereview_card_leads_with_the_delta():
    before = _review(risks=[_risk(category="exaggeration"), _risk(category="privacy")])
    after = _review(risks=[_risk(category="privacy", severity=Severity.low)])
    card = card_json(render_review(after, review_id="r2", delta=ReviewDelta.between(before, after)))
    visible = _visible(card)
    assert visible.startswith("🔄 Revised draft:  High → Low")
    assert "exaggeration resolved" in visible
    assert "Revised draft" in card["fallbackText"]


def test_draft_quoted_only_when_shown_away_from_its_thread():
    review = _review(text="Our unique draft words")
    assert "Our unique draft words" not in _visible(card_json(render_review(review, review_id="r")))
    shown = render_review(review, review_id="r", show_draft=True)
    assert "Our unique draft words" in _visible(card_json(shown))


def test_draft_text_never_mentions_links_or_formats():
    review = _review(
        text=HOSTILE,
        risks=[_risk(quote="<at>Everyone</at>", category="<at>x</at>", text=HOSTILE)],
        filler=HOSTILE,
    )
    review.summary = HOSTILE
    review.notices = [HOSTILE]
    card = card_json(render_review(review, review_id="r", show_draft=True,
                                   delta=ReviewDelta.between(review, review)))
    _assert_inert(card)
    # Draft text only ever reaches TextRuns, never a TextBlock (whose text is markdown).
    for block in _elements(card, "TextBlock"):
        assert "Big" not in block["text"] and "evil" not in block["text"]
    # ...and it still reads the same once the invisible joiners are ignored.
    assert "<at>Everyone</at> **Big** _news_ [click](http://evil.example/x)" in _visible(card)
    for other in (render_answer(HOSTILE), render_notice(HOSTILE), render_help([HOSTILE])):
        _assert_inert(card_json(other))


def test_inert_keeps_ordinary_text_unchanged():
    plain = "We're proud: 3.5 million meals served, 100% of them hot! Ask us anything."
    assert inert(plain) == plain


def test_oversized_review_is_cut_within_the_limit_with_a_visible_mark():
    huge = "Ünïcödé 👩‍👩‍👧‍👦 مرحبا " * 2000
    review = _review(
        text=huge,
        risks=[_risk(quote=huge[:5000], text=huge, category=f"cat_{i}") for i in range(40)],
        reactions=30,
        alternatives=30,
        filler=huge,
    )
    review.summary = huge
    card = render_review(review, review_id="r" * 500, show_draft=True)
    assert card_bytes(card) <= MAX_CARD_BYTES
    visible = _visible(card_json(card))
    assert "…" in visible
    assert "⚠️ Revise · Risk: High" in visible  # the verdict survives any cut


def test_many_small_items_get_a_more_line():
    review = _review(risks=[_risk(category=f"c{i}") for i in range(30)], reactions=9, alternatives=9)
    visible = _visible(card_json(render_review(review, review_id="r")))
    assert re.search(r"\+\d+ more risks not shown", visible)
    assert "more reactions not shown" in visible
    assert "more alternatives not shown" in visible


def test_fixed_cards():
    assert "Reviewing…" in _visible(card_json(render_working()))
    assert "deleted" in _visible(card_json(render_deleted()))
    assert "Something went wrong." in _visible(card_json(render_notice("   ")))
    answer = card_json(render_answer("First.\n\nSecond."))
    assert [r["text"] for r in _elements(answer, "TextRun")] == ["First.", "Second."]
    assert "personal chat" in _visible(card_json(render_help(["Social review"])))


def test_feedback_data_ignores_foreign_payloads():
    assert feedback_data(None) is None
    assert feedback_data({"reviewId": "r"}) is None
    assert feedback_data({"reviewId": 3, "feedback": "helpful"}) is None
    assert feedback_data({"reviewId": "r", "feedback": "helpful"}) == ("r", True)


odd_text = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8"), max_size=20),
        st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2),  # lone surrogates
        st.sampled_from(
            ["<at>", "</at>", "[x](http://evil)", "**", "_", "www.a.com", "\u202e", "👩‍👩‍👧", "\n"]
        ),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=odd_text, repeat=st.integers(min_value=1, max_value=80), risks=st.integers(0, 25))
def test_any_draft_renders_within_limits_and_inert(text, repeat, risks):
    big = text * repeat
    review = _review(text=big, risks=[_risk(quote=big, text=big, category=text or "c") for _ in range(risks)],
                     reactions=risks % 7, alternatives=risks % 6, filler=big)
    review.summary = big
    card = render_review(review, review_id=text or "r", show_draft=True)
    assert card_bytes(card) <= MAX_CARD_BYTES
    dumped = card_json(card)
    json.dumps(dumped, ensure_ascii=False).encode("utf-8")  # sendable: no lone surrogates left
    _assert_inert(dumped)
