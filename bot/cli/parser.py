"""The argparse definition of ``redteam``: review, batch, eval, check, serve, slack, db, audit and
teams-package."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from bot.cli.store_cmds import add_store_commands
from bot.review.models import Severity

LEVELS = [s.value for s in Severity]

EPILOG = """\
exit codes: 0 reviewed (below --fail-on), 1 risk reached --fail-on, 2 bad arguments or input,
            3 internal error, 130 interrupted.
The LLM is used when OPENAI_API_KEY, OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT is set (or in .env);
--offline uses the offline checker alone."""


class _Parser(argparse.ArgumentParser):
    """argparse with a hint to --help after the error (argparse's own message stays first)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun '{self.prog} --help' for details.\n")


class _Version(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> NoReturn:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("redteam-reviewer")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        sys.stdout.write(f"{parser.prog} {number}\n")
        parser.exit(0)


def _common(offline: bool = True) -> _Parser:
    common = _Parser(add_help=False)
    # SUPPRESS so a --debug before the subcommand is not reset by the subcommand's default.
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks and debug logs on standard error")
    if offline:
        common.add_argument("--offline", action="store_true",
                            help="use the offline checker only, even when an LLM is configured")
    return common


def _fail_on(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--fail-on", choices=LEVELS, metavar="LEVEL",
                   help=f"exit 1 when {what} reaches LEVEL ({'|'.join(LEVELS)}); for pre-publish pipelines")


def _color(p: argparse.ArgumentParser) -> None:
    p.add_argument("--color", choices=["auto", "always", "never"], default="auto",
                   help="colour the text format: auto = on a terminal unless NO_COLOR is set")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="redteam",
        description="Red-team a brand social-media draft before anyone hits Publish: the worst "
                    "reactions to expect, the exact words that carry each risk, and gentler alternatives.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print redteam's version and exit")
    parser.add_argument("--debug", action="store_true", default=False, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    review = sub.add_parser("review", parents=[_common()], help="review one draft",
                            description="Review one draft: TEXT, --file PATH, or - for standard input.",
                            epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    review.add_argument("text", nargs="*", metavar="TEXT",
                        help="the draft (quote it), or - for standard input")
    review.add_argument("--file", "-f", type=Path, metavar="PATH", help="read the draft from a UTF-8 file")
    review.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    review.add_argument("--platform", help="where it will be posted: twitter, instagram, linkedin, tiktok...")
    review.add_argument("--notes", help="context: campaign, timing, what the image shows")
    _fail_on(review, "the draft's risk")
    _color(review)

    batch = sub.add_parser("batch", parents=[_common()], help="review a content calendar (CSV or JSONL)",
                           description="Review every post of a CSV file (a 'text' column; other columns "
                                       "are carried through) or a JSON Lines file ('text', optional 'id').",
                           epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    batch.add_argument("path", metavar="PATH", help="the calendar file, or - for standard input")
    batch.add_argument("--format", choices=["text", "json", "csv"], default="text")
    batch.add_argument("--input-format", choices=["csv", "jsonl"],
                       help="how to read PATH (default: by its suffix, else by its first character)")
    batch.add_argument("--platform", help="platform for rows that do not name one")
    batch.add_argument("--concurrency", type=_positive_int, default=4, metavar="N",
                       help="reviews in flight at once (default 4)")
    _fail_on(batch, "any row's risk (or a row cannot be reviewed)")
    _color(batch)

    evaluate = sub.add_parser(
        "eval", parents=[_common()], help="measure recall and false positives",
        description="Score the reviewer on a labelled JSON Lines file: one object per line with id, text, "
                    "label (backlash, fine or mixed) and risk_categories. Prints how many backlash posts "
                    "were flagged, how many fine posts were flagged wrongly, and the misses. The LLM "
                    "joins when one is configured; --offline scores the offline checker alone.")
    evaluate.add_argument("path", type=Path, metavar="PATH.jsonl", help="the labelled posts")
    evaluate.add_argument("--format", choices=["text", "json"], default="text",
                          help="text for reading (the default), json for the whole report")
    evaluate.add_argument("--concurrency", type=_positive_int, default=8, metavar="N",
                          help="reviews in flight at once (default 8)")

    sub.add_parser(
        "check", parents=[_common(offline=False)],
        help="check the configuration and probe the LLM with one tiny request",
        description="Check the configuration (environment and .env) before a deploy or a batch: load the "
                    "offline checker's rules, and send the configured LLM one tiny request. Exit 0 when "
                    "all is ready (or no LLM is configured), 2 naming what is wrong.")

    serve = sub.add_parser(
        "serve", parents=[_common(offline=False)], help="run the Slack bot over HTTP (Events API)",
        description="Run the Slack bot as a web server: Slack sends its events to /slack/events on "
                    "HOST:PORT (put it behind your HTTPS address). Needs SLACK_BOT_TOKEN and "
                    "SLACK_SIGNING_SECRET; upgrades the store (REDTEAM_DATABASE_URL) at start. Ctrl-C "
                    "stops it.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=3000, help="port to listen on (default 3000)")
    serve.add_argument("--workers", type=_positive_int, metavar="N",
                       help="worker processes sharing the port and the store "
                            "(default: WEB_CONCURRENCY if set, else 1)")

    sub.add_parser(
        "slack", parents=[_common(offline=False)],
        help="run the Slack bot over Socket Mode (no public URL needed)",
        description="Run the Slack bot over Socket Mode: it connects out to Slack, so it needs no public "
                    "address (a laptop will do). Needs SLACK_BOT_TOKEN and SLACK_APP_TOKEN (an app-level "
                    "token, xapp-…, with connections:write); upgrades the store (REDTEAM_DATABASE_URL) at "
                    "start. Ctrl-C stops it.")
    add_store_commands(sub, _common(offline=False))

    package = sub.add_parser(
        "teams-package", parents=[_common(offline=False)],
        help="write the Teams app package (manifest and icons) to upload to Teams",
        description="Write the Teams app package, a zip of the manifest and the two icons, for the Azure "
                    "Bot whose Microsoft App ID is --app-id or TEAMS_CLIENT_ID. Upload it in Teams: "
                    "Apps → Manage your apps → Upload an app.")
    package.add_argument("--out", default="redteam-teams.zip",
                         help="the zip to write (default redteam-teams.zip)")
    package.add_argument("--app-id", help="the Azure Bot's Microsoft App ID (default: TEAMS_CLIENT_ID)")

    rules = sub.add_parser("rules", help="test the rule files' examples, retrain the classifier, or "
                                         "explain a draft's findings",
                           description="Rule authoring: run every rule's examples, retrain the classifier "
                                       "from the labelled drafts, or show which rules, detectors and "
                                       "classifier features fire on a draft and what stopped the others. "
                                       "Uses REDTEAM_RULES_DIR and REDTEAM_CHECKER_CONFIG when set.")
    rules_sub = rules.add_subparsers(dest="rules_command", metavar="ACTION", parser_class=_Parser)
    rules_sub.required = True
    rules_test = rules_sub.add_parser(
        "test", parents=[_common(offline=False)], help="run every rule's examples (exit 1 on a failure)",
        description="Run every rule's examples: each 'flag' draft must be reported by its rule, each "
                    "'pass' draft must not. Exit 1 naming the rule and the example on a failure.")
    _color(rules_test)
    train = rules_sub.add_parser(
        "train", parents=[_common(offline=False)],
        help="retrain the classifier from the labelled example drafts",
        description="Rebuild rules/classifier.json from the labelled drafts in rules/examples/*.jsonl "
                    "(needs the 'train' extra: scikit-learn). Thresholds are chosen by cross-validation "
                    "so that at most --fine-flagged of the fine examples and --everyday-flagged of the "
                    "everyday ones would be flagged.")
    train.add_argument("--out", type=Path, metavar="PATH",
                       help="where to write the model (default: classifier.json in the rules folder)")
    train.add_argument("--fine-flagged", type=float, metavar="SHARE",
                       help="the share of fine look-alike examples a flag may catch, out of fold "
                            "(default 0.07)")
    train.add_argument("--everyday-flagged", type=float, metavar="SHARE",
                       help="the share of everyday examples (\"everyday\": true) a flag may catch, out of "
                            "fold (default 0.03)")
    _color(train)
    explain = rules_sub.add_parser(
        "explain", parents=[_common(offline=False)],
        help="show what fired on a draft, and what stopped the rest",
        description="Show which rules and detectors fire on a draft, on which words, and which mitigators "
                    "(unless_any, softened_by, requires_any, the allow-list) stopped other rules.")
    explain.add_argument("text", nargs="*", metavar="TEXT",
                         help="the draft (quote it), or - for standard input")
    explain.add_argument("--file", "-f", type=Path, metavar="PATH", help="read the draft from a UTF-8 file")
    explain.add_argument("--platform", help="where it will be posted; some rules weigh it (linkedin...)")
    explain.add_argument("--notes", help="the author's context: timing, campaign (read, never quoted)")
    _color(explain)
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _port(value: str) -> int:
    number = _positive_int(value)
    if number > 65535:
        raise argparse.ArgumentTypeError("a port is 1-65535")
    return number
