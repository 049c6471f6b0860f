"""``redteam check``: what is configured, does the LLM answer, and do the chat platforms accept
the bot's credentials?"""

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
    platforms = [check_slack(settings)] if settings.slack_enabled else []
    if settings.teams_enabled:
        platforms.append(check_teams(settings))
    for line in platforms:
        out.write(line + "\n")
    if not settings.llm_configured:
        out.write("LLM: not configured; reviews are offline only "
                  "(set OPENAI_API_KEY, OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT)\n")
        return EXIT_OK
    where = f"{settings.model} at {endpoint_label(settings)}"
    if problem is not None:
        raise UsageError(f"LLM {where} cannot be used: {problem}")
    out.write(f"LLM: {where}: answered\n")
    return EXIT_OK


def check_slack(settings: Settings) -> str:
    """Slack's ``auth.test`` with the bot token: who the bot is, or a UsageError saying why not."""
    from slack_sdk.errors import SlackApiError

    from bot.slack.client import build_client

    if settings.slack_bot_token is None:
        raise UsageError("Slack: SLACK_BOT_TOKEN is not set (SLACK_SIGNING_SECRET is).")

    async def auth_test() -> str:
        answer = await build_client(settings).auth_test()
        return f"{answer.get('user') or 'the bot'} in {answer.get('team') or 'its workspace'}"

    try:
        who = asyncio.run(auth_test())
    except SlackApiError as exc:
        raise UsageError(f"Slack refused the bot token: {exc.response.get('error')}") from None
    except Exception as exc:  # unreachable, DNS, TLS: say which, never a traceback
        raise UsageError(f"Slack could not be reached: {type(exc).__name__}") from None
    return f"Slack: token accepted ({who})"


def check_teams(settings: Settings) -> str:
    """A bot token from Entra ID with the Teams credentials, or a UsageError saying why not."""
    from bot.teams.app import TeamsConfigError, check_bot_token
    from bot.teams.tokens import BotTokenError

    try:
        where = asyncio.run(check_bot_token(settings))
    except TeamsConfigError as exc:
        raise UsageError(f"Teams: {exc}") from None
    except BotTokenError as exc:
        raise UsageError(f"Teams: {exc}") from None
    except Exception as exc:
        raise UsageError(f"Teams: could not get a bot token: {type(exc).__name__}") from None
    return f"Teams: bot token issued by {where}"
