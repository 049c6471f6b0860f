"""Teams' own limits, end to end: replies are paced per conversation (each channel thread on its
own, as Teams counts them), all calls together within the app's budget, and a 429 holds every
conversation. The fake Bot Connector enforces the limits it is given and answers 429 beyond them."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from bot.settings import Settings
from tests.fakes.bot_connector import ConnectorCall, FakeBotConnector
from tests.teams_harness import (
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    channel_post,
    running_server,
    wait_for,
)

DRAFT = "To the {n} people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"



pytestmark = pytest.mark.usefixtures("quick_backoff")


def busiest_second(calls: list[ConnectorCall]) -> int:
    """The most calls made within any one second."""
    times = sorted(c.at for c in calls)
    return max((sum(1 for t in times[i:] if t - start < 1.0) for i, start in enumerate(times)), default=0)


def cards_in(connector: FakeBotConnector, thread: str) -> list[str]:
    return [json.dumps(body) for conversation, body in connector.messages.values() if conversation == thread]


async def post_drafts(server, connector: FakeBotConnector, count: int) -> list[str]:
    posts = [channel_post(connector, DRAFT.format(n=100 + i)) for i in range(count)]
    answers = await asyncio.gather(*(server.post(p) for p in posts))
    assert [status for status, _ in answers] == [200] * count
    return [f"{REVIEW_CHANNEL};messageid={p['id']}" for p in posts]


async def test_threads_of_one_channel_are_paced_apart_as_teams_counts_them(ident, tmp_path):
    connector = ident.connector
    connector.per_second_limit = 7  # Teams: 7 operations a second in one conversation
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        threads = await post_drafts(server, connector, 30)
        await server.settle(timeout=60)
    for thread in threads:
        [card] = cards_in(connector, thread)
        assert "Christmas Prince" in card and "Sorry" not in card
    assert [c for c in connector.calls if c.status == 429] == []
    reviews = [c for c in connector.ok_calls_of("update") if c.conversation_id.startswith(REVIEW_CHANNEL)]
    assert len(reviews) == 30
    # Paced per channel, one review channel would get about 7 reviews a second; each draft is a
    # conversation of its own, so the reviews go out together (well over twice that).
    assert busiest_second(reviews) >= 15


async def test_all_calls_together_keep_within_the_apps_budget(ident, tmp_path):
    connector = ident.connector
    # A little under what the fake allows: the fake counts arrivals, the bot its sends.
    async with running_server(ident, tmp_path / "db.sqlite3", teams_app_requests_per_second=8) as server:
        # The bot's first call waits for its token: the calls paced behind it would reach Teams
        # late all together. Warmed up first, as a server is after its first minute.
        await post_drafts(server, connector, 1)
        await server.settle(timeout=30)
        connector.app_per_second_limit = 10
        # Up to 26 calls: at 8 a second they span three seconds (unpaced, they would all
        # arrive within the first and far beyond the 10 the fake takes).
        threads = await post_drafts(server, connector, 12)
        await server.settle(timeout=60)
    assert [c.kind for c in connector.calls if c.status == 429] == [], "Teams never had to refuse a call"
    for thread in threads:
        [card] = cards_in(connector, thread)
        assert "Christmas Prince" in card and "Sorry" not in card
    # The "Reviewing…" cards count too: each one sent was replaced by its review; one still
    # waiting for its turn when the review was ready was not sent, the review posted instead.
    sends, updates = connector.ok_calls_of("send"), connector.ok_calls_of("update")
    placeholders = [c for c in sends if "Reviewing" in json.dumps(c.card)]
    assert len(sends) == 13 and len(updates) == len(placeholders)
    assert busiest_second(connector.calls[2:]) <= 10


async def test_with_the_budget_spent_reviews_go_first_and_no_reviewing_card_is_sent_late(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3", teams_app_requests_per_second=1) as server:
        await post_drafts(server, connector, 1)
        await server.settle(timeout=30)  # its two calls: the app's budget is spent for a second
        threads = await post_drafts(server, connector, 3)
        await server.settle(timeout=30)
    for thread in threads:
        [card] = cards_in(connector, thread)
        assert "Christmas Prince" in card and "Reviewing" not in card
        calls = [c for c in connector.calls if c.conversation_id == thread]
        # Each review was ready before a turn came free: it went, once, in place of the card
        # saying the review was on its way.
        assert [(c.kind, c.status) for c in calls] == [("send", 200)]
        assert "Reviewing" not in json.dumps(calls[0].card)


async def test_a_429_holds_every_conversation_for_its_retry_after(ident, tmp_path, caplog):
    connector = ident.connector
    connector.rate_limit_next("update", count=1, retry_after="2")
    caplog.set_level(logging.INFO, logger="bot.conversation.outbox")
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        first = channel_post(connector, DRAFT.format(n=1))
        assert (await server.post(first))[0] == 200
        [refused] = await wait_for(lambda: [c for c in connector.calls if c.status == 429], timeout=20)
        # The fake counts the 429 as it answers: the bot holds its calls once it has read it.
        await wait_for(lambda: any("posting failed" in r.getMessage() for r in caplog.records), timeout=20)
        # A draft in another channel, another thread: Teams' budget for the app is spent all the same.
        other = channel_post(connector, DRAFT.format(n=2), channel=OTHER_CHANNEL, mention_bot=True)
        assert (await server.post(other))[0] == 200
        await server.settle(timeout=30)
    elsewhere = [c for c in connector.calls if c.conversation_id.startswith(OTHER_CHANNEL)]
    assert elsewhere and all(c.status < 300 for c in elsewhere)
    assert min(c.at for c in elsewhere) - refused.at >= 1.8, "nothing goes to Teams during the Retry-After"
    [card] = cards_in(connector, f"{OTHER_CHANNEL};messageid={other['id']}")
    assert "Christmas Prince" in card


def test_the_thread_limits_setting_is_checked():
    assert Settings(_env_file=None, teams_thread_limits="5/1, 50/60").teams_thread_windows == (  # type: ignore[call-arg]
        (5, 1.0), (50, 60.0))
    for wrong in ("7", "7/0", "x/1", "7/1,,8/2", "0/1"):
        with pytest.raises(ValueError, match="OPERATIONS/SECONDS"):
            Settings(_env_file=None, teams_thread_limits=wrong)  # type: ignore[call-arg]


async def test_a_review_posted_in_place_of_its_card_is_retried_after_a_429_and_lands_once(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3", teams_app_requests_per_second=1) as server:
        await post_drafts(server, connector, 1)
        await server.settle(timeout=30)
        connector.rate_limit_next("send", count=1, retry_after="0.5")
        threads = await post_drafts(server, connector, 3)
        await server.settle(timeout=30)
    refused = [c for c in connector.calls if c.status == 429]
    assert len(refused) == 1 and refused[0].conversation_id in threads
    for thread in threads:
        [card] = cards_in(connector, thread)
        assert "Christmas Prince" in card and "Reviewing" not in card
    landed = [c.kind for c in connector.calls if c.conversation_id in threads and c.status < 300]
    assert landed == ["send"] * 3
