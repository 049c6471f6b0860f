"""The message type every renderer returns, and the small block helpers they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.slack.block_json import block_dict
from bot.slack.blocks_limits import MAX_CONTEXT_TEXT, MAX_FALLBACK_TEXT, MAX_SECTION_TEXT
from bot.slack.escape import clip


@dataclass(frozen=True)
class RenderedMessage:
    """``blocks`` and the fallback ``text`` for chat.postMessage / chat.update / respond."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    text: str = ""

    def as_kwargs(self) -> dict[str, Any]:
        """``client.chat_postMessage(channel=..., **message.as_kwargs())``."""
        return {"blocks": self.blocks, "text": self.text}


def section(mrkdwn: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(mrkdwn, MAX_SECTION_TEXT)))


def context(mrkdwn: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(mrkdwn, MAX_CONTEXT_TEXT))])


def to_message(blocks: Sequence[Block], text: str) -> RenderedMessage:
    return RenderedMessage(blocks=[block_dict(b) for b in blocks], text=clip(text, MAX_FALLBACK_TEXT))
