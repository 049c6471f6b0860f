"""Block Kit rendering: the layout, Slack's limits, and escaping of everything from a draft."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

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
from bot.slack.blocks_limits import (
    MAX_BLOCKS,
    MAX_BUTTON_TEXT,
    MAX_FALLBACK_TEXT,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    MAX_TOTAL_BLOCK_TEXT,
    text_length,
)
from bot.slack.escape import ZWJ, clip, escape_mrkdwn
from bot.slack.ids import (
    DRAFT_ACTION_ID,
    DRAFT_MODAL_CALLBACK_ID,
    FEEDBACK_HELPFUL_ACTION_ID,
    FEEDBACK_NOT_HELPFUL_ACTION_ID,
    NOTES_ACTION_ID,
    PLATFORM_ACTION_ID,
    SHARE_ACTION_ID,
)
from bot.slack.render import (
    RenderedMessage,
    draft_modal,
    render_answer,
    render_deleted,
    render_help,
    render_notice,
    render_review,
    render_working,
)

NETFLIX = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
REVIEW_ID = "5a1d6c1e-0000-4000-8000-000000000001"


def risk(category: str, severity: Severity, quote: str, text: str = NETFLIX, **fields: Any) -> Risk:
    evidence = Evidence.locate(text, quote) or Evidence(quote=quote, start=0, end=len(quote))
    base: dict[str, Any] = {
        "category": category,
        "severity": severity,
        "evidence": evidence,
        "explanation": "Reveals how closely viewing is tracked.",
        "who_could_be_hurt": "Subscribers who rewatch for comfort",
        "suggestion": "Speak of trends, not counts.",
    }
    base.update(fields)
    return Risk(**base)


def netflix_review(**fields: Any) -> Review:
    base: dict[str, Any] = {
        "draft": Draft(text=NETFLIX, platform="twitter"),
        "verdict": Verdict.revise,
        "risk_level": RiskLevel.high,
        "summary": "Mocks paying customers and shows how closely they are watched.",
        "risks": [
            risk("mocking_customers", Severity.medium, "Who hurt you?", explanation="Snark at fans."),
            risk("surveillance_creep", Severity.high, "53 people"),
        ],
        "worst_reactions": [
            WorstReaction(persona="privacy advocate", reply="Cool, so you're counting what I watch?"),
            WorstReaction(persona="a loyal fan", reply="Rewatching is how I cope. Thanks for the dig."),
        ],
        "alternatives": [
            Alternative(
                text="To everyone who has watched A Christmas Prince every day: we're with you.",
                what_changed="Dropped the number and the snark.",
                residual_risk=RiskLevel.low,
            ),
            Alternative(
                text="Thanks for watching. We'll make more of what you love.", what_changed="Gratitude"
            ),
        ],
        "engines": ["offline", "llm:gpt-4o-mini"],
        "notices": [],
        "prompt_version": "v3",
    }
    base.update(fields)
    return Review(**base)


def texts(value: Any) -> list[str]:
    """Every string in a block structure that Slack displays (``text`` fields)."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                found.append(item)
            else:
                found.extend(texts(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(texts(item))
    return found


def by_type(msg: RenderedMessage, kind: str) -> list[dict[str, Any]]:
    return [b for b in msg.blocks if b["type"] == kind]


def section_texts(msg: RenderedMessage) -> list[str]:
    return [b["text"]["text"] for b in by_type(msg, "section")]


def assert_within_limits(msg: RenderedMessage) -> None:
    assert 0 < len(msg.blocks) <= MAX_BLOCKS
    assert 0 < len(msg.text) <= MAX_FALLBACK_TEXT
    assert text_length(msg.blocks) <= MAX_TOTAL_BLOCK_TEXT
    for block in msg.blocks:
        # slack_sdk's own validators (lengths, element counts) run on parse + to_dict.
        parsed = Block.parse(block)
        assert parsed is not None
        assert parsed.to_dict() == block
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= MAX_SECTION_TEXT
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= MAX_HEADER_TEXT
        if block["type"] == "context":
            assert len(block["elements"]) <= 10
            assert all(len(e["text"]) <= MAX_SECTION_TEXT for e in block["elements"])
        if block["type"] == "actions":
            assert all(len(e["text"]["text"]) <= MAX_BUTTON_TEXT for e in block["elements"])
    json.dumps(msg.blocks)  # serialisable as sent


# --- the layout --------------------------------------------------------------------------


def test_netflix_review_layout() -> None:
    msg = render_review(netflix_review(), review_id=REVIEW_ID)
    assert_within_limits(msg)
    header = msg.blocks[0]
    assert header["type"] == "header"
    assert "Revise" in header["text"]["text"] and "High" in header["text"]["text"]
    sections = section_texts(msg)
    assert sections[0] == "Mocks paying customers and shows how closely they are watched."
    # Risks, worst first, each with its severity, label, the quoted words, why, who, fix.
    risk_sections = [s for s in sections if "*Why:*" in s]
    assert len(risk_sections) == 2
    assert risk_sections[0].startswith(":red_circle: *High* · *Surveillance creep*")
    assert "\n>53 people\n" in risk_sections[0]
    assert "*Who could be hurt:* Subscribers who rewatch for comfort" in risk_sections[0]
    assert "*Try:* Speak of trends, not counts." in risk_sections[0]
    assert risk_sections[1].startswith(":large_orange_circle: *Medium* · *Mocking customers*")
    assert ">Who hurt you?" in risk_sections[1]
    # Worst reactions as quotes with the persona.
    reactions = next(s for s in sections if s.startswith("*Worst reactions*"))
    assert ">“Cool, so you&#39;re counting" not in reactions
    assert ">“Cool, so you're counting what I watch?”\n>— _privacy advocate_" in reactions
    # Each alternative in its own section, the text alone in a code block.
    options = [s for s in sections if s.startswith("*Option ")]
    assert len(options) == 2
    assert "```To everyone who has watched A Christmas Prince every day: we're with you.```" in options[0]
    assert "residual risk: :large_yellow_circle: *Low*" in options[0]
    assert "_What changed:_ Dropped the number and the snark." in options[0]
    # Engines and prompt version, then the buttons carrying the review id.
    contexts = [" ".join(e["text"] for e in b["elements"]) for b in by_type(msg, "context")]
    assert any("offline, llm:gpt-4o-mini" in c and "prompt v3" in c for c in contexts)
    (actions,) = by_type(msg, "actions")
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (FEEDBACK_HELPFUL_ACTION_ID, REVIEW_ID),
        (FEEDBACK_NOT_HELPFUL_ACTION_ID, REVIEW_ID),
    ]
    assert msg.blocks[-1]["type"] == "actions"


def test_ephemeral_render_has_share_button_and_shows_the_draft() -> None:
    msg = render_review(netflix_review(), review_id=REVIEW_ID, ephemeral=True)
    (actions,) = by_type(msg, "actions")
    share = actions["elements"][-1]
    assert (share["action_id"], share["value"], share["text"]["text"]) == (
        SHARE_ACTION_ID,
        REVIEW_ID,
        "Share in channel",
    )
    assert any("*Draft:* “To the 53 people" in t for t in texts(by_type(msg, "context")))
    in_thread = render_review(netflix_review(), review_id=REVIEW_ID)
    assert not any("*Draft:*" in t for t in texts(in_thread.blocks))


def test_shared_by_names_the_sharer() -> None:
    msg = render_review(netflix_review(), review_id=REVIEW_ID, shared_by="U012AB3CD")
    assert any(t == ":mega: Shared by <@U012AB3CD>" for t in texts(msg.blocks))
    hostile = render_review(netflix_review(), review_id=REVIEW_ID, shared_by="<!channel>")
    assert any(t == ":mega: Shared by &lt;!channel&gt;" for t in texts(hostile.blocks))


def test_notices_are_in_a_context_block() -> None:
    review = netflix_review(notices=["Offline checks only: the AI reviewer did not answer in time."])
    msg = render_review(review, review_id=REVIEW_ID)
    notices = [b for b in by_type(msg, "context") if "Offline checks only" in b["elements"][0]["text"]]
    assert len(notices) == 1
    assert notices[0]["elements"][0]["text"].startswith(":information_source: ")


def test_delta_line_is_at_the_top() -> None:
    before = netflix_review()
    after = netflix_review(
        risks=[risk("mocking_customers", Severity.low, "Who hurt you?")],
        risk_level=RiskLevel.low,
        verdict=Verdict.ship,
    )
    delta = ReviewDelta.between(before, after)
    msg = render_review(after, review_id=REVIEW_ID, delta=delta)
    first = msg.blocks[0]
    assert first["type"] == "section"
    assert "High → Low: surveillance creep resolved" in first["text"]["text"]
    assert msg.text.startswith("Revised draft: High → Low: surveillance creep resolved.")
    assert msg.blocks[1]["type"] == "header" and "Ship" in msg.blocks[1]["text"]["text"]


def test_clean_draft_has_a_short_review() -> None:
    review = Review(
        draft=Draft(text="Happy holidays from all of us."),
        verdict=Verdict.ship,
        risk_level=RiskLevel.none,
        engines=["offline"],
    )
    msg = render_review(review, review_id=REVIEW_ID)
    assert_within_limits(msg)
    assert [b["type"] for b in msg.blocks] == ["header", "section", "context", "actions"]
    assert "Ship" in msg.blocks[0]["text"]["text"] and "None" in msg.blocks[0]["text"]["text"]
    assert msg.blocks[1]["text"]["text"] == "No risk worth a rewrite was found."
    assert "Ship (risk: none)" in msg.text


def test_fallback_text_says_verdict_risks_and_a_fix() -> None:
    msg = render_review(netflix_review(), review_id=REVIEW_ID)
    assert msg.text.startswith("Red-team review: Revise (risk: high).")
    assert "Mocks paying customers" in msg.text
    assert "surveillance creep (high), mocking customers (medium)" in msg.text
    assert "Gentler version: “Thanks for watching. We'll make more of what you love.”" in msg.text


def test_category_labels_from_the_taxonomy_are_used() -> None:
    msg = render_review(
        netflix_review(), review_id=REVIEW_ID, category_labels={"surveillance_creep": "Creepy data use"}
    )
    assert any(s.startswith(":red_circle: *High* · *Creepy data use*") for s in section_texts(msg))


# --- limits ------------------------------------------------------------------------------

BIG = "x" * 20_000


def absurd_review() -> Review:
    text = ("Who hurt you? " * 1500)[:20_000]
    return Review(
        draft=Draft(text=text),
        verdict=Verdict.do_not_post,
        risk_level=RiskLevel.critical,
        summary=BIG,
        risks=[
            risk(
                f"category_{i}",
                [Severity.low, Severity.medium, Severity.high, Severity.critical][i % 4],
                "Who hurt you? " * 1400,
                text=text,
                explanation=BIG,
                who_could_be_hurt=BIG,
                suggestion=BIG,
            )
            for i in range(200)
        ],
        worst_reactions=[WorstReaction(persona=BIG, reply=BIG) for _ in range(100)],
        alternatives=[
            Alternative(text=BIG, what_changed=BIG, residual_risks=[risk("c" * 300, Severity.low, "x")])
            for _ in range(60)
        ],
        engines=["offline"] * 500,
        notices=[BIG] * 40,
        prompt_version=BIG,
    )


@pytest.mark.parametrize("ephemeral", [False, True])
def test_absurd_review_is_cut_within_slack_limits(ephemeral: bool) -> None:
    msg = render_review(
        absurd_review(),
        review_id=REVIEW_ID,
        ephemeral=ephemeral,
        shared_by="U1234567",
        delta=ReviewDelta(
            risk_level_before=RiskLevel.low,
            risk_level_after=RiskLevel.critical,
            verdict_before=Verdict.ship,
            verdict_after=Verdict.do_not_post,
            new=[BIG],
        ),
    )
    assert_within_limits(msg)
    all_text = "\n".join(texts(msg.blocks))
    assert "…" in all_text
    shown_risks = [s for s in section_texts(msg) if "*Why:*" in s]
    assert 1 <= len(shown_risks) < 200
    assert f"+{200 - len(shown_risks)} more risks not shown" in all_text
    # The worst come first.
    assert all(s.startswith(":rotating_light: *Critical*") for s in shown_risks)
    shown_alts = [s for s in section_texts(msg) if s.startswith("*Option ")]
    assert 1 <= len(shown_alts) < 60
    assert f"+{60 - len(shown_alts)} more alternatives not shown" in all_text
    assert "more reactions not shown" in all_text
    assert msg.text.endswith("…")
    assert by_type(msg, "actions"), "the feedback buttons are never cut"


def test_many_small_risks_are_cut_at_fifty_blocks() -> None:
    review = netflix_review(
        risks=[risk(f"c{i}", Severity.medium, "53 people") for i in range(200)],
        alternatives=[Alternative(text=f"Option {i}", what_changed="shorter") for i in range(30)],
    )
    msg = render_review(review, review_id=REVIEW_ID, ephemeral=True)
    assert_within_limits(msg)
    assert len(msg.blocks) >= 45  # blocks, not characters, were the limit here
    shown = len([s for s in section_texts(msg) if "*Why:*" in s])
    assert f"+{200 - shown} more risks not shown" in "\n".join(texts(msg.blocks))


def test_clip_never_leaves_half_an_entity() -> None:
    escaped = escape_mrkdwn("a&b" * 10)
    for limit in range(2, len(escaped)):
        cut = clip(escaped, limit)
        assert len(cut) <= limit
        assert cut.endswith("…")
        assert re.search(r"&(?!amp;|lt;|gt;)", cut) is None, cut


# --- escaping ----------------------------------------------------------------------------

HOSTILE = "<!channel> <!here> <!everyone> <@U123> <#C123> <https://x.example|y> & @here @channel @Everyone"


def hostile_review() -> Review:
    return Review(
        draft=Draft(text=HOSTILE, notes=HOSTILE, platform=HOSTILE),
        verdict=Verdict.revise,
        risk_level=RiskLevel.medium,
        summary=HOSTILE,
        risks=[
            Risk(
                category=HOSTILE,
                severity=Severity.medium,
                evidence=Evidence(quote=HOSTILE, start=0, end=len(HOSTILE)),
                explanation=HOSTILE,
                who_could_be_hurt=HOSTILE,
                suggestion=HOSTILE,
                rule_id=HOSTILE,
            )
        ],
        worst_reactions=[WorstReaction(persona=HOSTILE, reply=HOSTILE, category=HOSTILE)],
        alternatives=[
            Alternative(
                text=HOSTILE,
                what_changed=HOSTILE,
                residual_risk=RiskLevel.low,
                residual_risks=[
                    Risk(
                        category=HOSTILE,
                        severity=Severity.low,
                        evidence=Evidence(quote="x", start=0, end=1),
                        explanation=HOSTILE,
                        who_could_be_hurt=HOSTILE,
                        suggestion=HOSTILE,
                    )
                ],
            )
        ],
        engines=[HOSTILE],
        notices=[HOSTILE],
        prompt_version=HOSTILE,
        model=HOSTILE,
    )


def assert_inert(text: str) -> None:
    """No mention, link or broadcast can come out of ``text``; ``>`` only as our quote marker."""
    for token in ("<!", "<@", "<#", "<http"):
        assert token not in text, (token, text)
    assert re.search(r"&(?!amp;|lt;|gt;)", text) is None, text
    assert re.search(r"@(here|channel|everyone)", text, re.IGNORECASE) is None, text
    for line in text.splitlines():
        assert "<" not in line and ">" not in line.lstrip(">"), line


def test_every_field_of_a_hostile_review_is_escaped() -> None:
    delta = ReviewDelta(
        risk_level_before=RiskLevel.high,
        risk_level_after=RiskLevel.medium,
        verdict_before=Verdict.do_not_post,
        verdict_after=Verdict.revise,
        resolved=[HOSTILE],
        new=[HOSTILE],
    )
    for ephemeral in (False, True):
        msg = render_review(hostile_review(), review_id=REVIEW_ID, delta=delta, ephemeral=ephemeral)
        assert_within_limits(msg)
        shown = texts(msg.blocks)
        for text in [*shown, msg.text]:
            assert_inert(text)
        everything = "\n".join(shown)
        # The words are still there for the reader, as entities.
        assert "&lt;!channel&gt;" in everything and "&lt;@U123&gt;" in everything
        assert f"@{ZWJ}here" in everything and f"@{ZWJ}Everyone" in everything
        assert "&amp;" in everything
    json_text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "<!channel>" not in json_text and "<@U123>" not in json_text


def test_escape_mrkdwn() -> None:
    assert escape_mrkdwn("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape_mrkdwn("<!here>") == "&lt;!here&gt;"
    assert escape_mrkdwn("&lt;") == "&amp;lt;"  # entities typed in a draft stay as typed
    assert escape_mrkdwn("hi @here and @CHANNEL") == f"hi @{ZWJ}here and @{ZWJ}CHANNEL"
    assert escape_mrkdwn("@heresy @channels @everyone!") == f"@heresy @channels @{ZWJ}everyone!"
    assert escape_mrkdwn("plain words, *bold*") == "plain words, *bold*"


def test_hostile_texts_in_the_other_messages_are_escaped() -> None:
    for msg in (render_notice(HOSTILE), render_answer(HOSTILE * 3)):
        assert_within_limits(msg)
        for text in [*texts(msg.blocks), msg.text]:
            assert_inert(text)


# --- other messages ----------------------------------------------------------------------


def test_answer_is_split_into_sections_within_limits() -> None:
    paragraph = "The number makes fans feel watched. " * 40
    answer = "\n\n".join([paragraph] * 12)  # about 17,000 characters
    msg = render_answer(answer)
    assert_within_limits(msg)
    sections = section_texts(msg)
    assert len(sections) >= 4
    assert sections[0].startswith("The number makes fans feel watched.")
    assert sections[-1].endswith("…")
    assert msg.text.startswith("The number makes fans feel watched.")


def test_short_messages() -> None:
    for msg in (render_working(), render_deleted(), render_notice("Could not review: the file has no text.")):
        assert_within_limits(msg)
    assert "Reviewing" in render_working().text
    assert "deleted" in render_deleted().text
    notice = render_notice("Could not review: the file has no text.")
    assert notice.text == "Could not review: the file has no text."
    assert section_texts(notice) == ["Could not review: the file has no text."]
    assert render_notice("   ").text  # never an empty message


def test_help_explains_every_way_in() -> None:
    msg = render_help(["social-review", "C0123ABCD", "<!channel>"])
    assert_within_limits(msg)
    body = "\n".join(texts(msg.blocks))
    for phrase in (
        "#social-review",
        "<#C0123ABCD>",
        "`/redteam <draft>`",
        "`/redteam`* alone",
        "Red-team this message",
    ):
        assert phrase in body, phrase
    assert "revised draft" in body and "question" in body and "/redteam help" in body
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "/redteam" in msg.text
    assert "the review channel" in render_help().text


def test_draft_modal() -> None:
    view = draft_modal(private_metadata='{"channel": "C1"}')
    assert view["type"] == "modal"
    assert view["callback_id"] == DRAFT_MODAL_CALLBACK_ID
    assert view["private_metadata"] == '{"channel": "C1"}'
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert list(blocks) == ["draft", "platform", "notes"]
    assert blocks["draft"]["element"]["action_id"] == DRAFT_ACTION_ID
    assert blocks["draft"].get("optional") is not True
    assert blocks["platform"]["optional"] is True and blocks["notes"]["optional"] is True
    assert blocks["platform"]["element"]["action_id"] == PLATFORM_ACTION_ID
    assert "twitter" in [o["value"] for o in blocks["platform"]["element"]["options"]]
    assert blocks["notes"]["element"]["action_id"] == NOTES_ACTION_ID
    assert "private_metadata" not in draft_modal()
    with pytest.raises(ValueError, match="private_metadata"):
        draft_modal("x" * 3001)


def test_advice_is_shown_as_instead_without_a_residual_risk() -> None:
    advice = Alternative(text="Post a plain tribute with no product. Leave out “53 people”.",
                         what_changed="No rewording makes this idea safe.", kind="advice")
    review = netflix_review().model_copy(update={"alternatives": [advice]})
    msg = render_review(review, review_id=REVIEW_ID)
    shown = json.dumps(msg.blocks, ensure_ascii=False)
    assert "*Instead:* Post a plain tribute with no product." in shown
    assert "residual risk" not in shown.lower()
    assert "Instead: Post a plain tribute" in msg.text and "Gentler version" not in msg.text
