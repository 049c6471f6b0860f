"""``redteam batch``: a content calendar in, one line per post out, and an exit code for gates."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable

from bot.cli.batch import CsvWriter, JsonLinesWriter, RowResult, TextTableWriter, review_rows, summary_line
from bot.cli.errors import EXIT_INTERNAL, EXIT_OK, EXIT_RISK
from bot.cli.progress import Progress
from bot.cli.rows import Calendar, load_calendar
from bot.cli.service_access import label_for, open_service, reaches
from bot.cli.style import Style, wants_color
from bot.settings import Settings


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
    risky = [r for r in results if r.review is not None and reaches(r.review.risk_level, args.fail_on)]
    if risky or (args.fail_on and failed):
        # A gate must not pass rows it could not check.
        sys.stderr.write(
            f"redteam: {len(risky)} row(s) reach --fail-on {args.fail_on}"
            + (f"; {len(failed)} could not be reviewed" if failed else "") + "\n"
        )
        return EXIT_RISK
    return EXIT_OK


async def _batch(args: argparse.Namespace, settings: Settings, calendar: Calendar) -> list[RowResult]:
    service = open_service(settings, args.offline)
    try:
        writer: Callable[[RowResult], None]
        if args.format == "json":
            writer = JsonLinesWriter(sys.stdout)
        elif args.format == "csv":
            writer = CsvWriter(sys.stdout, calendar)
        else:
            style = Style(wants_color(sys.stdout, args.color))
            writer = TextTableWriter(sys.stdout, style, label_for(service))
        progress = Progress(len(calendar.rows))
        return await review_rows(calendar, service.review, writer, concurrency=args.concurrency,
                                 progress=progress)
    finally:
        await service.aclose()
