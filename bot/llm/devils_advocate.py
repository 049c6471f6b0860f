"""One structured LLM call per review (plus at most one repair), and one short call per answer."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from bot.llm.client import endpoint_label, uses_azure
from bot.llm.errors import LLMBadOutput, LLMError
from bot.llm.prompt import Rubric, answer_messages, repair_message, review_messages
from bot.llm.retry import explain, with_retries
from bot.llm.schema import LLMReview, json_schema_format
from bot.review.models import Draft, Risk, ThreadContext
from bot.settings import Settings

log = logging.getLogger(__name__)

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
#: What a server says when it does not know Structured Outputs (then JSON mode is used instead).
_NO_SCHEMA_SUPPORT = re.compile(r"response_format|json_schema|structured output", re.IGNORECASE)
#: The notice's words for an answer that could not be read; the parser's own words are the detail.
UNUSABLE = "the LLM's answer was unusable"
ANSWER_MAX_TOKENS = 400
ANSWER_MAX_CHARS = 1500


@dataclass
class CritiqueResult:
    review: LLMReview
    model: str
    usage: dict[str, int] = field(default_factory=dict)
    repaired: bool = False
    json_mode: bool = False


class DevilsAdvocate:
    """Talks to the model. Raises only ``LLMError`` subclasses, each with a user-facing ``reason``."""

    def __init__(self, client: AsyncOpenAI, settings: Settings, review_rubric: Rubric,
                 answer_rubric: Rubric) -> None:
        self.client = client
        self.settings = settings
        self.review_rubric = review_rubric
        self.answer_rubric = answer_rubric
        # Flipped for good once a server says it lacks json_schema, so later reviews skip the probe.
        self.json_mode = not settings.llm_structured_outputs

    # --- the review -----------------------------------------------------------------------
    async def critique(self, draft: Draft, hints: list[Risk]) -> CritiqueResult:
        started = time.monotonic()
        usage: dict[str, int] = {}
        messages = review_messages(self.review_rubric, draft, hints, json_mode=self.json_mode)
        completion = await self._create_review(messages, draft, hints)
        _add_usage(usage, completion)
        content = _content(completion)
        repaired = False
        try:
            parsed = parse_review(content)
        except LLMBadOutput as first:
            log.warning("LLM review unusable (%s); asking once for a repair", first.reason)
            log.debug("what was wrong with it: %s", first.detail)
            repaired = True
            messages = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": repair_message(first.detail or first.reason)},
            ]
            completion = await self._create_review(messages, draft, hints)
            _add_usage(usage, completion)
            try:
                parsed = parse_review(_content(completion))
            except LLMBadOutput as second:
                raise LLMBadOutput(
                    f"{second.reason}, twice", detail=second.detail or second.reason
                ) from None
        log.info(
            "LLM review done: model=%s json_mode=%s repaired=%s prompt_tokens=%s completion_tokens=%s "
            "cached_tokens=%s seconds=%.2f",
            completion.model, self.json_mode, repaired, usage.get("prompt_tokens"),
            usage.get("completion_tokens"), usage.get("cached_tokens", 0), time.monotonic() - started,
        )
        model = completion.model or self.settings.model
        return CritiqueResult(parsed, model, usage, repaired, self.json_mode)

    async def _create_review(self, messages: list[dict[str, str]], draft: Draft,
                             hints: list[Risk]) -> ChatCompletion:
        try:
            return await self._call(messages, self._review_format(), self.settings.llm_max_output_tokens)
        except LLMError as exc:
            cause = exc.__cause__
            if (self.json_mode or not isinstance(cause, openai.BadRequestError)
                    or not _NO_SCHEMA_SUPPORT.search(cause.message)):
                raise
        log.warning("the LLM server does not support json_schema; using JSON mode from now on")
        self.json_mode = True
        # The schema now travels in the user message, so that message is rebuilt.
        fresh = review_messages(self.review_rubric, draft, hints, json_mode=True)
        messages = [*fresh, *messages[2:]]
        return await self._call(messages, self._review_format(), self.settings.llm_max_output_tokens)

    def _review_format(self) -> dict[str, Any]:
        return {"type": "json_object"} if self.json_mode else json_schema_format()

    # --- the thread answer ---------------------------------------------------------------
    async def answer(self, question: str, thread: ThreadContext) -> str:
        messages = answer_messages(self.answer_rubric, question, thread)
        completion = await self._call(messages, None, ANSWER_MAX_TOKENS)
        text = _content(completion).strip()
        if not text:
            raise LLMBadOutput("the model gave an empty answer")
        usage: dict[str, int] = {}
        _add_usage(usage, completion)
        log.info("LLM answer done: model=%s prompt_tokens=%s completion_tokens=%s",
                 completion.model, usage.get("prompt_tokens"), usage.get("completion_tokens"))
        return _trim(text, ANSWER_MAX_CHARS)

    # --- the configuration probe ----------------------------------------------------------
    async def probe(self) -> None:
        """One tiny request, no retries: raises LLMConfigError/LLMUnavailable when it fails."""
        await self._call([{"role": "user", "content": "Reply with the word OK."}], None, 5, retry=False)

    # --- plumbing ------------------------------------------------------------------------
    async def _call(self, messages: list[dict[str, str]], response_format: dict[str, Any] | None,
                    max_tokens: int, *, retry: bool = True) -> ChatCompletion:
        kwargs: dict[str, Any] = {"model": self.settings.model, "messages": messages}
        if response_format is not None:
            kwargs["response_format"] = response_format
        # OpenAI and Azure want max_completion_tokens (reasoning models reject max_tokens);
        # OpenAI-compatible servers (Ollama, vLLM, LiteLLM) know max_tokens.
        if self.settings.openai_base_url and not uses_azure(self.settings):
            kwargs["max_tokens"] = max_tokens
        else:
            kwargs["max_completion_tokens"] = max_tokens

        async def once() -> ChatCompletion:
            completion: ChatCompletion = await self.client.chat.completions.create(**kwargs)
            return completion

        budget = self.settings.llm_retry_seconds if retry else 0.0
        try:
            return await with_retries(once, budget)
        except Exception as exc:
            log.debug("LLM request failed: %s: %s", type(exc).__name__, exc)
            raise explain(
                exc, model=self.settings.model, endpoint=endpoint_label(self.settings),
                timeout=self.settings.llm_timeout_seconds, budget=self.settings.llm_retry_seconds,
                key_setting="AZURE_OPENAI_API_KEY" if uses_azure(self.settings) else "OPENAI_API_KEY",
            ) from exc


def parse_review(content: str) -> LLMReview:
    """The model's text as an ``LLMReview``; ``LLMBadOutput`` says what was wrong with it."""
    fenced = _FENCE.match(content)
    if fenced:  # local models like to wrap JSON in a code fence even in JSON mode
        content = fenced.group(1)
    if not content.strip():
        raise LLMBadOutput(UNUSABLE, detail="the answer was empty")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise LLMBadOutput(UNUSABLE, detail=f"it was not valid JSON ({exc.msg} at {where})") from None
    try:
        return LLMReview.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'the object'}: {err['msg']}"
            for err in exc.errors()[:5]
        )
        raise LLMBadOutput(UNUSABLE, detail=f"it did not follow the required format ({problems})") from None


def _content(completion: ChatCompletion) -> str:
    if not completion.choices:
        raise LLMBadOutput(UNUSABLE, detail="the answer held no message")
    choice = completion.choices[0]
    message = choice.message
    if message.refusal:
        # The refusal's own words stay out of the notice and the log: they may quote the draft.
        raise LLMBadOutput("the model declined to review this draft")
    if choice.finish_reason == "content_filter":
        raise LLMBadOutput("the provider's content filter blocked the answer")
    return message.content or ""


def _add_usage(total: dict[str, int], completion: ChatCompletion) -> None:
    usage = completion.usage
    if usage is None:
        return
    total["prompt_tokens"] = total.get("prompt_tokens", 0) + usage.prompt_tokens
    total["completion_tokens"] = total.get("completion_tokens", 0) + usage.completion_tokens
    total["total_tokens"] = total.get("total_tokens", 0) + usage.total_tokens
    details = usage.prompt_tokens_details
    if details is not None and details.cached_tokens:
        total["cached_tokens"] = total.get("cached_tokens", 0) + details.cached_tokens


def _trim(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind("\n"))
    return (cut[: end + 1] if end > limit // 2 else cut).rstrip() + " …"
