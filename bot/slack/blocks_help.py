"""The help message and the draft modal: fixed text, no draft content."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.review.platforms import PLATFORMS
from bot.slack.blocks_common import RenderedMessage, context, section, to_message
from bot.slack.escape import escape_mrkdwn
from bot.slack.ids import (
    DRAFT_ACTION_ID,
    DRAFT_BLOCK_ID,
    DRAFT_MODAL_CALLBACK_ID,
    NOTES_ACTION_ID,
    NOTES_BLOCK_ID,
    PLATFORM_ACTION_ID,
    PLATFORM_BLOCK_ID,
    SLASH_COMMAND,
)

#: Slack caps a plain-text input at 3,000 characters; longer drafts go through the channel.
MODAL_DRAFT_MAX_CHARS = 3000
MODAL_NOTES_MAX_CHARS = 1000
MAX_PRIVATE_METADATA = 3000

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,20}$")


def _channel(name_or_id: str) -> str:
    if _CHANNEL_ID.match(name_or_id):
        return f"<#{name_or_id}>"
    return "#" + escape_mrkdwn(name_or_id.lstrip("#"))


def render_help(review_channels: Sequence[str] = ()) -> RenderedMessage:
    """How to use the bot; ``review_channels`` (names or ids) are named when given."""
    where = ", ".join(_channel(c) for c in review_channels if c.strip()) or "the review channel"
    lines = [
        "*Red-team a post before anyone hits Publish.* The reviewer looks for the ways a post can "
        "backfire (mocking customers, creepy use of data, punching down) and suggests gentler versions.",
        f"• *Review channel:* post a draft as a new message in {where}. :eyes: means it is being "
        "read; the review arrives in the message's thread. Editing the draft re-reviews it.",
        f"• *`{SLASH_COMMAND} <draft>`:* a review only you can see, wherever you are. "
        "*Share in channel* posts it for everyone.",
        f"• *`{SLASH_COMMAND}`* alone opens a form for the draft, the platform and notes "
        "(campaign, timing, what the image shows).",
        "• *Red-team this message:* on any message, open ⋮ *More actions*; the review goes into "
        "that message's thread. The bot must be in the channel: `/invite @redteam`.",
        "• *In a review thread*, mention the bot with a revised draft to see what changed "
        "(e.g. High → Low), or with a question about the review.",
        f"• *`{SLASH_COMMAND} help`* shows this message.",
    ]
    blocks: list[Block] = [
        section("\n".join(lines)),
        context(
            "The review is advice, not a verdict: a person decides. When the AI reviewer is "
            "unavailable, the offline checks still run and the review says so."
        ),
    ]
    text = (
        f"How to use the red-team reviewer: post drafts in {where}, use {SLASH_COMMAND} <draft>, "
        f"{SLASH_COMMAND} alone for a form, or the Red-team this message shortcut; mention the bot "
        "in a review thread with a revised draft or a question."
    )
    return to_message(blocks, text)


def draft_modal(private_metadata: str = "") -> dict[str, Any]:
    """The ``views.open`` payload for ``/redteam`` without text.

    ``private_metadata`` comes back with the submission (e.g. the channel to answer in).
    """
    if len(private_metadata) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata is limited to {MAX_PRIVATE_METADATA} characters")
    blocks: list[Block] = [
        InputBlock(
            block_id=DRAFT_BLOCK_ID,
            label=PlainTextObject(text="Draft"),
            element=PlainTextInputElement(
                action_id=DRAFT_ACTION_ID,
                multiline=True,
                max_length=MODAL_DRAFT_MAX_CHARS,
                placeholder=PlainTextObject(text="The post exactly as it would be published"),
                focus_on_load=True,
            ),
            hint=PlainTextObject(text="Describe images or video in [brackets]."),
        ),
        InputBlock(
            block_id=PLATFORM_BLOCK_ID,
            label=PlainTextObject(text="Platform"),
            optional=True,
            element=StaticSelectElement(
                action_id=PLATFORM_ACTION_ID,
                placeholder=PlainTextObject(text="Where will it be posted?"),
                options=[Option(value=value, text=PlainTextObject(text=label)) for value, label in PLATFORMS],
            ),
        ),
        InputBlock(
            block_id=NOTES_BLOCK_ID,
            label=PlainTextObject(text="Notes"),
            optional=True,
            element=PlainTextInputElement(
                action_id=NOTES_ACTION_ID,
                multiline=True,
                max_length=MODAL_NOTES_MAX_CHARS,
                placeholder=PlainTextObject(text="Campaign, timing, audience, what the image shows"),
            ),
        ),
    ]
    view = View(
        type="modal",
        callback_id=DRAFT_MODAL_CALLBACK_ID,
        title=PlainTextObject(text="Red-team a draft"),
        submit=PlainTextObject(text="Review"),
        close=PlainTextObject(text="Cancel"),
        blocks=blocks,
        private_metadata=private_metadata or None,
    )
    return view.to_dict()
