"""A draft built to be slow to check must not stop the server: /healthz and other events' acks
answer at once, and the draft still gets its review.

The scenario runs in a child process: if checking a draft ever held the interpreter (a
backtracking regex never lets go of it), the whole process would freeze, test client included;
from outside, the test can still see that and fail instead of hanging.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.review.intake import MAX_DRAFT_CHARS
from tests.slack_harness import message_event, running_app

ROOT = Path(__file__).resolve().parent.parent
ACK_BOUND = 2.0  # seconds; Slack gives up after 3
# Checking this took hours when a lexicon entry could backtrack ("[\w']+ messages", a space
# turned into "[\s_-]*"): a word, then underscores to the length limit.
WORST = ("messages " + "_" * MAX_DRAFT_CHARS)[:MAX_DRAFT_CHARS]
OTHER = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"


async def scenario(tmp_path: Path) -> dict[str, object]:
    async with running_app(tmp_path) as slack:
        worst, other = message_event(WORST), message_event(OTHER)
        started = time.monotonic()
        status, _ = await slack.post_event(worst)
        worst_ack = time.monotonic() - started
        await asyncio.sleep(0.2)  # the review is under way on the review loop
        started = time.monotonic()
        async with slack.http.get(slack.url + "/healthz") as resp:
            health = resp.status
        health_time = time.monotonic() - started
        started = time.monotonic()
        other_status, _ = await slack.post_event(other)
        other_ack = time.monotonic() - started
        await slack.settle(timeout=60)
        posts = [c.params for c in slack.fake.ok_calls_to("chat.postMessage")]
        replies = {ts: [p for p in posts if p.get("thread_ts") == ts] for ts in (worst["ts"], other["ts"])}
        return {
            "acks": [status, other_status, health],
            "worst_ack": worst_ack, "health_time": health_time, "other_ack": other_ack,
            "worst_replies": len(replies[worst["ts"]]), "other_replies": len(replies[other["ts"]]),
            "worst_reply": json.dumps(replies[worst["ts"]])[:2000],
        }


def _run_scenario() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(scenario(Path(tmp)))))


def test_a_worst_case_draft_delays_no_ack_and_still_gets_its_review() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from tests.test_slack_slow_draft import _run_scenario; _run_scenario()"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError("the server froze on a slow-to-check draft (no answer within 120 s)") from None
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["acks"] == [200, 200, 200]
    for key in ("worst_ack", "health_time", "other_ack"):
        assert result[key] < ACK_BOUND, f"{key}: {result[key]:.2f} s"
    assert result["other_replies"] == 1
    assert result["worst_replies"] == 1, "the slow draft got no review"
    assert "too long" not in result["worst_reply"], "a draft at the limit is reviewed, not refused"
