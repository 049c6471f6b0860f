"""`redteam eval` on a small labelled file written here (not the corpus)."""

from __future__ import annotations

import json

import pytest

from bot.cli.main import main
from tests.drafts import NETFLIX

ITEMS = [
    {"id": "netflix", "text": NETFLIX, "label": "backlash",
     "risk_categories": ["surveillance_creep", "customer_shaming"]},
    {"id": "hours", "text": "Our Main Street store opens at 9am on Monday. See you there.", "label": "fine",
     "risk_categories": []},
    {"id": "thanks", "text": "Thank you for a wonderful year. Here's to the next one!", "label": "fine",
     "risk_categories": []},
    {"id": "trend", "text": "A lot of you watched holiday movies this week. Good choice.", "label": "mixed",
     "risk_categories": []},
]


pytestmark = pytest.mark.usefixtures("offline_env")


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    return str(path)


def test_json_report_counts_the_labels_and_scores_the_checker(capsys, labelled):
    code = main(["eval", "--offline", "--format", "json", labelled])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert (report["n_backlash"], report["n_fine"], report["n_mixed"]) == (1, 2, 1)
    assert report["recall"] == 1.0  # the Netflix tweet is flagged
    assert report["fp_rate"] == 0.0  # opening hours and a thank-you are not
    assert report["failed"] == [] and report["misses"] == []
    assert isinstance(report["per_category"], list)


def test_text_report_is_for_people(capsys, labelled):
    assert main(["eval", "--offline", labelled]) == 0
    out = capsys.readouterr().out
    assert "recall" in out.lower()
    assert not out.lstrip().startswith("{")


def test_a_bad_line_is_named_and_exits_2(capsys, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ITEMS[0]) + "\n{oops\n", encoding="utf-8")
    assert main(["eval", "--offline", str(path)]) == 2
    err = capsys.readouterr().err
    assert "2" in err and str(path) in err and "Traceback" not in err


@pytest.mark.parametrize("content", [b"", "{\"text\": \"Caf\u00e9\"}\n".encode("latin-1")])
def test_empty_or_non_utf8_files_exit_2(capsys, tmp_path, content):
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    assert main(["eval", "--offline", str(path)]) == 2
    assert str(path) in capsys.readouterr().err
