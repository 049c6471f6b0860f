"""The parts of an LLM request that are built once per process, and the token estimate."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from bot.llm.schema import LLMReview, json_schema_format, response_schema, response_schema_json
from bot.llm.tokens import estimate_tokens


def _objects(node: Any) -> list[dict[str, Any]]:
    """Every JSON-schema object definition inside ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


def test_the_schema_is_strict_as_structured_outputs_require() -> None:
    objects = _objects(response_schema())
    assert len(objects) >= 5, "the review and each kind of item in it"
    for obj in objects:
        assert obj["additionalProperties"] is False
        assert sorted(obj["required"]) == sorted(obj["properties"]), "every field required"
    assert set(response_schema()["properties"]) == set(LLMReview.model_fields)


def test_the_schema_is_built_once() -> None:
    assert response_schema() is response_schema()
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
