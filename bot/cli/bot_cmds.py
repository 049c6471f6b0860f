"""The commands around the bots: ``redteam serve`` runs Slack and Teams over HTTP and ``redteam
slack`` runs Slack in Socket Mode (each imported only when asked for), ``redteam check`` checks the
configuration and whether the chat platforms accept the bot's credentials, and ``redteam
teams-package`` writes the Teams app package."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.cli.context import EXIT_OK, UsageError, open_service
from bot.settings import Settings


def _entry_point(module: str, name: str, command: str) -> Callable[..., Any]:
    try:
        target = getattr(importlib.import_module(module), name)
    except ImportError as exc:
        raise UsageError(f"'redteam {command}' is not available in this installation: {exc}.") from None
    except AttributeError:
        raise UsageError(f"'redteam {command}' is not available in this installation: "
                         f"{module} has no {name}().") from None
    if not callable(target):
        raise UsageError(f"'redteam {command}' is not available: {module}.{name} is not a function.")
    return target  # type: ignore[no-any-return]


def _run_configured(target: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
    """Run the bot; a setting that is missing or wrong is the user's to fix, not an internal error."""
    from bot.slack.app import SlackConfigError
    from bot.store import StoreConfigError
    from bot.teams.app import TeamsConfigError

    try:
        target(*args, **kwargs)
    except (SlackConfigError, TeamsConfigError, StoreConfigError) as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK


def serve_workers(args: argparse.Namespace, settings: Settings) -> int:
    """``--workers``, else ``WEB_CONCURRENCY`` (which hosting platforms set), else 1."""
    workers: int | None = getattr(args, "workers", None)
    return workers if workers is not None else settings.web_concurrency


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    serve = _entry_point("bot.server", "serve", "serve")
    # () catches nothing: an installation whose bot.server has no such error just lets it through
    startup_error = getattr(importlib.import_module("bot.server"), "WorkerStartupError", ())
    try:
        return _run_configured(serve, settings, host=args.host, port=args.port,
                               workers=serve_workers(args, settings))
    except startup_error as exc:
        raise UsageError(str(exc)) from None


def run_slack(args: argparse.Namespace, settings: Settings) -> int:
    run = _entry_point("bot.slack.socket_mode", "run", "slack")
    return _run_configured(run, settings)


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


def run_teams_package(args: argparse.Namespace, settings: Settings) -> int:
    from bot.teams.package import ManifestError, build_package

    app_id = args.app_id or settings.teams_client_id
    if not app_id:
        raise UsageError("TEAMS_CLIENT_ID is not set and no --app-id was given: copy the Microsoft App ID "
                         "of your Azure Bot.")
    out = Path(args.out)
    try:
        manifest = build_package(app_id, out)
    except ManifestError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"could not write {out}: {exc.strerror or exc}") from None
    print(f"Wrote {out} for app {manifest['id']} (manifest {manifest['manifestVersion']}, "
          f"version {manifest['version']}). Upload it in Teams: Apps → Manage your apps → Upload an app.",
          file=sys.stderr)
    return EXIT_OK
