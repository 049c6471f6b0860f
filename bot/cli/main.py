"""``redteam``: the console script. Every failure ends as a plain message and an exit code."""

from __future__ import annotations

import argparse
import io
import logging
import os
import sys
import traceback
from collections.abc import Callable

from bot.cli.context import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, load_settings
from bot.cli.parser import build_parser
from bot.review.intake import DraftRejected
from bot.review.rule_files import RuleFileError
from bot.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run ``redteam`` with ``argv`` (default: the process's arguments); returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or argparse's own usage message (exit 2)
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USAGE)
    debug = bool(getattr(args, "debug", False))
    _configure_logging(debug)
    _tolerate_narrow_encodings()
    try:
        return _command(args.command)(args, load_settings())
    except (UsageError, DraftRejected, RuleFileError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`redteam batch ... | head`): stop quietly, as Unix tools do.
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:
        if debug:
            traceback.print_exc()
            _error(f"internal error: {type(exc).__name__}: {exc}")
        else:
            _error(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
        return EXIT_INTERNAL


def _command(name: str) -> Callable[[argparse.Namespace, Settings], int]:
    """The function that runs subcommand ``name``. The command modules are imported only once a
    command runs, so ``redteam --help`` and a usage error stay quick."""
    from bot.cli.batch_cmd import run_batch
    from bot.cli.bot_cmds import run_check, run_serve, run_slack, run_teams_package
    from bot.cli.eval_cmd import run_eval
    from bot.cli.review_cmd import run_review
    from bot.cli.rules_cmd import run_rules
    from bot.cli.store_cmds import run_audit, run_db

    commands: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
        "review": run_review,
        "batch": run_batch,
        "eval": run_eval,
        "check": run_check,
        "serve": run_serve,
        "slack": run_slack,
        "db": run_db,
        "audit": run_audit,
        "teams-package": run_teams_package,
        "rules": run_rules,
    }
    return commands[name]


def _error(message: str) -> None:
    sys.stderr.write(f"redteam: {message}\n")
    sys.stderr.flush()


def _configure_logging(debug: bool) -> None:
    # Warnings only by default so the review is the output; --debug opens up redteam's own
    # loggers but not the HTTP libraries', whose debug lines can carry request bodies.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    ours = logging.getLogger("bot")
    ours.handlers[:] = [handler]
    ours.propagate = False
    ours.setLevel(logging.DEBUG if debug else logging.WARNING)


def _tolerate_narrow_encodings() -> None:
    """Print emoji and right-to-left text even where the terminal's encoding cannot show them."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


if __name__ == "__main__":
    sys.exit(main())
