"""Retries of Bot Connector calls that are safe to repeat blindly: the SDK's HTTP client middleware.

Teams answers 429 with ``Retry-After`` beyond its rate limits and has brief 5xx outages. Replies
(new messages and their updates) are retried by the outbox (``bot.conversation.outbox``), which
looks whether an attempt landed before the next and keeps the channel's pace, so this middleware
passes their failures straight on: a second layer of retries would multiply the attempts and
hide from the outbox what happened. Only reads, deletes and typing indicators are retried here.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable

import httpx
from microsoft_teams.common.http.client import MiddlewareContext, MiddlewareNext

log = logging.getLogger(__name__)

# 412 too: Teams asks for it to be retried like a 429 (its rate limiting guidance).
_RETRIED_STATUSES = frozenset({412, 429, 500, 502, 503, 504})
_SAFE_METHODS = frozenset({"GET", "DELETE"})


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The server's ``Retry-After`` in seconds (a number or an HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class ConnectorRetry:
    """Retries a call up to ``attempts`` times, waiting ``Retry-After`` or an exponential backoff
    with jitter, never more than ``max_delay`` at once nor ``budget`` seconds in all."""

    def __init__(
        self,
        *,
        attempts: int = 5,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        budget: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.attempts = attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.budget = budget
        self._sleep = sleep

    async def send(self, context: MiddlewareContext, next: MiddlewareNext) -> httpx.Response:
        waited = 0.0
        for attempt in range(1, self.attempts + 1):
            try:
                return await next()
            except httpx.HTTPStatusError as error:
                status = error.response.status_code
                if not self._retryable_status(status, context) or attempt == self.attempts:
                    raise
                delay = retry_after_seconds(error.response)
                reason = f"HTTP {status}"
            except (httpx.TimeoutException, httpx.NetworkError) as error:
                if not self._repeatable(context) or attempt == self.attempts:
                    raise
                delay = None
                reason = type(error).__name__
            if delay is None:
                delay = random.uniform(0, self.base_delay * 2 ** (attempt - 1))
            delay = min(delay, self.max_delay)
            if waited + delay > self.budget:
                raise TimeoutError(f"Bot Connector still refusing after {waited:.1f}s of retries ({reason})")
            log.info("Bot Connector %s %s: %s, retrying in %.2fs", context.method, _path(context.url),
                     reason, delay)
            await self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _retryable_status(self, status: int, context: MiddlewareContext) -> bool:
        return status in _RETRIED_STATUSES and self._repeatable(context)

    @staticmethod
    def _repeatable(context: MiddlewareContext) -> bool:
        if context.method in _SAFE_METHODS:
            return True
        body = context.json
        return isinstance(body, dict) and body.get("type") == "typing"


def _path(url: str) -> str:
    # Conversation ids are not secret, but the query string might carry something: left out.
    return httpx.URL(url).path
