"""Replies owed on Teams, across processes: a process that stops mid-way leaves what another needs
in the store (the route to the conversation, the id of a reply Teams took), so the sweep of any
process, even a fresh one that never saw the conversation, gives or settles the debt."""

from __future__ import annotations

import json

import bot.server
from bot.store import AsyncStore
from tests.drafts import NETFLIX
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.openai_server import FakeOpenAI
from tests.teams_harness import (
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    TENANT_ID,
    channel_post,
    chat_message,
    running_server,
    wait_for,
)

LEASE = 3.0



def cards_in(connector: FakeBotConnector, conversation: str) -> list[str]:
    return [json.dumps(body, ensure_ascii=False)
            for c, body in connector.messages.values() if c == conversation]


async def test_a_reply_a_stopped_process_saw_land_is_found_by_the_next_and_not_apologised_for(
    ident, tmp_path, monkeypatch
):
    connector = ident.connector
    db = tmp_path / "db.sqlite3"
    post = channel_post(connector, NETFLIX)
    thread = f"{REVIEW_CHANNEL};messageid={post['id']}"

    async def stopped_before_settling(self: AsyncStore, key: str) -> None:
        raise RuntimeError("the process stopped here")

    # Process A: Teams takes the review, then A stops before it records the debt as settled.
    with monkeypatch.context() as patched:
        patched.setattr(AsyncStore, "finish_work", stopped_before_settling)
        async with running_server(ident, db, owed_lease_seconds=LEASE) as a:
            assert (await a.post(post))[0] == 200
            await a.settle(timeout=30)
    [review] = cards_in(connector, thread)
    assert "Christmas Prince" in review
    key = f"teams:{TENANT_ID}:{REVIEW_CHANNEL}:{post['id']}"

    # Process B never saw that thread (it has seen Teams, so it could post there).
    async with running_server(ident, db, owed_lease_seconds=LEASE) as b:
        elsewhere = channel_post(connector, NETFLIX, channel=OTHER_CHANNEL, mention_bot=True)
        assert (await b.post(elsewhere))[0] == 200
        assert await b.store.owes(key)
        # A's lease runs out; B's sweep takes the debt, finds the review A saw land, settles it.
        await wait_for(lambda: not b.store.sync.owes(key), timeout=LEASE + 10)
        await b.settle()
    assert cards_in(connector, thread) == [review], "no apology under a review that landed"


async def test_an_apology_owed_in_a_chat_is_given_by_a_process_that_never_saw_the_chat(
    ident, tmp_path, monkeypatch
):
    connector = ident.connector
    db = tmp_path / "db.sqlite3"
    message = chat_message(connector, NETFLIX)
    chat = message["conversation"]["id"]
    with FakeOpenAI() as llm:
        llm.enqueue(hang=30)
        llm_settings = {"OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-test", "model": llm.model,
                        "llm_timeout_seconds": 60.0}
        # Process A stops mid-review: its shutdown grace runs out while the LLM is still thinking.
        monkeypatch.setattr(bot.server, "SHUTDOWN_GRACE_SECONDS", 0.2)
        async with running_server(ident, db, owed_lease_seconds=LEASE, **llm_settings) as a:
            assert (await a.post(message))[0] == 200
            await wait_for(lambda: llm.chat_requests, timeout=20)
    assert not any("restart" in card for card in cards_in(connector, chat))

    # Process B starts fresh: no activity from that chat (nor any other) has reached it.
    async with running_server(ident, db, owed_lease_seconds=LEASE) as b:
        assert b.runtime.port.routes == {}

        def apology() -> list[str]:
            return [card for card in cards_in(connector, chat) if "restart" in card]

        [card] = await wait_for(apology, timeout=LEASE + 10)
    assert "Christmas Prince" not in card
    [sent] = [c for c in connector.ok_calls_of("send")
              if c.conversation_id == chat and "restart" in json.dumps(c.body)]
    assert sent.authorization.startswith("Bearer "), "posted with the bot's token, as any reply"
