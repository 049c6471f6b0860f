"""``redteam serve`` (Slack and Teams over HTTP) and ``redteam slack`` (Socket Mode): the bots,
imported only when asked for."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable
from typing import Any

from bot.cli.errors import EXIT_OK, UsageError
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
