"""Teams replies through the outbox, end to end (the SDK's endpoint with real JWTs, the fake Bot
Connector injecting faults): a 500 after the card went through gives one card, a 429 is retried
after its Retry-After, and failures that outlast the retry window end in a plain notice."""

from __future__ import annotations

import json
import time

import pytest

from bot.store.tables import open_work
from bot.teams.transport import KEY_FIELD
from tests.drafts import NETFLIX
from tests.teams_harness import REVIEW_CHANNEL, channel_post, running_server, thread_cards, wait_for

pytestmark = pytest.mark.usefixtures("quick_backoff")



async def test_a_500_after_the_review_went_through_leaves_exactly_one_card(ident, tmp_path):
    connector = ident.connector
    # More failures than the HTTP client alone would ever have tried: each update lands, then 500.
    connector.error_after_write_next("update", count=6)
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        assert (await server.post(post))[0] == 200
        await server.settle(timeout=30)
        [(card_id, card)] = thread_cards(connector, post["id"]).items()
        assert "Christmas Prince" in card and "Sorry" not in card
        updates = connector.calls_of("update")
        assert [c.status for c in updates] == [500] * 6 + [200]
        assert {c.activity_id for c in updates} == {card_id}, "the same card, updated again"
        assert len(connector.calls_of("send")) == 1  # the "Reviewing…" card, never a second post
        # The idempotency key travels with the activity.
        assert updates[-1].body["channelData"][KEY_FIELD].startswith("teams:")
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
        assert rec is not None and rec.reply_ts == f"{post['id']}/{card_id}"


async def test_a_429_is_retried_after_its_retry_after_and_gives_one_card(ident, tmp_path):
    connector = ident.connector
    # The "Reviewing…" card is refused (a courtesy, not retried), then the review itself twice.
    connector.rate_limit_next("send", count=3, retry_after="0.3")
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        started = time.monotonic()
        assert (await server.post(post))[0] == 200
        await wait_for(lambda: connector.ok_calls_of("send"), timeout=20)
        elapsed = time.monotonic() - started
        await server.settle(timeout=20)
        [card] = thread_cards(connector, post["id"]).values()
    assert [c.status for c in connector.calls_of("send")] == [429, 429, 429, 200]
    assert elapsed >= 0.6  # Teams' Retry-After honoured for each refused try of the review
    assert "Christmas Prince" in card and "Sorry" not in card


async def test_failures_past_the_retry_window_end_in_a_plain_notice(ident, tmp_path):
    connector = ident.connector
    # Teams refuses every update of the "Reviewing…" card past the review's window and its
    # notice's, until the notice is left in the store for the sweep.
    connector.server_error_next("update", count=1000, status=503)
    async with running_server(ident, tmp_path / "db.sqlite3", reply_retry_seconds=1.0,
                              owed_lease_seconds=3.0) as server:
        # An id with "503" in it: the card carries the id (its key), and only what the card
        # shows must be free of the status code.
        post = channel_post(connector, NETFLIX, message_id="1796534806503")
        started = time.monotonic()
        assert (await server.post(post))[0] == 200

        def notice_shown() -> bool:
            return any("Sorry" in card for card in thread_cards(connector, post["id"]).values())

        def notice_left() -> bool:
            with server.store.sync._engine.connect() as conn:
                return any(row.notice for row in conn.execute(open_work.select()))

        await wait_for(notice_left, timeout=30)
        assert not notice_shown()
        connector.recover("update")
        await wait_for(notice_shown, timeout=30)
        elapsed = time.monotonic() - started
        await server.settle(timeout=20)
        [card] = thread_cards(connector, post["id"]).values()
    assert elapsed >= 1.0, "the notice comes after the review's retry window"
    assert "couldn't finish this review" in card and "Teams" in card
    shown = _shown(card)
    assert "Christmas Prince" not in shown and "Traceback" not in shown and "503" not in shown
    assert len(connector.ok_calls_of("send")) == 1  # the placeholder, turned into the notice


def _shown(card: str) -> str:
    """What a user sees of a card: the activity without its key and the card's marker, which
    carry ids that may hold any digits."""
    activity = json.loads(card)
    activity.pop("channelData", None)
    for attachment in activity.get("attachments", []):
        attachment.get("content", {}).pop("id", None)
    return json.dumps(activity, ensure_ascii=False)


async def test_a_412_is_retried_as_teams_asks(ident, tmp_path):
    connector = ident.connector
    connector.server_error_next("update", count=2, status=412)
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        assert (await server.post(post))[0] == 200
        await server.settle(timeout=30)
        [card] = thread_cards(connector, post["id"]).values()
    assert [c.status for c in connector.calls_of("update")] == [412, 412, 200]
    assert "Christmas Prince" in card and "Sorry" not in card
