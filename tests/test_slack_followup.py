"""classify_followup (a pure function) and the Slack markup helpers."""

from __future__ import annotations

import pytest

from bot.review.followup import classify_followup
from bot.slack.inbound import mentions, plain_text, strip_mention


@pytest.mark.parametrize(
    "text",
    [
        "why is the number a problem?",
        "Why is the number a problem",
        "Should we drop the number",
        "can you make it warmer",
        "is this too snarky",
        "Would Gen Z read this as mean?",
        "the second alternative — is it safe?",
        "  <@UREDTEAM> what about people who rewatch for comfort?  ",
        "How risky is the privacy bit really?!",
        "wdyt",
    ],
)
def test_questions(text: str) -> None:
    assert classify_followup(text) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "To everyone rewatching A Christmas Prince this season: we're with you.",
        "Thanks for watching! We'll make more of what you love.",
        "Revised: To the 53 people who've watched every day: who hurt you?",
        "v2: Who's rewatching this week?",
        "How about: To everyone rewatching this season, we're with you.",
        '"Who else is on their fifth rewatch?"',
        "> Who else is on their fifth rewatch?",
        "Holiday rewatch season is here.\nWe see you.\nGrab the cocoa.\nWho's in?",
        "",
    ],
)
def test_revisions(text: str) -> None:
    assert classify_followup(text) == "revision"


def test_plain_text_turns_slack_markup_back_into_the_post() -> None:
    slack = (
        "<!channel> <!here|here> <@U123|ana> <#C1|social> <https://n.fx/x|our site> <https://n.fx/y> "
        "&amp; &lt;3 &gt;"
    )
    assert plain_text(slack) == "@channel @here @ana #social our site https://n.fx/y & <3 >"
    assert plain_text("<!subteam^S1|@comms> hi") == "@comms hi"


def test_mentions_of_the_bot_are_stripped_and_detected() -> None:
    assert strip_mention("<@UBOT> review this <@UBOT|redteam>", "UBOT") == "review this"
    assert strip_mention("<@UOTHER> hi", "UBOT") == "<@UOTHER> hi"
    assert mentions("hey <@UBOT|redteam>", "UBOT")
    assert not mentions("hey <@UBOT2>", "UBOT")
    assert not mentions("hey", None)
