"""The shape the LLM must answer in: quotes as plain strings, no spans, nothing optional.

Strict Structured Outputs need every field required and ``additionalProperties: false``;
``response_schema()`` produces exactly that from these models. The answer is verified and
converted into a ``Review`` by ``bot.review.merge`` — nothing here is trusted as is.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

import openai
from pydantic import BaseModel, ConfigDict, Field

SCHEMA_NAME = "redteam_review"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMRisk(_Strict):
    category: str = Field(description="A category id from the taxonomy.")
    severity: Literal["low", "medium", "high", "critical"]
    quote: str = Field(description="The exact words from the draft, copied character for character.")
    explanation: str
    who_could_be_hurt: str
    suggestion: str


class LLMReaction(_Strict):
    persona: str
    reply: str
    category: str | None


class LLMAlternative(_Strict):
    text: str
    what_changed: str


class LLMHintDecision(_Strict):
    hint: str = Field(description="The hint id, e.g. H1.")
    decision: Literal["confirm", "dismiss"]
    reason: str


class LLMReview(_Strict):
    summary: str
    verdict: Literal["ship", "revise", "do_not_post"]
    risks: list[LLMRisk]
    worst_reactions: list[LLMReaction]
    alternatives: list[LLMAlternative]
    hints: list[LLMHintDecision]


# Cached: pydantic rebuilds the schema from the models on every call (about 1 ms of CPU each, twice
# per review), and the models cannot change while the process runs. Callers must not mutate it.
@cache
def response_schema() -> dict[str, Any]:
    """The strict JSON schema of ``LLMReview`` (the same object every call: do not mutate it)."""
    # The SDK's public helper for strict function tools makes exactly the schema Structured
    # Outputs wants (every field required, no additional properties); only its parameters are used.
    tool = openai.pydantic_function_tool(LLMReview, name=SCHEMA_NAME)
    schema: dict[str, Any] = dict(tool["function"]["parameters"])
    return schema


@cache
def response_schema_json() -> str:
    """``response_schema()`` as compact JSON (for JSON mode's prompt and the token budget)."""
    return json.dumps(response_schema(), separators=(",", ":"))


@cache
def json_schema_format() -> dict[str, Any]:
    """``response_format`` for Structured Outputs (the same object every call: do not mutate it)."""
    return {
        "type": "json_schema",
        "json_schema": {"name": SCHEMA_NAME, "schema": response_schema(), "strict": True},
    }
