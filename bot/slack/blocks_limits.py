"""Slack's message limits, and a budget that keeps a message within them.

Documented: 50 blocks, 3,000 characters of section text, 150 of header, 75 of button text,
about 4,000 for the fallback ``text``. Undocumented but real: chat.postMessage answers
``msg_blocks_too_long`` once the text of all blocks passes roughly 12-13 thousand
characters (slackapi/bolt-js#2509, #2867), so the total is budgeted too, with a margin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Block

from bot.slack.block_json import block_dict

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_FALLBACK_TEXT = 4000
MAX_TOTAL_BLOCK_TEXT = 11000


def text_length(value: Any) -> int:
    """Characters in every ``text`` string of a block's JSON, nested elements included."""
    if isinstance(value, dict):
        total = 0
        for key, item in value.items():
            if key == "text" and isinstance(item, str):
                total += len(item)
            else:
                total += text_length(item)
        return total
    if isinstance(value, list):
        return sum(text_length(item) for item in value)
    return 0


def block_text_length(block: Block) -> int:
    return text_length(block_dict(block))


@dataclass
class Budget:
    """Blocks and characters still free in a message."""

    blocks: int = MAX_BLOCKS
    chars: int = MAX_TOTAL_BLOCK_TEXT

    def reserve(self, blocks: int = 0, chars: int = 0) -> None:
        self.blocks -= blocks
        self.chars -= chars

    def take(self, block: Block) -> bool:
        """Spend room for ``block`` if there is room; False (and nothing spent) otherwise."""
        size = block_text_length(block)
        if self.blocks < 1 or size > self.chars:
            return False
        self.blocks -= 1
        self.chars -= size
        return True
