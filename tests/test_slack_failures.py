"""Never silent, never a traceback: LLM outages, Slack rate limits, failures, oversized reviews,
and reviews running side by side."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    WorstReaction,
)
from tests.drafts import NETFLIX
from tests.fakes.openai_server import FakeOpenAI
from tests.slack_harness import REVIEW_CHANNEL, Harness, message_event, running_app


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def llm_settings(fake: FakeOpenAI) -> dict[str, object]:
    return {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test",
        "model": fake.model,
        "llm_timeout_seconds": 2.0,
        "llm_retry_seconds": 0.5,
    }


def replies(h: Harness, ts: str) -> list[dict]:
    return [c.params for c in h.fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == ts]


def posted_text(params: dict) -> str:
    return params.get("text", "") + json.dumps(params.get("blocks") or [], ensure_ascii=False)


async def test_llm_outage_still_gives_an_offline_review_in_the_thread(
    tmp_path: Path, fake_llm: FakeOpenAI
) -> None:
    for _ in range(10):
        fake_llm.enqueue(status=503)
    async with running_app(tmp_path, **llm_settings(fake_llm)) as slack:
        event = message_event(NETFLIX)
        await slack.post_event(event)
        await slack.settle()
        (reply,) = replies(slack, event["ts"])
        assert fake_llm.chat_requests, "the LLM was tried"
        assert "offline" in posted_text(reply).lower()
        assert "Sorry" not in posted_text(reply)


async def test_reviews_run_concurrently(tmp_path: Path, fake_llm: FakeOpenAI) -> None:
    n = 6
    # Each LLM call is held until all n are in flight: serialised reviews would never get there.
    fake_llm.hold_until(n, timeout=5.0)
    # Replies paced faster than Slack's one a second: this test is about the reviews, not the pace.
    async with running_app(tmp_path, slack_posts_per_second=20.0, **llm_settings(fake_llm)) as slack:
        events = [message_event(f"{NETFLIX} #{i}") for i in range(n)]
        for event in events:
            assert (await slack.post_event(event))[0] == 200
        await slack.settle()
        assert fake_llm.max_in_flight == n
        for event in events:
            assert len(replies(slack, event["ts"])) == 1


async def test_slack_rate_limit_is_retried(tmp_path: Path) -> None:
    async with running_app(tmp_path) as slack:
        slack.fake.rate_limit_next("chat.postMessage", count=1, retry_after=1)
        event = message_event(NETFLIX)
        await slack.post_event(event)
        await slack.settle()
        attempts = slack.fake.calls_to("chat.postMessage")
        assert [c.status for c in attempts] == [429, 200]
        assert len(replies(slack, event["ts"])) == 1


async def test_failure_ends_in_a_plain_message_never_exception_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_app(tmp_path) as slack:

        async def broken(draft: Draft, **_: Any) -> Review:
            raise RuntimeError(f"internal detail about {draft.text}")

        slack.deps.service.review = broken  # type: ignore[method-assign]
        event = message_event(NETFLIX)
        with caplog.at_level(logging.INFO):
            await slack.post_event(event)
            await slack.settle()
        (reply,) = replies(slack, event["ts"])
        text = posted_text(reply)
        assert "Sorry — I couldn't finish this review (something went wrong on my side)" in text
        assert "internal detail" not in text and "RuntimeError" not in text
        assert "RuntimeError" in caplog.text, "the failure is logged"
        assert "Christmas Prince" not in caplog.text, "draft text is never logged at INFO"


async def test_slack_api_failure_is_reported_plainly(tmp_path: Path) -> None:
    async with running_app(tmp_path) as slack:
        slack.fake.fail_next("chat.postMessage", "msg_too_long")
        event = message_event(NETFLIX)
        await slack.post_event(event)
        await slack.settle()
        (reply,) = replies(slack, event["ts"])
        assert "Sorry — I couldn't finish this review (Slack refused my reply)" in reply["text"]


def huge_review(text: str) -> Review:
    long = "An explanation that goes on and on about why these words are risky. " * 60
    risks = [
        Risk(
            category="surveillance_creep",
            severity=Severity.high,
            evidence=Evidence(quote="53", start=7, end=9),
            explanation=long,
            who_could_be_hurt=long,
            suggestion=long,
        )
        for _ in range(80)
    ]
    return Review(
        draft=Draft(text=text),
        verdict=Verdict.do_not_post,
        risk_level=RiskLevel.high,
        summary=long,
        risks=risks,
        worst_reactions=[WorstReaction(persona="a viewer", reply=long) for _ in range(30)],
        alternatives=[Alternative(text=long, what_changed=long) for _ in range(30)],
        engines=["offline"],
    )


async def test_oversized_review_is_cut_within_slack_limits(tmp_path: Path) -> None:
    async with running_app(tmp_path) as slack:

        async def enormous(draft: Draft, **_: Any) -> Review:
            return huge_review(draft.text)

        slack.deps.service.review = enormous  # type: ignore[method-assign]
        event = message_event(NETFLIX)
        await slack.post_event(event)
        await slack.settle()
        (reply,) = replies(slack, event["ts"])
        blocks = reply["blocks"]
        assert 0 < len(blocks) <= 50
        for block in blocks:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= 3000
        assert len(reply["text"]) <= 4000
        assert "…" in posted_text(reply), "cut visibly"
        rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, event["ts"])
        assert rec is not None and len(rec.review.risks) == 80, "the store keeps the whole review"


@pytest.mark.parametrize("status", [200, 502])
async def test_a_slack_answer_that_is_not_json_is_reported_plainly(tmp_path: Path, status: int) -> None:
    # A proxy's HTML error page instead of the Web API's JSON: the notice still gets out.
    async with running_app(tmp_path) as slack:
        slack.fake.garbage_next("chat.postMessage", status=status)
        event = message_event(NETFLIX)
        await slack.post_event(event)
        await slack.settle()
        (reply,) = replies(slack, event["ts"])
        assert "Sorry — I couldn't finish this review (Slack refused my reply)" in reply["text"]


async def test_provider_error_text_never_reaches_the_thread_or_warning_logs(
    tmp_path: Path, fake_llm: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    # A provider that echoes its input puts the draft into its error message.
    fake_llm.enqueue(status=400, body={"error": {"message": f"Rejected input: {NETFLIX}",
                                                 "type": "invalid_request_error"}})
    async with running_app(tmp_path, **llm_settings(fake_llm)) as slack:
        event = message_event(NETFLIX)
        with caplog.at_level(logging.INFO):
            await slack.post_event(event)
            await slack.settle()
        (reply,) = replies(slack, event["ts"])
    text = posted_text(reply)
    assert "HTTP 400" in text
    assert "Rejected input" not in text
    assert "Rejected input" not in caplog.text and "Christmas Prince" not in caplog.text


async def test_an_unresolvable_llm_host_is_named_in_the_thread_at_once(tmp_path: Path) -> None:
    settings = {"OPENAI_BASE_URL": "http://no-such-host.invalid/v1", "OPENAI_API_KEY": "sk-test",
                "llm_timeout_seconds": 30.0, "llm_retry_seconds": 30.0}
    async with running_app(tmp_path, **settings) as slack:
        event = message_event(NETFLIX)
        await slack.post_event(event)
        await slack.settle(timeout=15)  # retried as a timeout, it would take the 30 s budget
        (reply,) = replies(slack, event["ts"])
    text = posted_text(reply)
    assert "no-such-host.invalid could not be found" in text
    assert "did not answer" not in text
