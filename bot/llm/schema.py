"""The shape the LLM must answer in: quotes as plain strings, no spans, nothing optional.

Strict Structured Outputs need every field required and ``additionalProperties: false``;
``response_schema()`` produces exactly that from these models. The answer is verified and
converted into a ``Review`` by ``bot.review.merge`` — nothing here is trusted as is.
"""

from __future__ import annotations

import json
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

import openai
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.fields import FieldInfo

from bot.review.models import Severity

SCHEMA_NAME = "redteam_review"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


#: The scale's levels a risk may have (never ``none``), inlined as a plain enum: a ``$defs`` entry
#: would only lengthen every request.
_SEVERITY = WithJsonSchema({"enum": [s.value for s in Severity], "title": "Severity", "type": "string"})


class LLMRisk(_Strict):
    category: str = Field(description="a category id from the list above")
    severity: Annotated[Severity, _SEVERITY] = Field(description="by the severity guide below")
    quote: str = Field(description="the exact words from the draft that carry the risk, copied character "
                                   "for character, as short as possible but complete; never paraphrase")
    explanation: str = Field(description="why these words are risky, here")
    who_could_be_hurt: str = Field(description="the people these words hurt or anger")
    suggestion: str = Field(description="how to fix these words")


class LLMReaction(_Strict):
    persona: str = Field(description="who replies")
    reply: str = Field(description="the reply as it would be posted, in that person's voice")
    category: str | None = Field(description="the risk category it feeds, or null")


class LLMAlternative(_Strict):
    text: str = Field(description="the whole post, ready to publish")
    what_changed: str = Field(description="what changed, in one line")


class LLMHintDecision(_Strict):
    hint: str = Field(description="the hint id, e.g. H1")
    decision: Literal["confirm", "dismiss"] = Field(
        description="confirm: the risk is real in this context; dismiss: a false alarm here")
    reason: str = Field(description="one line")


class LLMReview(_Strict):
    """The answer, in the order the model should think: the evidence first, the conclusion last."""

    hints: list[LLMHintDecision] = Field(
        description="one entry per offline hint you were given, in their order; an empty list when "
                    "there were none")
    risks: list[LLMRisk] = Field(
        description="every real risk you find, most severe first; confirmed hints need not be repeated; "
                    "an empty list when the draft is fine")
    worst_reactions: list[LLMReaction] = Field(
        description="the worst replies the post could realistically get, each from a different persona "
                    "(the customer who feels mocked, a privacy advocate, a journalist writing the headline, "
                    "a parent or carer, a disability advocate, a rival brand's social team, a regulator), "
                    "at most 5; for a fine draft none, or one mild reply")
    alternatives: list[LLMAlternative] = Field(
        description="gentler versions of the whole post that keep what was good about the idea (the "
                    "warmth, the news, the fun) and lose the risk: 1 to 3 when the verdict is revise or "
                    "do_not_post; an empty list when the draft is fine as it is")
    summary: str = Field(
        description="two sentences at most, in plain words: what the post risks and what to do; for a "
                    "fine post, that it is fine and why")
    verdict: Literal["ship", "revise", "do_not_post"] = Field(
        description="ship: fine as it is, or only low risks; revise: the idea works, the wording does "
                    "not; do_not_post: the idea itself is the problem")


def _kind(annotation: Any) -> str:
    choices: list[str] = []
    if get_origin(annotation) is Literal:
        choices = [json.dumps(c) for c in get_args(annotation)]
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = [json.dumps(member.value) for member in annotation]
    if choices:
        return "one of " + ", ".join(choices[:-1]) + " or " + choices[-1]
    return ""


def _item_model(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return item
    return None


def _field_text(name: str, info: FieldInfo) -> str:
    kind = _kind(info.annotation)
    parts = [p for p in (kind, info.description or "") if p]
    return f"{name} ({'; '.join(parts)})" if parts else name


def output_contract(model: type[BaseModel] = LLMReview) -> str:
    """The answer format as a markdown list, written from the models (so it cannot drift from them)."""
    lines = []
    for name, info in model.model_fields.items():
        item = _item_model(info.annotation)
        text = f"- {name}: " + "; ".join(p for p in (_kind(info.annotation), info.description) if p)
        if item is not None:
            fields = "; ".join(_field_text(n, i) for n, i in item.model_fields.items())
            text += f". For each: {fields}."
        else:
            text += "."
        lines.append(text)
    return "\n".join(lines)


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
