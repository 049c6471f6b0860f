"""``redteam db upgrade`` and ``redteam audit``: the store's schema, and the decision record."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.cli.context import EXIT_OK, UsageError
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.store import DecisionRecord

#: ``redteam audit --format``.
AUDIT_FORMATS = ("table", "csv", "json")


def parse_when(value: str) -> tuple[datetime, bool]:
    """``2026-12-01`` or an ISO date and time (UTC unless it says otherwise); True for a bare
    date, which ``--until`` counts whole."""
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return datetime(day.year, day.month, day.day, tzinfo=UTC), True
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date (YYYY-MM-DD) or an ISO date and time"
        ) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), False


def add_store_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    db = sub.add_parser("db", parents=[common], help="manage the store's database schema",
                        description="Manage the store, the database at REDTEAM_DATABASE_URL: "
                                    "'redteam db upgrade' brings its schema to the newest revision.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.required = True
    db_sub.add_parser("upgrade", parents=[common], help="upgrade the schema to the newest revision",
                      description="Upgrade the store's schema to the newest revision. `redteam serve` "
                                  "and `redteam slack` also do it at start; run it yourself to upgrade "
                                  "before a deploy.")

    audit = sub.add_parser(
        "audit", parents=[common], help="list the decision record: one row per reviewed draft version",
        description="List the decision record, newest first: when and where each draft version was "
                    "reviewed, its author, a SHA-256 of its text, verdict, risk level, categories, "
                    "engines, feedback, clearance and deletion. Dates are UTC.")
    audit.add_argument("--since", type=parse_when, metavar="DATE", help="from this date (YYYY-MM-DD) on")
    audit.add_argument("--until", type=parse_when, metavar="DATE", help="up to and including this date")
    audit.add_argument("--channel", metavar="ID", help="only this channel (its id, e.g. C0123456789)")
    audit.add_argument("--verdict", choices=["ship", "revise", "do_not_post"], help="only this verdict")
    audit.add_argument("--format", choices=AUDIT_FORMATS, default="table")


def run_db(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import StoreConfigError
    from bot.store.migrate import upgrade_database

    try:
        before, after = upgrade_database(settings.database_url)
    except StoreConfigError as exc:
        raise UsageError(str(exc)) from None
    if before == after:
        print(f"The store is already at the newest revision ({after}).")
    elif before is None:
        print(f"Created the store's tables at revision {after}.")
    elif before == "unversioned":
        print(f"Upgraded a store made before migrations to revision {after}.")
    else:
        print(f"Upgraded the store from revision {before} to {after}.")
    return EXIT_OK


def run_audit(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store import Store, StoreConfigError
    from bot.store.records import AUDIT_COLUMNS

    since: datetime | None = args.since[0] if args.since else None
    until: datetime | None = None
    if args.until:
        until, whole_day = args.until
        until = until + timedelta(days=1) if whole_day else until + timedelta(microseconds=1)
    if since and until and since >= until:
        raise UsageError("--since must be before --until")
    try:
        store = Store.from_settings(settings)
    except StoreConfigError as exc:
        raise UsageError(str(exc)) from None
    try:
        records = store.decision_records(
            since=since, until=until, channel=(args.channel or "").lstrip("#") or None, verdict=args.verdict
        )
    finally:
        store.close()
    if args.format == "json":
        json.dump([r.model_dump(mode="json") for r in records], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=AUDIT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in records:
            writer.writerow({k: _csv_safe(v) for k, v in r.audit_row().items()})
    else:
        _print_table(records)
    return EXIT_OK


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets; a reason is user text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _print_table(records: list[DecisionRecord]) -> None:
    from rich.control import strip_control_codes
    from rich.table import Table
    from rich.text import Text

    from bot.cli.terminal import console_for, wants_color

    console = console_for(sys.stdout, wants_color(sys.stdout))
    if not records:
        console.print("No reviews match.", highlight=False, markup=False)
        return

    def cell(value: str, style: str = "") -> Text:
        # Text, not a markup string: an id or a reason like "[bold]" is shown as typed.
        return Text(strip_control_codes(value), style=style)

    table = Table(title="Decision record (newest first, UTC)", show_lines=False, expand=False)
    for name in ("When", "Where", "Author", "Ver", "Text", "Verdict", "Risk", "Categories", "Engines",
                 "Feedback", "Clearance", "Deleted"):
        table.add_column(name, overflow="fold")
    verdict_style = {"ship": "green", "revise": "yellow", "do_not_post": "bold red"}
    for record in records:
        row = record.audit_row()
        where = " / ".join(x for x in (row["workspace"], row["channel"], row["thread"]) if x)
        clearance = ""
        if record.clearance is not None:
            clearance = f"{row['cleared_by']} {row['cleared_at']}"
            if row["clearance_reason"]:
                clearance += f" ({row['clearance_reason']})"
            if row["voided_at"]:
                clearance += f"; VOID {row['voided_at']}: {row['void_reason']}"
        deleted = row["deleted_at"] or ("yes" if record.deleted else "")
        table.add_row(
            cell(row["when"]), cell(where), cell(row["author"]), cell(row["version"]),
            cell(row["text_sha256"][:12]), cell(row["verdict"], verdict_style.get(row["verdict"], "")),
            cell(row["risk_level"]), cell(", ".join(record.categories)), cell(", ".join(record.engines)),
            cell(f"+{record.helpful} / -{record.not_helpful}"), cell(clearance), cell(deleted),
        )
    console.print(table)
