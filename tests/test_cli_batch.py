"""`redteam batch` on CSV and JSON Lines calendars: carried-through columns, bad rows, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest

from bot.cli.main import main
from bot.review.models import Review

NETFLIX = (
    "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
)
BENIGN = "Our Main Street store opens at 9am on Monday. See you there."


@pytest.fixture(autouse=True)
def offline_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_")) or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_csv(path, header, rows, **kw):
    with open(path, "w", encoding=kw.pop("encoding", "utf-8"), newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def calendar_csv(tmp_path):
    return write_csv(
        tmp_path / "calendar.csv",
        ["date", "channel", "text"],
        [
            ["2017-12-10", "twitter", NETFLIX],
            ["2017-12-11", "instagram", BENIGN],
            ["2017-12-12", "twitter", "   "],
            ["2017-12-13", "linkedin", "Thank you, 🎄 «fans», for 2017!\nMore soon."],
        ],
    )


def test_csv_out_carries_input_columns_and_adds_the_verdict(capsys, calendar_csv):
    code, out, err = run(capsys, "batch", "--offline", "--format", "csv", calendar_csv)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["date", "channel", "text", "verdict", "risk_level", "categories", "error"]
    assert [r["date"] for r in rows] == ["2017-12-10", "2017-12-11", "2017-12-12", "2017-12-13"]
    assert rows[3]["text"] == "Thank you, 🎄 «fans», for 2017!\nMore soon."
    assert rows[0]["verdict"] != "ship" and rows[0]["categories"]
    assert rows[1]["verdict"] == "ship" and rows[1]["error"] == ""
    assert rows[2]["verdict"] == "" and "empty" in rows[2]["error"]
    assert "1 could not be reviewed" in err and "row 4" in err  # spreadsheet numbering: header is row 1


def test_json_lines_out_has_id_or_row_number_plus_the_review(capsys, tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(
        "\n".join([
            json.dumps({"id": "p1", "text": NETFLIX, "campaign": "xmas"}),
            json.dumps({"text": BENIGN, "platform": "instagram"}),
            "{not json",
            json.dumps({"id": 7, "text": 42}),
            "",
            json.dumps({"id": "p5"}),
            json.dumps(["a list"]),
        ]) + "\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "batch", "--offline", "--format", "json", str(path))
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [(x["row"], x["id"]) for x in lines] == [(1, "p1"), (2, 2), (3, 3), (4, "7"), (6, "p5"), (7, 7)]
    first = Review.model_validate({k: v for k, v in lines[0].items() if k not in {"row", "id"}})
    assert first.draft.text == NETFLIX and first.draft.id == "p1"
    assert lines[1]["draft"]["platform"] == "instagram" and lines[1]["verdict"] == "ship"
    assert "not valid JSON" in lines[2]["error"] and "line 3" in lines[2]["error"]
    assert "not a string" in lines[3]["error"]
    assert "no 'text'" in lines[4]["error"]
    assert "not a JSON object" in lines[5]["error"]
    assert all("verdict" not in x for x in lines[2:])
    assert "4 row(s) could not be reviewed" in err


def test_text_format_is_a_table_with_a_summary(capsys, calendar_csv):
    code, out, _ = run(capsys, "batch", "--offline", calendar_csv)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ROW", "ID", "VERDICT", "RISK"]
    assert lines[1].split()[0] == "2"
    error_line = next(line for line in lines if line.startswith("4 "))
    assert "error" in error_line and "empty" in error_line
    assert lines[-1].startswith("4 rows: ") and "1 could not be reviewed" in lines[-1]


@pytest.mark.parametrize("columns", [40, 80])
def test_the_table_fits_the_terminal_and_keeps_every_category_and_error(capsys, monkeypatch, calendar_csv,
                                                                         columns):
    from rich.cells import cell_len

    from bot.cli.batch_cmd import column_widths
    from bot.cli.context import label_for, open_service
    from bot.settings import Settings

    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(capsys, "batch", "--offline", calendar_csv)
    assert code == 0
    table = out.splitlines()[:-1]  # the last line is the summary
    assert max(cell_len(line) for line in table) <= columns
    # The categories column read top to bottom holds every category label and error, unbroken.
    start = sum(column_widths(columns, 5)[:4]) + 4
    last_column = " ".join(" ".join(line[start:] for line in table).split())
    _, as_json, _ = run(capsys, "batch", "--offline", "--format", "json", calendar_csv)
    labels = label_for(open_service(Settings(), offline=True))
    rows = [json.loads(line) for line in as_json.splitlines()]
    assert any(row.get("risks") for row in rows) and any("error" in row for row in rows)
    for row in rows:
        for risk in row.get("risks", []):
            assert labels(risk["category"]) in last_column
        if "error" in row:
            assert row["error"] in last_column


def test_fail_on_trips_on_any_row_and_on_rows_it_could_not_check(capsys, tmp_path, calendar_csv):
    assert run(capsys, "batch", "--offline", "--fail-on", "low", calendar_csv)[0] == 1
    clean = write_csv(tmp_path / "clean.csv", ["text"], [[BENIGN], ["Doors open at noon on Saturday."]])
    assert run(capsys, "batch", "--offline", "--fail-on", "low", clean)[0] == 0
    with_blank = write_csv(tmp_path / "blank.csv", ["id", "text"], [["a", BENIGN], ["b", ""]])
    code, _, err = run(capsys, "batch", "--offline", "--fail-on", "critical", with_blank)
    assert code == 1 and "could not be reviewed" in err


def test_concurrency_does_not_change_the_output_order(capsys, tmp_path):
    rows = [[f"r{i}", f"Post number {i}: doors open at {i} o'clock."] for i in range(12)] + [["n", NETFLIX]]
    path = write_csv(tmp_path / "many.csv", ["id", "text"], rows)
    _, one_at_a_time, _ = run(capsys, "batch", "--offline", "--format", "json", "--concurrency", "1", path)
    _, many, _ = run(capsys, "batch", "--offline", "--format", "json", "--concurrency", "5", path)
    assert one_at_a_time == many
    assert [json.loads(line)["id"] for line in many.splitlines()] == [r[0] for r in rows]


def test_blank_lines_are_layout_not_posts(capsys, tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text(f"date,text\n\n2017-12-10,{BENIGN}\n,\n\n", encoding="utf-8")
    code, out, _ = run(capsys, "batch", "--offline", "--format", "json", str(path))
    assert code == 0
    assert [json.loads(line)["row"] for line in out.splitlines()] == [3]


def test_bom_header_case_and_tsv_are_understood(capsys, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffText,Owner\r\nHello from the team!,ana\r\n".encode())
    code, out, _ = run(capsys, "batch", "--offline", "--format", "csv", str(path))
    assert code == 0
    assert next(csv.DictReader(io.StringIO(out)))["Owner"] == "ana"
    tsv = tmp_path / "cal.tsv"
    tsv.write_text("id\ttext\nt1\tHello, world; again\n", encoding="utf-8")
    _, out, _ = run(capsys, "batch", "--offline", "--format", "json", str(tsv))
    assert json.loads(out)["draft"]["text"] == "Hello, world; again"


def test_csv_without_text_column_lists_the_columns_found(capsys, tmp_path):
    path = write_csv(tmp_path / "wrong.csv", ["date", "post", "owner"], [["d", "hello", "me"]])
    code, out, err = run(capsys, "batch", "--offline", path)
    assert code == 2 and out == ""
    assert "no 'text' column" in err and "'date', 'post', 'owner'" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [(b"", "is empty"), ("text\nCaf\u00e9\n".encode("latin-1"), "not UTF-8")],
)
def test_unreadable_calendars_exit_2(capsys, tmp_path, content, needle):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, _, err = run(capsys, "batch", "--offline", str(path))
    assert code == 2 and needle in err and str(path) in err and "Traceback" not in err


def test_missing_calendar_exits_2(capsys):
    code, _, err = run(capsys, "batch", "--offline", "nope.csv")
    assert code == 2 and "nope.csv: no such file" in err


def test_jsonl_from_stdin(capsys, monkeypatch):
    import sys

    data = json.dumps({"id": "s1", "text": BENIGN}) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode()), encoding="utf-8"))
    code, out, _ = run(capsys, "batch", "--offline", "--format", "json", "-")
    assert code == 0 and json.loads(out)["id"] == "s1"


def test_an_internal_failure_on_one_row_is_reported_and_the_rest_are_reviewed(capsys, tmp_path, monkeypatch):
    from bot.review import service

    real = service.ReviewService.review

    async def flaky(self, draft):
        if "boom" in draft.text:
            raise RuntimeError("detector crashed")
        return await real(self, draft)

    # Nothing real fails on demand, so the service's method stands in for a bug on one row.
    monkeypatch.setattr(service.ReviewService, "review", flaky)
    path = write_csv(tmp_path / "c.csv", ["text"], [[BENIGN], ["boom goes the post"], [NETFLIX]])
    code, out, err = run(capsys, "batch", "--offline", "--format", "json", path)
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 3
    assert "verdict" in lines[0] and "verdict" in lines[2]
    assert "RuntimeError: detector crashed" in lines[1]["error"]
    assert "Traceback" not in err


def test_a_cell_over_the_csv_modules_field_limit_is_one_bad_row_not_a_failed_batch(capsys, tmp_path):
    # Python's csv module refuses fields over 131,072 characters by default.
    huge = "word " * 30_000
    path = write_csv(tmp_path / "c.csv", ["id", "text"], [["a", BENIGN], ["b", huge], ["c", NETFLIX]])
    code, out, err = run(capsys, "batch", "--offline", "--format", "json", path)
    assert code != 2, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b", "c"]
    assert "verdict" in lines[0] and "verdict" in lines[2]
    assert "verdict" not in lines[1] and "20,000 characters" in lines[1]["error"]
    assert "Traceback" not in err
