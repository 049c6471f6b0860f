"""Replies that survive Slack's bad minutes, through the real Bolt app over signed HTTP against the
fake Slack Web API: never lost (a notice at worst), never doubled, paced to Slack's per-channel
limit; a draft deleted or edited while its review runs; a stopped process's debt found fast."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.review.models import Draft, Review
from bot.review.schedule import Ticket
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.store import Store
from bot.store.tables import decisions, open_work, reviews
from tests.fakes.slack_api import TEAM_ID
from tests.slack_harness import (
    REVIEW_CHANNEL,
    Harness,
    delete_event,
    edit_event,
    message_event,
    running_app,
    wait_for,
)

DRAFT = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
GENTLE = "Thanks to everyone who watched A Christmas Prince this season. Happy holidays from all of us!"

#: Short windows, so a test sees a whole retry window and the sweep after it.
FAST = {"reply_retry_seconds": 1.0, "owed_lease_seconds": 3.0}


def bot_posts(h: Harness, thread: str) -> list[dict[str, Any]]:
    """What Slack stored in the thread from the bot, whatever the bot was answered."""
    return h.fake.posts_in(REVIEW_CHANNEL, thread)


def owed(h: Harness) -> list[str]:
    with h.store.sync._engine.connect() as conn:
        return [row.key for row in conn.execute(open_work.select())]


def notices_left(h: Harness) -> list[str]:
    """The notices left in the store for the sweep to give."""
    with h.store.sync._engine.connect() as conn:
        return [row.notice for row in conn.execute(open_work.select()) if row.notice]


async def stays(check: Any, seconds: float) -> None:
    """``check()`` holds for ``seconds`` (no late copy, no late apology)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert check()
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("fault", ["rate_limited", "server_error"])
async def test_a_reply_slack_keeps_refusing_ends_in_one_notice_not_silence(
    tmp_path: Path, fault: str
) -> None:
    async with running_app(tmp_path, **FAST) as slack:
        # Every post refused past the review's retry window and its notice's: the notice is left
        # in the store.
        if fault == "rate_limited":
            slack.fake.rate_limit_next("chat.postMessage", count=1000, retry_after=1)
        else:
            slack.fake.server_error_next("chat.postMessage", count=1000, status=500)
        event = message_event(DRAFT)
        await slack.post_event(event)
        await slack.settle(timeout=30)
        [left] = await wait_for(lambda: notices_left(slack), timeout=30)
        assert "couldn't finish this review" in left and bot_posts(slack, event["ts"]) == []
        slack.fake.recover("chat.postMessage")
        # The sweep gives the notice the work left owed once Slack takes posts again.
        [notice] = await wait_for(lambda: bot_posts(slack, event["ts"]), timeout=30)
        assert "Sorry" in notice["text"] and "couldn't finish this review" in notice["text"]
        await wait_for(lambda: not owed(slack), timeout=10)
        await stays(lambda: len(bot_posts(slack, event["ts"])) == 1, 1.5)


async def test_a_post_stored_before_a_500_is_not_posted_again(tmp_path: Path) -> None:
    async with running_app(tmp_path) as slack:
        slack.fake.server_error_after_storing_next("chat.postMessage", count=1, status=500)
        event = message_event(DRAFT)
        await slack.post_event(event)
        await slack.settle(timeout=30)
        [review] = bot_posts(slack, event["ts"])
        assert review["metadata"]["event_type"] == "redteam_reply"
        assert len(slack.fake.calls_to("chat.postMessage")) == 1, "found in the thread, not re-posted"
        rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, event["ts"])
        assert rec is not None and rec.reply_ts == review["ts"]
        assert owed(slack) == []


async def test_a_burst_into_one_channel_gets_exactly_one_review_per_thread(tmp_path: Path) -> None:
    # Slack's per-channel pace, modelled; the app keeps to the same pace.
    n = 40
    async with running_app(tmp_path, slack_posts_per_second=10.0, slack_post_burst=2) as slack:
        slack.fake.limit_posts_per_channel(10.0, burst=2)
        events = [message_event(f"{DRAFT} #{i}") for i in range(n)]
        for event in events:
            assert (await slack.post_event(event))[0] == 200
        await slack.settle(timeout=120)
        for event in events:
            [reply] = bot_posts(slack, event["ts"])
            assert "Sorry" not in reply["text"], "a review, not a notice"
        assert owed(slack) == []


async def test_a_reply_left_by_a_stopped_process_is_apologised_for_within_a_lease(tmp_path: Path) -> None:
    # The process that took this draft died 40 s ago, its last lease (30 s) long run out.
    abandoned = message_event(DRAFT)
    forty_seconds_ago = datetime.now(UTC) - timedelta(seconds=40)
    dead = Store(f"sqlite:///{tmp_path / 'redteam.sqlite3'}", clock=lambda: forty_seconds_ago)
    key = f"{TEAM_ID}:{REVIEW_CHANNEL}:{abandoned['ts']}"
    assert dead.claim_all(["event:EvGone", key], reply_in=(REVIEW_CHANNEL, abandoned["ts"]))
    dead.close()
    async with running_app(tmp_path) as slack:
        [apology] = await wait_for(lambda: bot_posts(slack, abandoned["ts"]), timeout=10)
        assert "I was stopped (a restart)" in apology["text"]
        await wait_for(lambda: not owed(slack), timeout=5)


async def test_a_live_process_takes_work_orphaned_by_another(tmp_path: Path) -> None:
    async with running_app(tmp_path, owed_lease_seconds=3.0) as slack:
        orphan = message_event(DRAFT)
        # another worker claims the draft, then dies without a heartbeat
        other = Store(slack.settings.database_url, lease=timedelta(seconds=3))
        key = f"{TEAM_ID}:{REVIEW_CHANNEL}:{orphan['ts']}"
        assert other.claim_all([key], reply_in=(REVIEW_CHANNEL, orphan["ts"]))
        other.close()
        started = time.monotonic()
        [apology] = await wait_for(lambda: bot_posts(slack, orphan["ts"]), timeout=15)
        assert "I was stopped (a restart)" in apology["text"]
        assert time.monotonic() - started < 3.0 + 2 * 1.0 + 2.0  # a lease, two sweeps, slack


class GatedService(ReviewService):
    """The offline review, held until the test lets it finish (a slow LLM)."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings, offline_only=True)
        self.entered = threading.Event()
        self.gate = threading.Event()

    async def review(self, draft: Draft, *, ticket: Ticket | None = None) -> Review:
        self.entered.set()
        await asyncio.to_thread(self.gate.wait, 20)
        return await super().review(draft, ticket=ticket)


@pytest.fixture
def gated() -> GatedService:
    return GatedService(Settings(_env_file=None, OPENAI_API_KEY=None))


def stored_texts(h: Harness) -> list[str]:
    with h.store.sync._engine.connect() as conn:
        return [row.review_json for row in conn.execute(reviews.select())]


async def test_a_draft_deleted_during_its_review_gets_none_and_leaves_no_words(
    tmp_path: Path, gated: GatedService
) -> None:
    async with running_app(tmp_path, service=gated) as slack:
        root = message_event(DRAFT)
        await slack.post_event(root)
        await asyncio.to_thread(gated.entered.wait, 10)
        deleted = delete_event(root["ts"], DRAFT)
        await slack.post_event(deleted)
        await asyncio.sleep(0.3)  # the delete is handled while the review still runs
        gated.gate.set()
        await slack.settle(timeout=30)
        assert bot_posts(slack, root["ts"]) == []
        assert not any("Christmas Prince" in text for text in stored_texts(slack))
        with slack.store.sync._engine.connect() as conn:
            assert list(conn.execute(decisions.select())) == [], "no record of a review never shown"
        assert owed(slack) == []


async def test_a_draft_edited_during_its_review_ends_with_a_review_of_the_new_words(
    tmp_path: Path, gated: GatedService
) -> None:
    async with running_app(tmp_path, service=gated) as slack:
        root = message_event(DRAFT)
        await slack.post_event(root)
        await asyncio.to_thread(gated.entered.wait, 10)
        edited = edit_event(root["ts"], DRAFT, GENTLE, edited_at="1700009999.000002")
        await slack.post_event(edited)
        await asyncio.sleep(0.3)
        gated.gate.set()
        await slack.settle(timeout=30)
        [reply] = bot_posts(slack, root["ts"])
        latest = await slack.store.latest_for_draft(REVIEW_CHANNEL, root["ts"])
        assert latest is not None and latest.review.draft.text == GENTLE
        [update] = slack.fake.ok_calls_to("chat.update")
        assert update.params["ts"] == reply["ts"], "the review shown is replaced by the new words'"
        assert "Revised draft" in update.params["text"], "the edit's re-review, against the first"
