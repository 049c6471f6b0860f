"""The command line with an LLM configured: the real openai client against the local fake server."""

from __future__ import annotations

import csv
import json
import os

import pytest

from bot.cli.main import main
from tests.fakes.openai_server import FakeOpenAI

NETFLIX = (
    "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
)


@pytest.fixture
def fake(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-cli")
        monkeypatch.setenv("REDTEAM_MODEL", server.model)
        monkeypatch.setenv("REDTEAM_LLM_RETRY_SECONDS", "0")
        monkeypatch.setenv("REDTEAM_LLM_TIMEOUT_SECONDS", "5")
        yield server


def test_review_uses_the_llm_when_one_is_configured(capsys, fake):
    assert main(["review", "--format", "json", NETFLIX]) == 0
    review = json.loads(capsys.readouterr().out)
    assert any(engine.startswith("llm") for engine in review["engines"])
    assert len(fake.chat_requests) == 1
    assert main(["review", NETFLIX + " (again)"]) == 0
    out, err = capsys.readouterr()
    assert "llm" in out.splitlines()[-1]
    assert "sk-test-cli" not in out + err


def test_offline_flag_sends_nothing(capsys, fake):
    assert main(["review", "--offline", "--format", "json", NETFLIX]) == 0
    review = json.loads(capsys.readouterr().out)
    assert fake.chat_requests == []
    assert review["engines"] == ["offline"]
    assert any("offline" in n.lower() for n in review["notices"])


def test_llm_failure_falls_back_to_an_offline_review_with_a_notice(capsys, fake):
    fake.enqueue(status=400)
    code = main(["review", NETFLIX])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Notices" in out and "offline" in out.lower()
    assert "Traceback" not in err


def test_batch_reviews_rows_concurrently_and_within_the_bound(capsys, fake, tmp_path):
    path = tmp_path / "cal.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"])
        writer.writerows([[f"p{i}", f"Post {i}: our new store opens on day {i}."] for i in range(3)])
    fake.hold_until(3)  # each request waits until three are in flight at once
    assert main(["batch", "--format", "json", "--concurrency", "3", str(path)]) == 0
    assert fake.max_in_flight == 3
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [x["id"] for x in lines] == ["p0", "p1", "p2"]


def test_batch_never_exceeds_its_concurrency(capsys, fake, tmp_path):
    path = tmp_path / "cal.jsonl"
    path.write_text("".join(json.dumps({"text": f"Post {i}: hello from day {i}."}) + "\n" for i in range(6)),
                    encoding="utf-8")
    assert main(["batch", "--format", "json", "--concurrency", "2", str(path)]) == 0
    assert len(fake.chat_requests) == 6 and fake.max_in_flight <= 2


def test_eval_reports_items_whose_llm_review_failed_and_scores_the_rest(capsys, fake, tmp_path):
    items = [
        {"id": "a", "text": NETFLIX, "label": "backlash", "risk_categories": []},
        {"id": "b", "text": "Doors open at noon on Saturday.", "label": "fine", "risk_categories": []},
        {"id": "c", "text": "Thank you for a lovely year!", "label": "fine", "risk_categories": []},
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    fake.enqueue(status=400)  # the first LLM call fails for good; the other two get answers
    code = main(["eval", "--format", "json", "--concurrency", "1", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert len(report["failed"]) == 1
    assert "LLM" in json.dumps(report["failed"])
    assert len(fake.chat_requests) == 3


def test_check_probes_the_llm(capsys, fake):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "answered" in out and fake.model in out
    assert fake.requests, "the probe reached the server"
    fake.enqueue(status=401)
    code = main(["check"])
    out, err = capsys.readouterr()
    assert code == 2 and "cannot be used" in err and "sk-test-cli" not in err


def test_check_without_an_llm_says_so(capsys, monkeypatch, fake):
    monkeypatch.delenv("OPENAI_BASE_URL")
    monkeypatch.delenv("OPENAI_API_KEY")
    assert main(["check"]) == 0
    assert "not configured" in capsys.readouterr().out


def test_a_fine_draft_gets_no_quota_of_reactions_or_alternatives(capsys, fake):
    """The rubric asks for none on a fine draft; the real client carries the generated format."""
    from bot.llm.schema import output_contract

    fake.enqueue_review(summary="Fine to post: a warm thank-you.", worst_reactions=[], alternatives=[])
    assert main(["review", "--format", "json", "Thank you, Leeds: 12,000 bacon rolls on Saturday!"]) == 0
    review = json.loads(capsys.readouterr().out)
    assert (review["verdict"], review["worst_reactions"], review["alternatives"]) == ("ship", [], [])
    request = fake.chat_requests[0].json
    assert request is not None
    system = request["messages"][0]["content"]
    assert output_contract() in system
    schema = request["response_format"]["json_schema"]["schema"]
    assert list(schema["properties"])[-2:] == ["summary", "verdict"]
