"""Retries within one time budget, and the plain-language meaning of each failure.

Retried: 429 (waiting at least as long as ``Retry-After`` asks), 408/409, 5xx, timeouts and
dropped connections, with exponential backoff and jitter, until ``REDTEAM_LLM_RETRY_SECONDS`` would
be exceeded. Not retried: 400/401/403/404/422 and an exhausted quota, which are configuration
errors, and a connection that cannot be made at all (unknown host, refused, TLS failure, a URL
that is not one), which retrying would only repeat for the whole budget.

The provider's own words (an error message may echo the request, draft included) never make
the user-facing reason; they are the error's ``detail``, for DEBUG logs only.
"""

from __future__ import annotations

import email.utils
import enum
import random
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

import openai
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_before_delay

from bot.llm.errors import LLMConfigError, LLMError, LLMUnavailable

T = TypeVar("T")

_RETRY_STATUSES = {408, 409, 429}


def retry_after_seconds(exc: BaseException) -> float | None:
    """The wait a 429/503 response asked for (``retry-after-ms`` or ``Retry-After``), if any."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return None


def _quota_exhausted(exc: BaseException) -> bool:
    return isinstance(exc, openai.RateLimitError) and exc.code == "insufficient_quota"


class Unreachable(enum.Enum):
    """Why a connection to the LLM could not be made at all."""

    dns = "dns"
    refused = "refused"
    tls = "tls"
    url = "url"


def unreachable(exc: BaseException) -> Unreachable | None:
    """What kept ``exc``'s connection from being made, found in its cause chain; None when it
    was made (or timed out, or dropped), which a retry may fix.

    The transport reports these as a connect error or even a connect *timeout*; the operating
    system's error is further down the chain.
    """
    seen: BaseException | None = exc
    for _ in range(12):  # a chain is a few links long; the bound guards against a cycle
        if seen is None:
            return None
        if isinstance(seen, socket.gaierror):
            return Unreachable.dns
        if isinstance(seen, ConnectionRefusedError):
            return Unreachable.refused
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return Unreachable.tls
        if type(seen).__name__ in _BAD_URL_ERRORS:
            return Unreachable.url
        seen = seen.__cause__ or seen.__context__
    return None


#: The HTTP libraries' errors for a URL they cannot use (by name: the transport may be httpx or aiohttp).
_BAD_URL_ERRORS = frozenset(
    {"InvalidURL", "UnsupportedProtocol", "InvalidUrlClientError", "NonHttpUrlClientError"}
)


def is_transient(exc: BaseException) -> bool:
    if _quota_exhausted(exc):
        return False
    if isinstance(exc, openai.APIConnectionError) and unreachable(exc) is not None:
        return False
    if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRY_STATUSES or exc.status_code >= 500
    return False


class _Wait:
    """Exponential backoff with full jitter, but never shorter than what the server asked for."""

    def __init__(self, budget: float) -> None:
        # Scaled to the budget so a short budget (tests, interactive use) still gets several tries.
        self.initial = min(1.0, max(budget / 30, 0.01))
        self.ceiling = max(budget / 4, self.initial)

    def __call__(self, state: RetryCallState) -> float:
        exponential = self.initial * 2.0 ** (state.attempt_number - 1)
        backoff = min(self.ceiling, exponential + random.uniform(0, self.initial))
        exc = state.outcome.exception() if state.outcome else None
        asked = retry_after_seconds(exc) if exc else None
        return max(backoff, asked) if asked is not None else backoff


async def with_retries(call: Callable[[], Awaitable[T]], budget: float) -> T:
    """``await call()``, retrying transient failures within ``budget`` seconds; the last error re-raised."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=_Wait(budget),
        stop=stop_before_delay(budget),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await call()
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


def explain(exc: BaseException, *, model: str, endpoint: str, timeout: float, budget: float,
            key_setting: str = "OPENAI_API_KEY") -> LLMError:
    """The user-facing meaning of an ``openai`` failure (after retries, if any)."""
    if isinstance(exc, LLMError):
        return exc
    if _quota_exhausted(exc):
        return LLMConfigError("the account has no API quota left (HTTP 429 insufficient_quota)")
    if isinstance(exc, openai.AuthenticationError):
        return LLMConfigError(f"the API key was refused (HTTP 401); check {key_setting}")
    if isinstance(exc, openai.PermissionDeniedError):
        return LLMConfigError(f"the API key may not use model {model!r} at {endpoint} (HTTP 403)")
    if isinstance(exc, openai.NotFoundError):
        return LLMConfigError(
            f"no model named {model!r} at {endpoint} (HTTP 404); check REDTEAM_MODEL "
            "(on Azure: the deployment name) and OPENAI_BASE_URL"
        )
    if isinstance(exc, openai.RateLimitError):
        asked = retry_after_seconds(exc)
        if asked is not None and asked > budget:
            return LLMUnavailable(
                f"the service is rate-limiting requests and asked to wait {asked:g} s, longer than the "
                f"retry budget of {budget:g} s (REDTEAM_LLM_RETRY_SECONDS)"
            )
        return LLMUnavailable(f"the service kept rate-limiting requests (HTTP 429) for {budget:g} s")
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return LLMUnavailable(f"the service kept failing (HTTP {exc.status_code}) for {budget:g} s")
    if isinstance(exc, openai.APIStatusError):
        return LLMConfigError(f"the service refused the request (HTTP {exc.status_code})",
                              detail=_short(exc.message))
    cause = unreachable(exc) if isinstance(exc, openai.APIConnectionError) else None
    if cause is Unreachable.dns:
        host = urlsplit(endpoint).hostname or endpoint
        return LLMUnavailable(f"the LLM host {host} could not be found (DNS); check the endpoint setting")
    if cause is Unreachable.refused:
        return LLMUnavailable(f"{endpoint} refused the connection: is the LLM server running there?")
    if cause is Unreachable.tls:
        return LLMUnavailable(f"the secure (TLS) connection to {endpoint} failed")
    if cause is Unreachable.url:
        return LLMConfigError(f"the LLM endpoint {endpoint} is not a usable http(s) URL")
    if isinstance(exc, openai.APITimeoutError) and not _refused(exc):
        return LLMUnavailable(f"the service did not answer within {timeout:g} s")
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailable(f"cannot connect to {endpoint}")
    if isinstance(exc, openai.OpenAIError):
        return LLMUnavailable("the LLM client failed", detail=_short(str(exc)))
    return LLMUnavailable(f"unexpected error talking to the LLM ({type(exc).__name__})")


def _refused(exc: BaseException) -> bool:
    """True when the connection itself failed (refused, reset, unreachable) rather than timed out.

    The aiohttp transport (``bot.llm.client.http_client``) reports a refused connection as a
    connect *timeout*; the cause chain still holds the operating system's error.
    """
    seen: BaseException | None = exc.__cause__ or exc.__context__
    for _ in range(10):  # a chain is a few links long; the bound guards against a cycle
        if seen is None or isinstance(seen, TimeoutError):
            return False
        if isinstance(seen, ConnectionError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
