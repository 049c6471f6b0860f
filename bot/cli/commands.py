"""What each subcommand does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.cli.batch import CsvWriter, JsonLinesWriter, RowResult, TextTableWriter, review_rows, summary_line
from bot.cli.errors import EXIT_INTERNAL, EXIT_OK, EXIT_RISK, UsageError
from bot.cli.inputs import draft_text, read_text_file
from bot.cli.labels import LabelFor, humanize
from bot.cli.markdown_format import format_markdown
from bot.cli.progress import Progress
from bot.cli.rows import Calendar, load_calendar
from bot.cli.style import Style, wants_color
from bot.cli.text_format import format_text
from bot.review.models import Draft, Review, RiskLevel, Severity
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.review.evaluation import EvalItem, EvalReport
    from bot.review.service import ReviewService


def _service(settings: Settings, offline: bool) -> ReviewService:
    # Imported here: the service pulls in the LLM client, which `redteam --help` does not need.
    from bot.review.service import ReviewService

    return ReviewService(settings, offline_only=offline)


async def _close(service: ReviewService) -> None:
    aclose = getattr(service, "aclose", None)
    if aclose is not None:
        await aclose()


def _label_for(service: ReviewService) -> LabelFor:
    """Category labels from the checker's taxonomy, falling back to the humanized id."""
    taxonomy = getattr(getattr(service, "checker", None), "taxonomy", None)
    if taxonomy is None:
        return humanize

    def label(category: str) -> str:
        try:
            entry = taxonomy.get(category)
        except (KeyError, LookupError):
            entry = None
        text = getattr(entry, "label", None)
        return text if isinstance(text, str) and text else humanize(category)

    return label


def _reaches(level: RiskLevel, fail_on: str | None) -> bool:
    return fail_on is not None and level.rank >= Severity(fail_on).rank


# --- review --------------------------------------------------------------------------------


def run_review(args: argparse.Namespace, settings: Settings) -> int:
    text = draft_text(args.text, args.file)
    draft = Draft(text=text, platform=args.platform, notes=args.notes)
    review, label_for = asyncio.run(_review_one(settings, args.offline, draft))
    out = sys.stdout
    if args.format == "json":
        out.write(review.model_dump_json(indent=2) + "\n")
    elif args.format == "markdown":
        out.write(format_markdown(review, label_for))
    else:
        out.write(format_text(review, Style(wants_color(out, args.color)), label_for))
    out.flush()
    if _reaches(review.risk_level, args.fail_on):
        sys.stderr.write(f"redteam: risk {review.risk_level.value} reaches --fail-on {args.fail_on}\n")
        return EXIT_RISK
    return EXIT_OK


async def _review_one(settings: Settings, offline: bool, draft: Draft) -> tuple[Review, LabelFor]:
    service = _service(settings, offline)
    try:
        return await service.review(draft), _label_for(service)
    finally:
        await _close(service)


# --- batch ---------------------------------------------------------------------------------


def run_batch(args: argparse.Namespace, settings: Settings) -> int:
    calendar = load_calendar(args.path, args.input_format)
    if args.platform:
        for row in calendar.rows:
            row.platform = row.platform or args.platform
    results = asyncio.run(_batch(args, settings, calendar))

    failed = [r for r in results if r.review is None]
    summary = summary_line(results)
    if args.format == "text":
        sys.stdout.write(summary + "\n")
    else:
        sys.stderr.write(summary + "\n")
    if failed:
        rows = ", ".join(str(r.row.row) for r in failed[:20]) + (", ..." if len(failed) > 20 else "")
        sys.stderr.write(
            f"redteam: {len(failed)} row(s) could not be reviewed (row {rows}); see their lines.\n"
        )
    if any(r.internal for r in failed):
        return EXIT_INTERNAL
    risky = [r for r in results if r.review is not None and _reaches(r.review.risk_level, args.fail_on)]
    if risky or (args.fail_on and failed):
        # A gate must not pass rows it could not check.
        sys.stderr.write(
            f"redteam: {len(risky)} row(s) reach --fail-on {args.fail_on}"
            + (f"; {len(failed)} could not be reviewed" if failed else "") + "\n"
        )
        return EXIT_RISK
    return EXIT_OK


async def _batch(args: argparse.Namespace, settings: Settings, calendar: Calendar) -> list[RowResult]:
    service = _service(settings, args.offline)
    try:
        writer: Callable[[RowResult], None]
        if args.format == "json":
            writer = JsonLinesWriter(sys.stdout)
        elif args.format == "csv":
            writer = CsvWriter(sys.stdout, calendar)
        else:
            style = Style(wants_color(sys.stdout, args.color))
            writer = TextTableWriter(sys.stdout, style, _label_for(service))
        progress = Progress(len(calendar.rows))
        return await review_rows(calendar, service.review, writer, concurrency=args.concurrency,
                                 progress=progress)
    finally:
        await _close(service)


# --- eval ----------------------------------------------------------------------------------


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.review.evaluation import load_labelled

    read_text_file(args.path)  # a missing or non-UTF-8 file gets the same message as everywhere else
    try:
        items = load_labelled(args.path)
    except ValueError as exc:  # names the file and the bad lines
        raise UsageError(str(exc)) from None
    if not items:
        raise UsageError(f"{args.path} has no labelled items to evaluate.")
    report = asyncio.run(_evaluate(args, settings, items))
    if args.format == "json":
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        llm = not args.offline and settings.llm_configured
        reviewer = f"the offline checker and the LLM ({settings.model})" if llm else "the offline checker"
        sys.stdout.write(f"{len(items)} labelled posts from {args.path}, reviewed by {reviewer}.\n\n")
        sys.stdout.write(report.as_text().rstrip("\n") + "\n")
    return EXIT_OK


async def _evaluate(args: argparse.Namespace, settings: Settings, items: list[EvalItem]) -> EvalReport:
    from bot.review.evaluation import evaluate

    service = _service(settings, args.offline)
    llm_expected = not args.offline and settings.llm_configured

    async def review_fn(draft: Draft) -> Review:
        review = await service.review(draft)
        # The service falls back to the offline checker when the LLM fails; scoring that as
        # the LLM's answer would blur the figures, so it counts as a failed item instead.
        if llm_expected and not any(engine.startswith("llm") for engine in review.engines):
            reason = "; ".join(review.notices) or "the LLM gave no answer"
            raise RuntimeError(f"LLM review failed, offline fallback not scored: {reason}")
        return review

    try:
        return await evaluate(items, review_fn, concurrency=args.concurrency)
    finally:
        await _close(service)


# --- check ---------------------------------------------------------------------------------


def run_check(args: argparse.Namespace, settings: Settings) -> int:
    """Say what is configured and probe the LLM with one tiny request, before a deploy or a batch."""
    from bot.llm.client import endpoint_label
    from bot.llm.errors import LLMConfigError

    async def probe() -> str | None:
        service = _service(settings, offline=False)
        try:
            await service.check()
            return None
        except LLMConfigError as exc:
            return str(exc)
        finally:
            await _close(service)

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


# --- serve / slack -------------------------------------------------------------------------


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


def run_serve(args: argparse.Namespace, settings: Settings) -> int:
    serve = _entry_point("bot.server", "serve", "serve")
    serve(settings, host=args.host, port=args.port)
    return EXIT_OK


def run_slack(args: argparse.Namespace, settings: Settings) -> int:
    run = _entry_point("bot.slack.socket_mode", "run", "slack")
    run(settings)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "review": run_review,
    "batch": run_batch,
    "eval": run_eval,
    "check": run_check,
    "serve": run_serve,
    "slack": run_slack,
}
