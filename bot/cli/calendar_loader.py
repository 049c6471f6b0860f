"""A content calendar as rows to review: CSV with a ``text`` column, or JSON Lines.

Rows that cannot become a draft (a bad JSON line, a text that is not a string) are kept with
their error, so the batch reports them in place and goes on with the rest.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bot.cli.context import UsageError
from bot.cli.inputs import read_stdin, read_text_file

InputFormat = Literal["csv", "jsonl"]

_JSONL_SUFFIXES = {".jsonl", ".ndjson", ".json"}


@dataclass
class BatchRow:
    """One post of the calendar.

    ``row`` is the spreadsheet row number for CSV (the header is row 1) and the line number
    for JSON Lines, so people can find a reported row in the file they edit.
    """

    row: int
    text: str | None
    id: str | None = None
    platform: str | None = None
    notes: str | None = None
    #: The input's own columns, written back out by ``--format csv`` (CSV: all of them).
    columns: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def label(self) -> str | int:
        """The row's id when it has one, otherwise its row number."""
        return self.id if self.id is not None else self.row


@dataclass
class Calendar:
    format: InputFormat
    columns: list[str]
    rows: list[BatchRow]


def load_calendar(path: str, input_format: InputFormat | None = None) -> Calendar:
    """Read ``path`` (``-`` = standard input) as CSV or JSON Lines, by suffix or by its first character."""
    if path == "-":
        content, name = read_stdin(), "standard input"
    else:
        content, name = read_text_file(Path(path)), path
    fmt = input_format or _guess_format(name, content)
    if fmt == "jsonl":
        return _load_jsonl(content)
    return _load_csv(content, name, delimiter="\t" if name.lower().endswith(".tsv") else ",")


def _guess_format(name: str, content: str) -> InputFormat:
    suffix = Path(name).suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in {".csv", ".tsv"}:
        return "csv"
    return "jsonl" if content.lstrip().startswith("{") else "csv"


def _load_csv(content: str, name: str, delimiter: str) -> Calendar:
    # The csv module refuses a cell over 131,072 characters by default, which would abort the whole
    # calendar; with the limit at the file's size a long cell reaches the draft checks and is
    # reported as one bad row. The file is in memory already, so this costs nothing more.
    csv.field_size_limit(max(csv.field_size_limit(), len(content) + 1))
    # No dialect sniffing: posts are full of commas and semicolons, which fool csv.Sniffer.
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise UsageError(
            f"{name} is empty: a CSV calendar needs a header row with a 'text' column."
        ) from None
    except csv.Error as exc:
        raise UsageError(f"{name} is not a readable CSV file ({exc}).") from None
    columns = [c.strip() for c in header]
    lowered = [c.lower() for c in columns]
    if "text" not in lowered:
        found = ", ".join(repr(c) for c in columns if c) or "none"
        raise UsageError(
            f"{name} has no 'text' column (the column that holds each post). Columns found: {found}."
        )
    text_at = lowered.index("text")
    optional = {key: lowered.index(key) for key in ("id", "platform", "notes") if key in lowered}

    rows: list[BatchRow] = []
    number = 1
    try:
        for cells in reader:
            number += 1
            if not any(c.strip() for c in cells):
                continue  # blank lines between posts are layout, not posts
            values = {col: (cells[i] if i < len(cells) else "") for i, col in enumerate(columns)}
            row = BatchRow(row=number, text=cells[text_at] if text_at < len(cells) else None, columns=values)
            for key, at in optional.items():
                value = cells[at].strip() if at < len(cells) else ""
                setattr(row, key, value or None)
            if row.text is None:
                row.error = f"row {number} has no cell in the 'text' column"
            rows.append(row)
    except csv.Error as exc:
        raise UsageError(f"{name}, line {reader.line_num}: not readable as CSV ({exc}).") from None
    return Calendar(format="csv", columns=columns, rows=rows)


def _load_jsonl(content: str) -> Calendar:
    rows: list[BatchRow] = []
    for number, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        rows.append(_jsonl_row(number, line))
    return Calendar(format="jsonl", columns=["id", "text"], rows=rows)


def _jsonl_row(number: int, line: str) -> BatchRow:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return BatchRow(row=number, text=None, error=f"line {number} is not valid JSON ({exc.msg})")
    if not isinstance(obj, dict):
        return BatchRow(row=number, text=None, error=f"line {number} is not a JSON object")
    raw_id = obj.get("id")
    row_id = None if raw_id is None or isinstance(raw_id, bool) else str(raw_id)
    row = BatchRow(row=number, text=None, id=row_id)
    text = obj.get("text")
    if text is None:
        row.error = f"line {number} has no 'text' field"
    elif not isinstance(text, str):
        row.error = f"line {number}: 'text' is not a string (found {_json_type(text)})"
    else:
        row.text = text
    row.platform = obj["platform"] if isinstance(obj.get("platform"), str) else None
    row.notes = obj["notes"] if isinstance(obj.get("notes"), str) else None
    row.columns = {"id": row_id or "", "text": text if isinstance(text, str) else ""}
    return row


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
