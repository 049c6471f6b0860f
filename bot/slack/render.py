"""Reviews and replies as Slack messages (Block Kit via slack_sdk's models).

Pure functions: no Slack calls, no I/O. Every message fits Slack's limits whatever the review
holds; what does not fit is cut with a visible "…" or a "+N more … not shown" line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
)

from bot.conversation.outcomes import ClearanceState
from bot.review.models import Review, ReviewDelta
from bot.slack import blocks_review as parts
from bot.slack.blocks_clearance import clearance_fallback, clearance_text
from bot.slack.blocks_common import RenderedMessage, context, section, to_message
from bot.slack.blocks_help import draft_modal, render_help
from bot.slack.blocks_limits import (
    MAX_BLOCKS,
    MAX_HEADER_TEXT,
    MAX_SECTION_TEXT,
    MAX_TOTAL_BLOCK_TEXT,
    Budget,
    block_text_length,
)
from bot.slack.escape import clip, escape_clipped, escape_mrkdwn
from bot.slack.ids import (
    CLEAR_ACTION_ID,
    FEEDBACK_BLOCK_ID,
    FEEDBACK_HELPFUL_ACTION_ID,
    FEEDBACK_NOT_HELPFUL_ACTION_ID,
    SHARE_ACTION_ID,
)

__all__ = [
    "RenderedMessage",
    "draft_modal",
    "escape_mrkdwn",
    "render_answer",
    "render_deleted",
    "render_help",
    "render_notice",
    "render_review",
    "render_working",
]

#: Risks and alternatives placed first, before the rest of either list competes for room.
_FIRST_RISKS = 3
_FIRST_ALTERNATIVES = 3
_OVERFLOW_CHARS = 60
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def _buttons(review_id: str, ephemeral: bool, clearance: ClearanceState | None) -> ActionsBlock:
    elements = [
        ButtonElement(
            text=PlainTextObject(text=":thumbsup: Helpful", emoji=True),
            action_id=FEEDBACK_HELPFUL_ACTION_ID,
            value=review_id,
        ),
        ButtonElement(
            text=PlainTextObject(text=":thumbsdown: Not helpful", emoji=True),
            action_id=FEEDBACK_NOT_HELPFUL_ACTION_ID,
            value=review_id,
        ),
    ]
    if ephemeral:
        elements.append(
            ButtonElement(
                text=PlainTextObject(text="Share in channel", emoji=True),
                action_id=SHARE_ACTION_ID,
                value=review_id,
                style="primary",
            )
        )
    elif clearance is not None and clearance.offers_button:
        elements.append(
            ButtonElement(
                text=PlainTextObject(text=":white_check_mark: Cleared to post", emoji=True),
                action_id=CLEAR_ACTION_ID,
                value=review_id,
                style="primary",
            )
        )
    return ActionsBlock(block_id=FEEDBACK_BLOCK_ID, elements=elements)


def _shared_line(shared_by: str) -> str:
    who = f"<@{shared_by}>" if _USER_ID.match(shared_by) else escape_mrkdwn(shared_by)
    return f":mega: Shared by {who}"


def _take(budget: Budget, blocks: list[Block], start: int, stop: int, shown: list[Block]) -> None:
    """Append ``blocks[start:stop]`` to ``shown`` while they fit, keeping ``shown`` a prefix of
    ``blocks`` so "+N more" counts what is really missing."""
    for block in blocks[start:stop]:
        if len(shown) < start or not budget.take(block):
            return
        shown.append(block)


def _head(
    review: Review,
    delta: ReviewDelta | None,
    shared_by: str | None,
    ephemeral: bool,
    clearance: ClearanceState | None,
) -> list[Block]:
    head: list[Block] = []
    if delta is not None:
        head.append(section(parts.delta_text(delta)))
    header = clip(parts.header_text(review), MAX_HEADER_TEXT)
    head.append(HeaderBlock(text=PlainTextObject(text=header, emoji=True)))
    if shared_by:
        head.append(context(_shared_line(shared_by)))
    # Right under the verdict: whether the post may go out is what the channel looks for first.
    if clearance is not None and not ephemeral and (line := clearance_text(clearance)):
        head.append(context(line))
    head.append(section(parts.summary_text(review)))
    # Away from the draft's own thread (a private reply, a shared copy) the reader needs the draft.
    if (ephemeral or shared_by) and (excerpt := parts.draft_excerpt(review)):
        head.append(context(excerpt))
    return head


def _tail(
    review: Review, review_id: str, ephemeral: bool, clearance: ClearanceState | None
) -> list[Block]:
    tail: list[Block] = []
    if notices := parts.notices_text(review.notices):
        tail.append(context(notices))
    tail.append(context(parts.engines_text(review, review_id)))
    tail.append(_buttons(review_id, ephemeral, clearance))
    return tail


def _more(hidden: int, noun: str) -> Block:
    return context(f"+{hidden} more {noun}{'s' if hidden > 1 else ''} not shown")


def _middle(review: Review, budget: Budget, labels: Mapping[str, str] | None) -> list[Block]:
    """Risks (worst first), the worst reactions and the alternatives, as many as fit."""
    risks = sorted(review.risks, key=lambda r: -r.severity.rank)
    # No message holds more than MAX_BLOCKS, so only that many are ever built.
    risk_blocks: list[Block] = [section(parts.risk_text(r, labels)) for r in risks[:MAX_BLOCKS]]
    alternatives = review.alternatives
    alt_blocks: list[Block] = [
        section(parts.alternative_text(i, a, labels))
        for i, a in enumerate(alternatives[:MAX_BLOCKS], start=1)
    ]
    alt_title = section("*Gentler alternatives*: copy one, or use it as a start")
    # Room for the dividers, the alternatives' title and a "+N more" line per list.
    if risks:
        budget.reserve(2, _OVERFLOW_CHARS)
    if review.worst_reactions:
        budget.reserve(1)
    if alternatives:
        budget.reserve(3, block_text_length(alt_title) + _OVERFLOW_CHARS)

    shown_risks: list[Block] = []
    shown_alts: list[Block] = []
    reactions: Block | None = None
    # Placed in order of use to the reader: the worst risks and one rewrite first, so a huge
    # review still shows what is wrong and what to post instead.
    _take(budget, risk_blocks, 0, 2, shown_risks)
    _take(budget, alt_blocks, 0, 1, shown_alts)
    if review.worst_reactions:
        limit = min(MAX_SECTION_TEXT, max(budget.chars, 0), 1500 + 1500 * (not risks))
        candidate = section(parts.reactions_text(review.worst_reactions, limit)[0])
        if budget.take(candidate):
            reactions = candidate
    _take(budget, risk_blocks, 2, _FIRST_RISKS, shown_risks)
    _take(budget, alt_blocks, 1, _FIRST_ALTERNATIVES, shown_alts)
    _take(budget, risk_blocks, _FIRST_RISKS, len(risk_blocks), shown_risks)
    _take(budget, alt_blocks, _FIRST_ALTERNATIVES, len(alt_blocks), shown_alts)

    middle: list[Block] = []
    if risks:
        middle += [DividerBlock(), *shown_risks]
        if hidden := len(risks) - len(shown_risks):
            middle.append(_more(hidden, "risk"))
    if reactions is not None:
        middle += [DividerBlock(), reactions]
    if alternatives:
        middle += [DividerBlock(), alt_title, *shown_alts]
        if hidden := len(alternatives) - len(shown_alts):
            middle.append(_more(hidden, "alternative"))
    return middle


def render_review(
    review: Review,
    *,
    review_id: str,
    delta: ReviewDelta | None = None,
    shared_by: str | None = None,
    ephemeral: bool = False,
    category_labels: Mapping[str, str] | None = None,
    clearance: ClearanceState | None = None,
) -> RenderedMessage:
    """The review as a message: verdict at a glance, then risks, reactions and rewrites.

    ``ephemeral`` adds the *Share in channel* button; ``shared_by`` (a user id) names who
    shared it; ``category_labels`` maps taxonomy ids to their labels; ``clearance`` (a review
    in a review channel) adds the *Cleared to post* button or says who cleared it.
    """
    head = _head(review, delta, shared_by, ephemeral, clearance)
    tail = _tail(review, review_id, ephemeral, clearance)
    budget = Budget()
    budget.reserve(len(head) + len(tail), sum(block_text_length(b) for b in head + tail))
    middle = _middle(review, budget, category_labels)
    fallback = parts.fallback_text(review, delta, category_labels)
    if clearance is not None and not ephemeral and (said := clearance_fallback(clearance)):
        fallback = f"{said} {fallback}"
    return to_message(head + middle + tail, fallback)


def render_working() -> RenderedMessage:
    return to_message([context(":eyes: Reviewing… the review will appear here.")], "Reviewing your draft…")


def render_notice(message: str) -> RenderedMessage:
    """A short plain message (an error, a hint): escaped, one section."""
    text = escape_clipped(message.strip() or "Something went wrong.", MAX_SECTION_TEXT)
    return to_message([section(text)], text)


def render_answer(text: str) -> RenderedMessage:
    """An answer to a question asked in a review thread, in as many sections as it needs."""
    escaped = escape_clipped(text.strip() or "I have no answer to that.", MAX_TOTAL_BLOCK_TEXT - 200)
    chunks = _split(escaped, MAX_SECTION_TEXT)
    blocks: list[Block] = [section(chunk) for chunk in chunks]
    blocks.append(context(":speech_balloon: Answer from the red-team reviewer, based on this thread."))
    return to_message(blocks, escaped)


def render_deleted() -> RenderedMessage:
    text = ":wastebasket: The draft was deleted, so its review was removed."
    return to_message([context(text)], "The draft was deleted, so its review was removed.")


def _split(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size``, broken at paragraph or line ends where possible,
    never inside an entity such as ``&amp;``."""
    pieces: list[str] = []
    rest = text
    while len(rest) > size:
        cut = max(rest.rfind("\n\n", 0, size), rest.rfind("\n", 0, size))
        if cut < size // 2:
            cut = rest.rfind(" ", 0, size)
        if cut < size // 2:
            cut = size
            amp = rest.rfind("&", 0, cut)
            if amp != -1 and ";" not in rest[amp:cut]:
                cut = amp
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
