"""The ``openai`` async client for the configured endpoint: OpenAI, Azure OpenAI, or any
OpenAI-compatible server (Ollama, vLLM, LiteLLM) at ``OPENAI_BASE_URL``."""

from __future__ import annotations

import httpx2
from openai import AsyncAzureOpenAI, AsyncOpenAI, DefaultAioHttpClient

from bot.settings import Settings

#: Azure needs an API version; this GA version supports Structured Outputs.
DEFAULT_AZURE_API_VERSION = "2024-10-21"


def uses_azure(settings: Settings) -> bool:
    return bool(settings.azure_openai_endpoint)


def endpoint_label(settings: Settings) -> str:
    """Where requests go, for messages (never includes a key)."""
    if settings.azure_openai_endpoint:
        return settings.azure_openai_endpoint
    return settings.openai_base_url or "https://api.openai.com/v1"


#: Seconds an idle connection to the LLM is kept for reuse (the SDK's default is 5). Opening 100
#: connections at once cost a burst of drafts after a quiet spell about 2 ms of CPU per draft,
#: before its request could leave; a connection the server closed meanwhile is dropped, and a
#: rare race with that close is a transient error that ``bot.llm.retry`` retries.
LLM_KEEPALIVE_SECONDS = 60.0


def http_client(settings: Settings) -> httpx2.AsyncClient:
    """The SDK's HTTP client over aiohttp's connection pool (the openai package's own option).

    The default httpx pool re-checks every idle connection on each request, so with 100 reviews
    in flight each request cost a hundred socket probes: about 2 ms of CPU per review more than
    aiohttp, growing with the pool. Proxies from the environment apply as before (httpx picks
    them, aiohttp carries the traffic). The SDK's own default limits are kept (1,000 connections).
    """
    limits = httpx2.Limits(
        max_connections=1000, max_keepalive_connections=100, keepalive_expiry=LLM_KEEPALIVE_SECONDS
    )
    return DefaultAioHttpClient(timeout=settings.llm_timeout_seconds, limits=limits)


def make_client(settings: Settings) -> AsyncOpenAI:
    # Retries are ours (tenacity, one time budget for all of them), so the SDK's own are off.
    if uses_azure(settings):
        secret = settings.azure_openai_api_key or settings.openai_api_key
        return AsyncAzureOpenAI(
            azure_endpoint=settings.azure_openai_endpoint or "",
            api_key=secret.get_secret_value() if secret else None,
            api_version=settings.openai_api_version or DEFAULT_AZURE_API_VERSION,
            timeout=settings.llm_timeout_seconds,
            max_retries=0,
            http_client=http_client(settings),
        )
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    # Local servers (Ollama, vLLM) need no key, but the SDK insists on one.
    if key is None and settings.openai_base_url:
        key = "no-key-needed"
    return AsyncOpenAI(
        api_key=key,
        base_url=settings.openai_base_url or None,
        timeout=settings.llm_timeout_seconds,
        max_retries=0,
        http_client=http_client(settings),
    )
