"""``redteam check``: what is configured, and does the LLM answer?"""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.cli.errors import EXIT_OK, UsageError
from bot.cli.service_access import open_service
from bot.settings import Settings


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """Say what is configured and probe the LLM with one tiny request, before a deploy or a batch."""
    from bot.llm.client import endpoint_label
    from bot.llm.errors import LLMConfigError

    async def probe() -> str | None:
        service = open_service(settings, offline=False)
        try:
            await service.check()
            return None
        except LLMConfigError as exc:
            return str(exc)
        finally:
            await service.aclose()

    problem = asyncio.run(probe())
    out = sys.stdout
    out.write("Offline checker: ready\n")
    if not settings.llm_configured:
        out.write("LLM: not configured; reviews are offline only "
                  "(set OPENAI_API_KEY, OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT)\n")
        return EXIT_OK
    where = f"{settings.model} at {endpoint_label(settings)}"
    if problem is not None:
        raise UsageError(f"LLM {where} cannot be used: {problem}")
    out.write(f"LLM: {where}: answered\n")
    return EXIT_OK
