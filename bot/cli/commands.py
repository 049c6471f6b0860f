"""The subcommands, by name (each lives in its own ``*_cmd`` module)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.cli.batch_cmd import run_batch
from bot.cli.check_cmd import run_check
from bot.cli.eval_cmd import run_eval
from bot.cli.review_cmd import run_review
from bot.cli.rules_cmd import run_rules
from bot.cli.server_cmds import run_serve, run_slack
from bot.cli.store_cmds import run_audit, run_db
from bot.cli.teams_cmd import run_teams_package
from bot.settings import Settings

COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
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
