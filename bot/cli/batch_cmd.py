"""``redteam batch``: review every post of a content calendar, concurrently, and report in file
order: a table per row, JSON Lines or CSV out, a summary, and an exit code for gates."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TextIO

from rich.console import RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from bot.cli.calendar_loader import BatchRow, Calendar, load_calendar
from bot.cli.context import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_RISK,
    VERDICT_WORDS,
    LabelFor,
    humanize,
    label_for,
    open_service,
    reaches,
)
from bot.cli.terminal import LEVEL_STYLE, Progress, console_for, safe, wants_color
from bot.cli.text_format import terminal_width
from bot.review.intake import DraftRejected
from bot.review.models import Draft, Review
from bot.settings import Settings

log = logging.getLogger(__name__)

ReviewFn = Callable[[Draft], Awaitable[Review]]


@dataclass
class RowResult:
    row: BatchRow
    review: Review | None = None
    error: str | None = None
    #: True when the error is redteam's own fault rather than the row's.
    internal: bool = False


async def review_rows(
    calendar: Calendar,
    review_fn: ReviewFn,
    on_result: Callable[[RowResult], None],
    *,
    concurrency: int = 4,
    progress: Progress | None = None,
) -> list[RowResult]:
    """Review every row, at most ``concurrency`` at a time; ``on_result`` sees them in file order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(row: BatchRow) -> RowResult:
        async with gate:
            result = await _review_row(row, review_fn)
        if progress:
            progress.advance()
        return result

    tasks = [asyncio.create_task(one(row)) for row in calendar.rows]
    results: list[RowResult] = []
    try:
        for task in tasks:
            result = await task
            if progress:
                progress.clear()
            on_result(result)
            if progress:
                progress.draw()
            results.append(result)
    finally:
        for task in tasks:
            task.cancel()
        if progress:
            progress.clear()
    return results


async def _review_row(row: BatchRow, review_fn: ReviewFn) -> RowResult:
    if row.error is not None or row.text is None:
        return RowResult(row, error=row.error or "no text")
    draft = Draft(text=row.text, platform=row.platform, notes=row.notes, id=row.id)
    try:
        return RowResult(row, review=await review_fn(draft))
    except DraftRejected as exc:
        return RowResult(row, error=str(exc))
    except Exception as exc:  # one broken row must not stop a whole calendar
        log.debug("row %s failed", row.row, exc_info=True)
        return RowResult(row, error=f"could not be reviewed ({type(exc).__name__}: {exc})", internal=True)


# --- writers -------------------------------------------------------------------------------


class JsonLinesWriter:
    """One JSON object per row: ``row``, ``id`` (the row's id or its row number), then the review."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def __call__(self, result: RowResult) -> None:
        head: dict[str, object] = {"row": result.row.row, "id": result.row.label}
        if result.review is not None:
            head.update(result.review.model_dump(mode="json"))
        else:
            head["error"] = result.error
        self.out.write(json.dumps(head, ensure_ascii=False) + "\n")
        self.out.flush()


class CsvWriter:
    """The input's columns, then ``verdict``, ``risk_level``, ``categories`` and ``error``."""

    ADDED = ("verdict", "risk_level", "categories", "error")

    def __init__(self, out: TextIO, calendar: Calendar) -> None:
        self.columns = [c for c in calendar.columns if c not in self.ADDED] + list(self.ADDED)
        self.writer = csv.DictWriter(out, fieldnames=self.columns, extrasaction="ignore", lineterminator="\n")
        self.writer.writeheader()
        self.out = out

    def __call__(self, result: RowResult) -> None:
        record = dict(result.row.columns)
        review = result.review
        record["verdict"] = review.verdict.value if review else ""
        record["risk_level"] = review.risk_level.value if review else ""
        record["categories"] = ";".join(sorted({r.category for r in review.risks})) if review else ""
        record["error"] = result.error or ""
        self.writer.writerow(record)
        self.out.flush()


class TextTableWriter:
    """A table for reading in a terminal: a row per post (its verdict, risk and categories), then
    the start of the draft. Rows are written as they come; every column keeps its width and Rich
    wraps or shortens the cells to fit the terminal."""

    HEADER = ("ROW", "ID", "VERDICT", "RISK", "CATEGORIES / DRAFT")

    def __init__(self, out: TextIO, color: bool, label_for: LabelFor = humanize, last_row: int = 0) -> None:
        self.out = out
        self.label_for = label_for
        self.console = console_for(out, color, width=terminal_width())
        self.widths = column_widths(self.console.width, last_row)
        header = self._table(show_header=True)
        self._print(header)

    def _table(self, show_header: bool = False) -> Table:
        table = Table(box=None, show_header=show_header, header_style="bold", padding=(0, 1, 0, 0),
                      pad_edge=False, show_edge=False)
        for name, width in zip(self.HEADER, self.widths, strict=True):
            if name == self.HEADER[-1] and width < len(name):
                name = "CATEGORIES"
            # An id is shortened with "…" rather than wrapped: the rows stay one line where they can.
            table.add_column(name, width=width, vertical="top", no_wrap=name == "ID",
                             overflow="ellipsis" if name == "ID" else "fold")
        return table

    def _print(self, renderable: RenderableType) -> None:
        # Rich pads each cell to its column's width; a file or a pipe gets no trailing blanks.
        with self.console.capture() as captured:
            self.console.print(renderable)
        self.out.write("\n".join(line.rstrip() for line in captured.get().split("\n")))
        self.out.flush()

    def __call__(self, result: RowResult) -> None:
        row = result.row
        table = self._table()
        ident = Text(safe(row.id or "-"))
        if result.review is None:
            error = Text(safe(result.error or ""))
            table.add_row(str(row.row), ident, Text("error", style="red"), "-", error)
            self._print(table)
            return
        review = result.review
        risk = review.risk_level.value
        categories = ", ".join(self.label_for(c) for c in sorted({r.category for r in review.risks})) or "-"
        table.add_row(str(row.row), ident, Text(VERDICT_WORDS[review.verdict], style="bold"),
                      Text(risk, style=LEVEL_STYLE[risk]), Text(safe(categories)))
        self._print(table)
        preview = Text(safe(" ".join(review.draft.text.split())), style="dim", no_wrap=True,
                       overflow="ellipsis")
        # The draft's first words, under the verdict: one line, cut with "…".
        self._print(Padding(preview, (0, 0, 0, self.widths[0] + self.widths[1] + 2), expand=False))


def column_widths(total: int, last_row: int) -> tuple[int, int, int, int, int]:
    """The widths of the batch table's columns on a ``total``-cell wide terminal; the categories
    take what is left (at least 10)."""
    row = max(len("ROW"), len(str(last_row)))
    ident, verdict, risk = (12, 11, 8) if total >= 60 else (6, 7, 8)
    used = row + ident + verdict + risk + 4  # and a blank between columns
    return row, ident, verdict, risk, max(10, total - used)


def summary_line(results: list[RowResult]) -> str:
    """``12 rows: 1 do not post, 3 revise, 7 ship, 1 could not be reviewed``."""
    counts: dict[str, int] = {}
    errors = 0
    for result in results:
        if result.review is None:
            errors += 1
        else:
            word = VERDICT_WORDS[result.review.verdict]
            counts[word] = counts.get(word, 0) + 1
    parts = [f"{counts[w]} {w}" for w in ("do not post", "revise", "ship") if w in counts]
    if errors:
        parts.append(f"{errors} could not be reviewed")
    n = len(results)
    return f"{n} row{'s' if n != 1 else ''}: " + (", ".join(parts) or "nothing to review")


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
            last_row = calendar.rows[-1].row if calendar.rows else 0
            writer = TextTableWriter(sys.stdout, wants_color(sys.stdout, args.color), label_for(service),
                                     last_row)
        progress = Progress(len(calendar.rows))
        return await review_rows(calendar, service.review, writer, concurrency=args.concurrency,
                                 progress=progress)
    finally:
        await service.aclose()
