"""Retry decisions and the plain-language meaning of failures (on real openai exceptions)."""

from __future__ import annotations

import email.utils
import logging
import time

import httpx2
import openai
import pytest

from bot.llm.errors import LLMConfigError, LLMUnavailable
from bot.llm.retry import explain, is_transient, retry_after_seconds, with_retries
from bot.review.models import Draft
from bot.review.service import ReviewService
from tests.fakes.openai_server import FakeOpenAI, settings_for

REQUEST = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")


def _status_error(status: int, headers: dict[str, str] | None = None, body: object = None):
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    classes = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        429: openai.RateLimitError,
    }
    cls = classes.get(status, openai.InternalServerError if status >= 500 else openai.APIStatusError)
    return cls(f"Error code: {status}", response=response, body=body)


def _explain(exc):
    return explain(exc, model="gpt-x", endpoint="http://host/v1", timeout=30, budget=60)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "0.5"}, 0.5),
        ({}, None),
    ],
)
def test_retry_after_is_read_in_seconds_or_milliseconds(headers, seconds):
    assert retry_after_seconds(_status_error(429, headers)) == seconds


def test_retry_after_as_an_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    asked = retry_after_seconds(_status_error(429, {"retry-after": when}))
    assert asked is not None and 25 <= asked <= 31


@pytest.mark.parametrize(
    ("status", "transient"),
    [
        (429, True),
        (500, True),
        (503, True),
        (408, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (422, False),
    ],
)
def test_what_is_retried(status, transient):
    assert is_transient(_status_error(status)) is transient


def test_timeouts_and_connection_errors_are_retried_but_an_empty_quota_is_not():
    assert is_transient(openai.APITimeoutError(request=REQUEST))
    assert is_transient(openai.APIConnectionError(request=REQUEST))
    quota = _status_error(429, body={"code": "insufficient_quota", "message": "You exceeded your quota"})
    assert not is_transient(quota)
    assert isinstance(_explain(quota), LLMConfigError)


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (_status_error(401), LLMConfigError, "the API key was refused"),
        (_status_error(403), LLMConfigError, "may not use model 'gpt-x'"),
        (_status_error(404), LLMConfigError, "no model named 'gpt-x'"),
        (_status_error(500), LLMUnavailable, "kept failing (HTTP 500)"),
        (_status_error(429), LLMUnavailable, "kept rate-limiting"),
        (_status_error(429, {"retry-after": "600"}), LLMUnavailable, "asked to wait 600 s"),
        (openai.APITimeoutError(request=REQUEST), LLMUnavailable, "did not answer within 30 s"),
        (openai.APIConnectionError(request=REQUEST), LLMUnavailable, "cannot connect to http://host/v1"),
        (RuntimeError("boom"), LLMUnavailable, "unexpected error"),
    ],
)
def test_failures_are_explained(exc, kind, words):
    explained = _explain(exc)
    assert isinstance(explained, kind)
    assert words in explained.reason


async def test_with_retries_gives_up_within_the_budget_and_reraises():
    calls = 0

    async def always_500():
        nonlocal calls
        calls += 1
        raise _status_error(500)

    with pytest.raises(openai.InternalServerError):
        await with_retries(always_500, budget=0.3)
    assert calls >= 2


async def test_with_retries_does_not_retry_a_401():
    calls = 0

    async def refused():
        nonlocal calls
        calls += 1
        raise _status_error(401)

    with pytest.raises(openai.AuthenticationError):
        await with_retries(refused, budget=5)
    assert calls == 1


async def test_drafts_and_keys_never_reach_the_info_log(caplog):
    secret_draft = "Secret launch: to the 12 people who bought our socks every day, who hurt you?"
    caplog.set_level(logging.DEBUG, logger="bot")
    with FakeOpenAI() as fake:
        fake.enqueue(content="not json")
        fake.enqueue(status=500)
        service = ReviewService(settings_for(fake, OPENAI_API_KEY="sk-very-secret", llm_retry_seconds=0.2))
        await service.review(Draft(text=secret_draft))
        await service.review(Draft(text=secret_draft + " (v2)"))
        await service.aclose()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert logged, "the service logs what happened"
    assert "socks" not in logged and "sk-very-secret" not in logged
