"""The "Cleared to post" pieces of Slack messages: the line a review shows, the private answer
to a click, and the modal that asks for a reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, PlainTextObject
from slack_sdk.models.views import View

from bot.conversation.clearance import MAX_REASON_CHARS, ClearanceReply
from bot.conversation.outcomes import ClearanceState
from bot.slack.blocks_common import RenderedMessage, context, section, to_message
from bot.slack.blocks_limits import MAX_SECTION_TEXT
from bot.slack.escape import escape_clipped, escape_mrkdwn, single_line
from bot.slack.ids import CLEAR_REASON_ACTION_ID, CLEAR_REASON_BLOCK_ID, CLEAR_REASON_MODAL_CALLBACK_ID

#: Slack's own limit on a view's private_metadata.
MAX_PRIVATE_METADATA = 3000
REASON_CHARS = 500

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")

EDITED_LINE = ":warning: *Edited after clearance*: needs a new clearance."
BLOCKED_LINE = (
    ":no_entry: This verdict can't be cleared to post here: revise the draft and post the new version."
)


def who(user: str) -> str:
    """A mention of a Slack user (an approver, never draft text); anything else shown literally."""
    return f"<@{user}>" if _USER_ID.match(user) else escape_mrkdwn(user)


def when(at: datetime) -> str:
    """A time every reader sees in their own time zone, UTC where Slack can't format it."""
    utc = at.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{utc:%Y-%m-%d %H:%M} UTC>"


def cleared_line(state: ClearanceState) -> str:
    """"Cleared to post by @Bob, 14:02, version 2", and the reason when there is one."""
    assert state.cleared_by is not None
    line = f":white_check_mark: *Cleared to post* by {who(state.cleared_by)}"
    if state.cleared_at is not None:
        line += f", {when(state.cleared_at)}"
    line += f", version {state.version}"
    if state.reason:
        line += "\n*Reason:* " + escape_clipped(single_line(state.reason), REASON_CHARS)
    return line


def clearance_text(state: ClearanceState) -> str:
    """The review's clearance line (mrkdwn), or "" when there is nothing to say."""
    lines = []
    if state.cleared:
        lines.append(cleared_line(state))
    elif state.edited_after_clearance:
        lines.append(EDITED_LINE)
    if state.blocked and not state.cleared:
        lines.append(BLOCKED_LINE)
    return "\n".join(lines)


def clearance_fallback(state: ClearanceState) -> str:
    """The same in plain words, for notifications and screen readers."""
    if state.cleared and state.cleared_by is not None:
        return f"Cleared to post by {who(state.cleared_by)}, version {state.version}."
    if state.edited_after_clearance:
        return "Edited after clearance: needs a new clearance."
    return ""


def render_clearance_reply(reply: ClearanceReply) -> RenderedMessage:
    """The private answer to a click of *Cleared to post*."""
    text = escape_clipped(reply.text, MAX_SECTION_TEXT)
    blocks: list[Block] = [section(text)]
    fallback = text
    if reply.clearance is not None and reply.clearance.cleared:
        blocks.append(context(cleared_line(reply.clearance)))
        fallback += " " + clearance_fallback(reply.clearance)
    return to_message(blocks, fallback)


def clear_reason_modal(private_metadata: str) -> dict[str, Any]:
    """The ``views.open`` payload asking why a Do not post draft may be posted anyway."""
    if len(private_metadata) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata is limited to {MAX_PRIVATE_METADATA} characters")
    view = View(
        type="modal",
        callback_id=CLEAR_REASON_MODAL_CALLBACK_ID,
        title=PlainTextObject(text="Clear a risky draft"),
        submit=PlainTextObject(text="Clear to post"),
        close=PlainTextObject(text="Cancel"),
        blocks=[
            section(
                "The review says *Do not post*. Clearing it anyway puts your name and your reason "
                "in the team's audit record."
            ),
            InputBlock(
                block_id=CLEAR_REASON_BLOCK_ID,
                label=PlainTextObject(text="Why is it fine to post?"),
                element=PlainTextInputElement(
                    action_id=CLEAR_REASON_ACTION_ID,
                    multiline=True,
                    min_length=1,
                    max_length=MAX_REASON_CHARS,
                    focus_on_load=True,
                    placeholder=PlainTextObject(text="e.g. Legal approved the claim on the 12th"),
                ),
            ),
        ],
        private_metadata=private_metadata,
    )
    return view.to_dict()
