"""The Slack Web API client every listener uses: our base URL, our retries."""

from __future__ import annotations

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

SLACK_API_URL = "https://slack.com/api/"

#: Slack asks for a pause with Retry-After on 429; a few tries cover a burst of 100 drafts.
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
CONNECTION_RETRIES = 2


def retry_handlers() -> list[AsyncRetryHandler]:
    """slack_sdk's own handlers: rate limits (honouring Retry-After), 5xx and dropped connections."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES),
        AsyncConnectionErrorRetryHandler(max_retry_count=CONNECTION_RETRIES),
    ]


def api_base_url(settings: Settings) -> str:
    url = settings.slack_api_url or SLACK_API_URL
    return url if url.endswith("/") else url + "/"


def build_client(settings: Settings, *, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """An AsyncWebClient for ``SLACK_BOT_TOKEN`` at ``SLACK_API_URL`` (default slack.com).

    Pass ``session`` (created on the running loop) to reuse connections across calls; without
    it slack_sdk opens a session per call, which is fine for light traffic.
    """
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=api_base_url(settings),
        session=session,
        retry_handlers=retry_handlers(),
    )


def clone_client(client: AsyncWebClient, *, session: aiohttp.ClientSession | None) -> AsyncWebClient:
    """``client``'s token, URL and retries with another connection pool (for another loop)."""
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        session=session,
        retry_handlers=list(client.retry_handlers),
    )


def without_retries(client: AsyncWebClient) -> AsyncWebClient:
    """``client`` with no retries of its own, for posting: a 5xx or a dropped connection may come
    after Slack stored the message, so the outbox looks for it before trying again."""
    return AsyncWebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=client.timeout,
        session=client.session,
        retry_handlers=[],
    )
