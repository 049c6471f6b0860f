"""The parts of an LLM request (the Structured Outputs schema) and the token estimate."""

from __future__ import annotations

import json
import math
from typing import Any

import jsonschema
import pytest

from bot.llm.schema import (
    LLMAlternative,
    LLMHintDecision,
    LLMReaction,
    LLMReview,
    LLMRisk,
    json_schema_format,
    response_schema,
    response_schema_json,
)
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


def test_a_complete_answer_is_valid_against_the_schema_sent_and_a_wrong_one_is_not() -> None:
    schema = response_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    answer = LLMReview(
        hints=[LLMHintDecision(hint="H1", decision="confirm", reason="It counts and mocks viewers.")],
        risks=[LLMRisk(category="surveillance_creep", severity="high", quote="53 people",
                       explanation="A counted group.", who_could_be_hurt="Viewers.", suggestion="Drop it.")],
        worst_reactions=[LLMReaction(persona="a privacy advocate", reply="Creepy.", category=None)],
        alternatives=[LLMAlternative(text="A lot of you loved it.", what_changed="No count.")],
        summary="It reads as tracking.",
        verdict="revise",
    ).model_dump(mode="json")
    validator.validate(answer)
    assert not validator.is_valid({**answer, "verdict": "maybe"})
    assert not validator.is_valid({k: v for k, v in answer.items() if k != "summary"})
    assert not validator.is_valid({**answer, "extra": 1})
    fmt = json_schema_format()
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == schema
    assert json.loads(response_schema_json()) == schema


def _per_character(text: str) -> int:
    """The reference estimate: 1/3 token per ASCII character, 1.5 per other character."""
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return math.ceil((len(text) - non_ascii) / 3 + non_ascii * 1.5)


@pytest.mark.parametrize(
    "text",
    ["", "a", "abcd", "To the 53 people who've watched it: Who hurt you?", "🎄" * 10,
     "Café crème, naïve piñata — “quotes”", "日本語のテキスト and English", "x" * 9999 + "é"],
)
def test_the_fast_estimate_counts_as_the_per_character_one(text: str) -> None:
    assert estimate_tokens(text) == _per_character(text)
