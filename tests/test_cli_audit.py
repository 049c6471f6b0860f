"""``redteam audit`` through the command line: every field, the filters and the three formats."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.cli.main import main
from bot.review.models import Verdict
from bot.store import Store, text_sha256
from tests.test_store import DRAFT, make_record, make_review

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def audited(database_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("REDTEAM_DATABASE_URL", database_url)
    store = Store(database_url)
    cleared = make_record(workspace="T1", created_at=NOW - timedelta(days=2))
    risky = make_record(channel="C2", draft_ts="200.1", thread_ts="200.1", created_at=NOW - timedelta(days=1),
                        review=make_review().model_copy(update={"verdict": Verdict.do_not_post}))
    gone = make_record(draft_ts="300.1", thread_ts="300.1", created_at=NOW)
    for rec in (cleared, risky, gone):
        store.save_review(rec)
    store.clear(cleared.review_id, "U2")
    store.void_clearance(cleared.review_id, "edited after clearance")
    store.clear(risky.review_id, "U3", reason="=HYPERLINK(\"x\") [bold]legal ok[/bold]")
    store.record_feedback(gone.review_id, "U4", True)
    store.mark_deleted("C1", "300.1")
    store.close()
    return {"cleared": cleared.review_id, "risky": risky.review_id, "gone": gone.review_id}


def test_json_holds_every_field_of_each_case(audited: dict[str, str], capsys) -> None:
    assert main(["audit", "--format", "json"]) == 0
    rows = {r["review_id"]: r for r in json.loads(capsys.readouterr().out)}
    assert list(rows) == [audited["gone"], audited["risky"], audited["cleared"]], "newest first"
    cleared = rows[audited["cleared"]]
    assert cleared["workspace"] == "T1" and cleared["channel"] == "C1" and cleared["thread_ts"] == "100.1"
    assert cleared["author"] == "U1" and cleared["version"] == 1
    assert cleared["text_sha256"] == text_sha256(DRAFT)
    assert cleared["verdict"] == "revise" and cleared["risk_level"] == "high"
    assert cleared["categories"] == ["surveillance_creep"] and cleared["engines"] == ["offline"]
    assert cleared["clearance"]["cleared_by"] == "U2"
    assert cleared["clearance"]["voided_at"]
    assert cleared["clearance"]["void_reason"] == "edited after clearance"
    assert rows[audited["risky"]]["clearance"]["reason"].startswith("=HYPERLINK")
    gone = rows[audited["gone"]]
    assert gone["deleted"] is True and gone["deleted_at"] and gone["helpful"] == 1
    assert DRAFT not in json.dumps(list(rows.values()))


def test_filters_by_channel_verdict_and_dates(audited: dict[str, str], capsys) -> None:
    def ids(*args: str) -> list[str]:
        assert main(["audit", "--format", "json", *args]) == 0
        return [r["review_id"] for r in json.loads(capsys.readouterr().out)]

    assert ids("--channel", "C2") == [audited["risky"]]
    assert ids("--channel", "#C2") == [audited["risky"]]
    assert ids("--verdict", "do_not_post") == [audited["risky"]]
    day = lambda d: (NOW - timedelta(days=d)).date().isoformat()  # noqa: E731
    assert ids("--since", day(1)) == [audited["gone"], audited["risky"]]
    assert ids("--until", day(2)) == [audited["cleared"]], "--until counts its whole day"
    assert ids("--since", day(1), "--until", day(1)) == [audited["risky"]]


def test_csv_has_one_row_per_version_and_defuses_formulas(audited: dict[str, str], capsys) -> None:
    assert main(["audit", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 3
    risky = next(r for r in rows if r["verdict"] == "do_not_post")
    assert risky["cleared_by"] == "U3" and risky["clearance_reason"].startswith("'=HYPERLINK")
    assert {r["categories"] for r in rows} == {"surveillance_creep"}
    assert next(r for r in rows if r["deleted"] == "yes")["deleted_at"]


def test_table_shows_the_record_and_prints_markup_as_typed(audited: dict[str, str], capsys,
                                                          monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "250")
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert "do_not_post" in out and "VOID" in out and "U3" in out
    assert "[bold]legal ok[/bold]" in out
    assert text_sha256(DRAFT)[:12] in out  # type: ignore[index]


def test_nothing_matches_says_so(audited: dict[str, str], capsys) -> None:
    assert main(["audit", "--channel", "C999"]) == 0
    assert "No reviews match" in capsys.readouterr().out


def test_bad_dates_are_refused_plainly(audited: dict[str, str], capsys) -> None:
    assert main(["audit", "--since", "last tuesday"]) == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["audit", "--since", "2026-12-05", "--until", "2026-12-01"]) == 2
    assert "--since must be before --until" in capsys.readouterr().err
