"""``block_dict`` serialises Block Kit models exactly as slack_sdk's ``to_dict`` does."""

from __future__ import annotations

import pytest
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    RichTextBlock,
    RichTextSectionElement,
    SectionBlock,
    StaticSelectElement,
)

from bot.slack.block_json import block_dict

BLOCKS: list[Block] = [
    SectionBlock(text=MarkdownTextObject(text="*Risk* on “53 people”"), block_id="risk-1"),
    SectionBlock(fields=[MarkdownTextObject(text="a"), PlainTextObject(text="b", emoji=True)]),
    ContextBlock(elements=[MarkdownTextObject(text="offline + llm:fake-model")]),
    HeaderBlock(text=PlainTextObject(text="Revise", emoji=True)),
    DividerBlock(),
    ActionsBlock(
        block_id="feedback",
        elements=[
            ButtonElement(text=PlainTextObject(text="Helpful"), action_id="a1", value="rid"),
            ButtonElement(text="Share", action_id="a2", value="rid", style="primary"),
        ],
    ),
    # a model with its own to_dict (options), and a type whose empty list is kept
    SectionBlock(
        text="Pick one",
        accessory=StaticSelectElement(
            action_id="pick", options=[Option(value="x", text="X"), Option(value="y", text="Y")]
        ),
    ),
    RichTextBlock(elements=[RichTextSectionElement(elements=[])]),
]


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: str(b.type))
def test_block_dict_matches_slack_sdk(block: Block) -> None:
    assert block_dict(block) == block.to_dict()
