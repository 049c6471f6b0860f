"""The parts of an LLM request that are built once per process, and the token estimate."""

from __future__ import annotations

import json
import math

import pytest
from openai.lib._pydantic import to_strict_json_schema

from bot.llm.schema import LLMReview, json_schema_format, response_schema, response_schema_json
from bot.llm.tokens import estimate_tokens


def test_the_schema_is_built_once_and_is_the_strict_schema() -> None:
    assert response_schema() is response_schema()
    assert response_schema() == to_strict_json_schema(LLMReview)
    fmt = json_schema_format()
    assert fmt is json_schema_format()
    assert fmt["json_schema"]["schema"] is response_schema() and fmt["json_schema"]["strict"] is True
    assert response_schema_json() == json.dumps(response_schema(), separators=(",", ":"))


def _per_character(text: str) -> int:
    """The estimate as first written: 1/3 token per ASCII character, 1.5 per other character."""
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return math.ceil((len(text) - non_ascii) / 3 + non_ascii * 1.5)


@pytest.mark.parametrize(
    "text",
    ["", "a", "abcd", "To the 53 people who've watched it: Who hurt you?", "🎄" * 10,
     "Café crème, naïve piñata — “quotes”", "日本語のテキスト and English", "x" * 9999 + "é"],
)
def test_the_fast_estimate_counts_as_the_per_character_one(text: str) -> None:
    assert estimate_tokens(text) == _per_character(text)
