"""Teams end to end on the conversation layer: ``redteam serve``'s app with Teams alone, activities
signed as Teams signs them, through the SDK's real endpoint, replies read back from the fake Bot
Connector, the store shared with Slack."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from bot.server import NoPlatformError, create_asgi_app
from bot.store import Store
from bot.teams.app import TeamsConfigError
from bot.teams.cards import FEEDBACK_VERB, MAX_CARD_BYTES
from tests.drafts import NETFLIX
from tests.fakes.bot_connector import ConnectorCall, FakeBotConnector
from tests.fakes.openai_server import FakeOpenAI
from tests.teams_harness import (
    ALICE,
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    TENANT_ID,
    Server,
    card_action_invoke,
    channel_post,
    chat_message,
    draft_form_invoke,
    message_action_invoke,
    message_edit,
    message_soft_delete,
    new_message_id,
    running_server,
    server_settings,
    wait_for,
)
from tests.test_slack_failures import huge_review

REVISED = "Thanks to everyone who watched A Christmas Prince with us this season!"



def thread_of(channel: str, root: str) -> str:
    return f"{channel};messageid={root}"


def in_conversation(
    connector: FakeBotConnector, conversation: str, kind: str | None = None
) -> list[ConnectorCall]:
    return [c for c in connector.calls if c.conversation_id == conversation and c.status < 300
            and (kind is None or c.kind == kind)]


def card_text(call: ConnectorCall) -> str:
    return json.dumps(call.card, ensure_ascii=False)


def shown(connector: FakeBotConnector, activity_id: str) -> str:
    """The card the message ``activity_id`` shows now (after any updates)."""
    _, body = connector.messages[activity_id]
    return json.dumps(body, ensure_ascii=False)


async def reviewed(server: Server, post: dict[str, Any]) -> tuple[str, str]:
    """Post a channel draft and wait for its review: (the card's activity id, what it shows)."""
    connector = server.identity.connector
    assert (await server.post(post))[0] == 200
    await server.settle()
    thread = thread_of(REVIEW_CHANNEL, post["id"])
    [card_id] = [i for i, (conversation, _) in connector.messages.items() if conversation == thread]
    return card_id, shown(connector, card_id)


# --- review channels ----------------------------------------------------------------------------


async def test_review_channel_post_is_reviewed_once_in_its_thread_redelivery_included(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        statuses = await asyncio.gather(*(server.post(post) for _ in range(3)))
        assert [s for s, _ in statuses] == [200, 200, 200]
        await server.settle()
        assert (await server.post(post))[0] == 200  # Teams redelivers later, too
        await server.settle()
        thread = thread_of(REVIEW_CHANNEL, post["id"])
        # A "Reviewing…" card at once, then the review in its place: one message in the thread.
        [placeholder] = in_conversation(connector, thread, "send")
        assert "Reviewing" in card_text(placeholder)
        [update] = in_conversation(connector, thread, "update")
        assert update.card is not None and update.card["version"] == "1.5"
        assert len(connector.messages) == 1
        card = shown(connector, update.activity_id or "")
        assert "Christmas Prince" in card and "Helpful" in card
        # The record keeps the card's activity id, so edits and deletes reach it.
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
        assert rec is not None and rec.reply_ts == f"{post['id']}/{update.activity_id}"
    assert not [c for c in connector.calls if c.conversation_id.split(";")[0] == OTHER_CHANNEL]


async def test_redelivery_to_another_process_is_not_reviewed_again(ident, tmp_path):
    db = tmp_path / "shared.sqlite3"
    post = channel_post(ident.connector, NETFLIX)
    async with running_server(ident, db) as first, running_server(ident, db) as second:
        await asyncio.gather(first.post(post), second.post(post))
        await first.settle()
        await second.settle()
    thread = thread_of(REVIEW_CHANNEL, post["id"])
    assert len(in_conversation(ident.connector, thread, "send")) == 1
    assert len(in_conversation(ident.connector, thread, "update")) == 1


async def test_other_channels_stay_quiet_without_a_mention_and_answer_one(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        quiet = channel_post(connector, NETFLIX, channel=OTHER_CHANNEL)
        mention = channel_post(connector, NETFLIX, channel=OTHER_CHANNEL, mention_bot=True)
        assert (await server.post(quiet))[0] == 200
        assert (await server.post(mention))[0] == 200
        await server.settle()
    assert in_conversation(connector, thread_of(OTHER_CHANNEL, quiet["id"])) == []
    reviews = in_conversation(connector, thread_of(OTHER_CHANNEL, mention["id"]), "update")
    assert len(reviews) == 1 and "Christmas Prince" in card_text(reviews[0])
    # The mention itself is not part of the draft.
    assert "<at>" not in card_text(reviews[0])


async def test_thread_revision_gets_a_rereview_with_its_delta_and_a_question_an_answer(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root = channel_post(connector, NETFLIX)
        await reviewed(server, root)
        thread = thread_of(REVIEW_CHANNEL, root["id"])
        revision = channel_post(connector, REVISED, reply_to=root["id"], mention_bot=True)
        assert (await server.post(revision))[0] == 200
        await server.settle()
        # The re-review replaces its "Reviewing…" card, or is posted in its place when that card
        # was still waiting for its turn (a busy machine); either way it comes once.
        [rereview] = await wait_for(
            lambda: [c for c in in_conversation(connector, thread)
                     if c.kind in ("send", "update") and "Revised draft" in card_text(c)], timeout=5)
        text = card_text(rereview)
        assert "Revised draft: High → None" in text  # the delta heads the re-review
        recs = await server.store.thread_reviews(REVIEW_CHANNEL, root["id"])
        assert [r.version for r in recs] == [1, 2]

        before = len(in_conversation(connector, thread, "send"))
        question = channel_post(connector, "why is the first version risky?", reply_to=root["id"],
                                mention_bot=True)
        assert (await server.post(question))[0] == 200
        await server.settle()
        answers = in_conversation(connector, thread, "send")[before:]
        assert len(answers) == 1
        assert "Helpful" not in card_text(answers[0])  # an answer, not another review
        assert len(await server.store.thread_reviews(REVIEW_CHANNEL, root["id"])) == 2


async def test_an_unmentioned_reply_in_another_channels_thread_is_ignored(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root = channel_post(connector, "lunch?", channel=OTHER_CHANNEL)
        reply = channel_post(connector, "sure", channel=OTHER_CHANNEL, reply_to=root["id"])
        await server.post(root)
        await server.post(reply)
        marker = channel_post(connector, NETFLIX)
        await reviewed(server, marker)
    assert in_conversation(connector, thread_of(OTHER_CHANNEL, root["id"])) == []


# --- chats --------------------------------------------------------------------------------------


async def test_personal_chat_reviews_every_message_and_help_explains(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        assert (await server.post(chat_message(connector, "help")))[0] == 200
        await server.settle()
        [help_card] = in_conversation(connector, "a:1personal-chat-with-alice", "send")
        assert "How to use" in card_text(help_card)
        assert (await server.post(chat_message(connector, NETFLIX)))[0] == 200
        await server.settle()
        [review] = in_conversation(connector, "a:1personal-chat-with-alice", "update")
        assert "Christmas Prince" in card_text(review)


async def test_group_chat_needs_a_mention(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        await server.post(chat_message(connector, NETFLIX, personal=False))
        await server.post(chat_message(connector, NETFLIX, personal=False, mention_bot=True))
        await server.settle()
    reviews = in_conversation(connector, "19:groupchat0001@thread.v2", "update")
    assert len(reviews) == 1 and "Christmas Prince" in card_text(reviews[0])
    assert len(in_conversation(connector, "19:groupchat0001@thread.v2", "send")) == 1


# --- the message action -------------------------------------------------------------------------


async def test_message_action_is_answered_at_once_then_the_review_is_posted(ident, tmp_path):
    connector = ident.connector
    connector.slow_next("send", 1.5, count=5)  # a slow connector must not hold the invoke
    message_id = new_message_id()
    invoke = message_action_invoke(connector, message_id, f"<p>{NETFLIX}</p>")
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        started = time.monotonic()
        status, body = await server.post(invoke)
        answered = time.monotonic() - started
        # Teams allows 5 s; an answer before the slow connector could have taken a single call
        # shows the invoke waited on none.
        assert status == 200 and answered < 1.5
        assert "Reviewing" in json.loads(body)["task"]["value"]
        assert (await server.post(invoke))[0] == 200  # Teams retries an invoke
        await server.settle()
    thread = thread_of(OTHER_CHANNEL, message_id)
    posted = in_conversation(connector, thread)
    assert len([c for c in posted if c.kind == "send"]) == 1
    assert "Christmas Prince" in json.dumps([c.body for c in posted], ensure_ascii=False)


async def test_message_action_falls_back_to_the_personal_chat(ident, tmp_path):
    connector = ident.connector
    connector.forbidden.add(OTHER_CHANNEL)
    message_id = new_message_id()
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        assert (await server.post(message_action_invoke(connector, message_id, NETFLIX)))[0] == 200
        await server.settle()
    [opened] = connector.ok_calls_of("create_conversation")
    assert opened.body["members"] == [{"id": ALICE["id"]}]
    [card] = in_conversation(connector, f"a:personal-{ALICE['id']}", "send")
    assert "Christmas Prince" in card_text(card)  # the draft is quoted, away from its thread


async def test_a_message_actions_review_refused_with_429_is_posted_once_after_the_pause(ident, tmp_path):
    connector = ident.connector
    connector.rate_limit_next("send", count=2, retry_after="0.3")
    message_id = new_message_id()
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        assert (await server.post(message_action_invoke(connector, message_id, NETFLIX)))[0] == 200
        await server.settle(timeout=20)
    [card] = in_conversation(connector, thread_of(OTHER_CHANNEL, message_id), "send")
    assert "Christmas Prince" in card_text(card) and "Sorry" not in card_text(card)
    assert [c.status for c in connector.calls_of("send")] == [429, 429, 200]


async def test_a_message_actions_review_that_may_have_landed_is_never_posted_twice(ident, tmp_path):
    connector = ident.connector
    connector.error_after_write_next("send")  # Teams took the card, then answered 500
    message_id = new_message_id()
    async with running_server(ident, tmp_path / "db.sqlite3", reply_retry_seconds=2) as server:
        assert (await server.post(message_action_invoke(connector, message_id, NETFLIX)))[0] == 200
        await server.settle(timeout=20)
    thread = thread_of(OTHER_CHANNEL, message_id)
    standing = [json.dumps(body, ensure_ascii=False) for conversation, body in connector.messages.values()
                if conversation == thread]
    assert sum("Christmas Prince" in card for card in standing) == 1
    assert len(standing) == 2 and "may be above" in standing[1]


async def test_a_message_actions_private_review_refused_with_429_still_arrives(ident, tmp_path):
    connector = ident.connector
    connector.forbidden.add(OTHER_CHANNEL)
    message_id = new_message_id()
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        connector.rate_limit_next("send", count=1, retry_after="0.3")
        assert (await server.post(message_action_invoke(connector, message_id, NETFLIX)))[0] == 200
        await server.settle(timeout=20)
    [card] = in_conversation(connector, f"a:personal-{ALICE['id']}", "send")
    assert "Christmas Prince" in card_text(card) and "Sorry" not in card_text(card)


# --- the "Red-team a draft" form -----------------------------------------------------------------

MILKSHAKE = "New on the menu: a triple-thick chocolate milkshake, 2 for 1 all weekend 🥤"
QUAKE_NOTES = "Scheduled for the morning after the earthquake"


def personal_cards(connector: FakeBotConnector) -> list[str]:
    return [card_text(c) for c in in_conversation(connector, f"a:personal-{ALICE['id']}", "send")]


async def test_the_draft_form_is_answered_at_once_and_its_notes_reach_the_review(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        timed = time.monotonic()
        status, body = await server.post(draft_form_invoke(
            connector, {"draft": MILKSHAKE, "platform": "instagram", "notes": QUAKE_NOTES}))
        assert status == 200 and time.monotonic() - timed < 5
        assert "your chat with me" in body
        await server.settle()
        [with_notes] = personal_cards(connector)
        without = draft_form_invoke(connector, {"draft": MILKSHAKE, "platform": "instagram"})
        assert (await server.post(without))[0] == 200
        await server.settle()
    without_notes = personal_cards(connector)[1]
    # The notes are what makes this draft risky: the same path as Slack's form and the CLI.
    assert "triple-thick" in with_notes  # the review quotes the draft: it is read away from it
    assert "Red-team review: Revise" in with_notes and "Insensitive timing" in with_notes
    assert "Red-team review: Ship" in without_notes and "Insensitive timing" not in without_notes


async def test_a_draft_form_without_a_draft_says_so_and_posts_nothing(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        status, body = await server.post(draft_form_invoke(connector, {"draft": "  ", "notes": QUAKE_NOTES}))
        await server.settle()
    assert status == 200 and "empty" in body
    assert not connector.ok_calls_of("create_conversation") and not personal_cards(connector)


async def test_a_retried_draft_form_is_reviewed_once(ident, tmp_path):
    connector = ident.connector
    invoke = draft_form_invoke(connector, {"draft": NETFLIX})
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        assert (await server.post(invoke))[0] == 200
        assert (await server.post(invoke))[0] == 200
        await server.settle()
    assert len(personal_cards(connector)) == 1


async def test_a_draft_form_whose_chat_cannot_open_says_so_in_the_form(ident, tmp_path):
    connector = ident.connector
    connector.server_error_next("create_conversation", status=403)
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        status, body = await server.post(draft_form_invoke(connector, {"draft": NETFLIX}))
        await server.settle()
    assert status == 200 and "could not open a chat with you" in body
    assert not personal_cards(connector)


async def test_a_draft_forms_review_refused_with_429_is_posted_once_after_the_pause(ident, tmp_path):
    connector = ident.connector
    connector.rate_limit_next("send", retry_after="1")
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        assert (await server.post(draft_form_invoke(connector, {"draft": NETFLIX})))[0] == 200
        await wait_for(lambda: bool(personal_cards(connector)), timeout=15)
        await server.settle()
    [card] = personal_cards(connector)
    assert "Christmas Prince" in card
    refused = [c for c in connector.calls if c.kind == "send" and c.status == 429]
    assert len(refused) == 1


async def test_a_draft_forms_review_that_may_have_landed_is_never_posted_twice(ident, tmp_path):
    connector = ident.connector
    connector.error_after_write_next("send")  # Teams took the card, then answered 500
    async with running_server(ident, tmp_path / "db.sqlite3", reply_retry_seconds=2) as server:
        assert (await server.post(draft_form_invoke(connector, {"draft": NETFLIX})))[0] == 200
        await server.settle(timeout=20)
    chat = f"a:personal-{ALICE['id']}"
    standing = [json.dumps(body, ensure_ascii=False) for conversation, body in connector.messages.values()
                if conversation == chat]
    assert sum("Christmas Prince" in card for card in standing) == 1
    # The Bot Connector cannot read the chat back, so the requester is told the review may not
    # have arrived rather than sent a second one.
    assert len(standing) == 2 and "Christmas Prince" not in standing[1]
    assert "may be above" in standing[1]


# --- edits, deletes, feedback -------------------------------------------------------------------


async def test_an_edit_updates_the_review_card_in_place(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        card_id, _ = await reviewed(server, post)
        edit = message_edit(connector, post["id"], REVISED)
        assert (await server.post(edit))[0] == 200
        assert (await server.post(edit))[0] == 200  # redelivered: one re-review
        await server.settle()
        thread = thread_of(REVIEW_CHANNEL, post["id"])
        assert len(in_conversation(connector, thread, "send")) == 1  # no new message
        updates = in_conversation(connector, thread, "update")
        assert len(updates) == 2 and {u.activity_id for u in updates} == {card_id}
        assert "Revised draft" in shown(connector, card_id)
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
        assert rec is not None and rec.version == 2 and rec.review.draft.text == REVISED


async def test_a_delete_marks_the_card_and_erases_the_draft(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        card_id, _ = await reviewed(server, post)
        assert (await server.post(message_soft_delete(connector, post["id"])))[0] == 200
        await server.settle()
        now = shown(connector, card_id)
        assert "deleted" in now and "Christmas Prince" not in now
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
        assert rec is not None and rec.deleted
        assert "Christmas Prince" not in rec.review.model_dump_json()


async def test_a_feedback_click_is_recorded_in_the_store(ident, tmp_path):
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        card_id, _ = await reviewed(server, post)
        _, body = connector.messages[card_id]
        card = body["attachments"][0]["content"]
        data = card["actions"][0]["data"]  # "Helpful", as Teams sends it back
        status, answer = await server.post(card_action_invoke(connector, card_id, FEEDBACK_VERB, data,
                                                              root=post["id"]))
        assert status == 200 and "Thanks" in answer
        assert await server.store.feedback_counts(data["reviewId"]) == (1, 0)
        gone = {"reviewId": "no-such-review", "feedback": "helpful"}
        status, answer = await server.post(card_action_invoke(connector, card_id, FEEDBACK_VERB, gone))
        assert status == 200 and "could not record" in answer


# --- faults -------------------------------------------------------------------------------------


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def llm_settings(fake: FakeOpenAI) -> dict[str, object]:
    return {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test", "model": fake.model,
            "llm_timeout_seconds": 2.0, "llm_retry_seconds": 0.5}


async def test_an_llm_outage_still_gives_an_offline_review_card(ident, tmp_path, fake_llm):
    for _ in range(10):
        fake_llm.enqueue(status=503)
    async with running_server(ident, tmp_path / "db.sqlite3", **llm_settings(fake_llm)) as server:
        post = channel_post(ident.connector, NETFLIX)
        _card_id, card = await reviewed(server, post)
    assert fake_llm.chat_requests, "the LLM was tried"
    assert "offline" in card.lower() and "Sorry" not in card


async def test_a_connector_429_is_retried(ident, tmp_path):
    connector = ident.connector
    connector.rate_limit_next("update", count=2, retry_after="0.2")
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        post = channel_post(connector, NETFLIX)
        _card_id, card = await reviewed(server, post)
    assert [c.status for c in connector.calls_of("update")] == [429, 429, 200]
    assert "Christmas Prince" in card


async def test_an_oversized_review_is_cut_within_limits(ident, tmp_path):
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        async def enormous(draft: Any, **_: Any) -> Any:
            return huge_review(draft.text)

        server.runtime.conversation.service.review = enormous  # type: ignore[method-assign]
        post = channel_post(ident.connector, NETFLIX)
        card_id, card = await reviewed(server, post)
    _, body = ident.connector.messages[card_id]
    assert len(json.dumps(body["attachments"][0]["content"]).encode()) <= MAX_CARD_BYTES
    assert len(json.dumps(body).encode()) < 28_000  # Teams' limit for the whole message
    assert "…" in card


async def test_a_failed_review_ends_in_a_plain_notice(ident, tmp_path):
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        async def broken(draft: Any, **_: Any) -> Any:
            raise RuntimeError(f"internal detail about {draft.text}")

        server.runtime.conversation.service.review = broken  # type: ignore[method-assign]
        post = channel_post(ident.connector, NETFLIX)
        _, card = await reviewed(server, post)
    assert "Sorry" in card and "internal detail" not in card and "RuntimeError" not in card
    assert "Helpful" not in card


async def test_healthz_is_ok_with_teams_alone_and_slack_is_not_served(ident, tmp_path):
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        async with server.session.get(server.base_url + "/healthz") as response:
            assert response.status == 200 and (await response.json())["ok"] is True
        async with server.session.post(server.base_url + "/slack/events", data=b"{}") as response:
            assert response.status == 404


async def test_a_reply_owed_by_a_stopped_process_is_apologised_for_in_its_thread(ident, tmp_path):
    connector = ident.connector
    db = tmp_path / "db.sqlite3"
    async with running_server(ident, db, owed_lease_seconds=3.0) as server:
        await reviewed(server, channel_post(connector, NETFLIX))  # the server learns its connector
        abandoned = new_message_id()
        key = f"teams:{TENANT_ID}:{REVIEW_CHANNEL}:{abandoned}"
        # another worker claims the draft, then stops without renewing its lease
        other = Store(f"sqlite:///{db}", lease=timedelta(seconds=3))
        assert other.claim_all([key], reply_in=(REVIEW_CHANNEL, abandoned))
        other.close()
        started = time.monotonic()
        thread = thread_of(REVIEW_CHANNEL, abandoned)
        [apology] = await wait_for(lambda: in_conversation(connector, thread, "send"), timeout=15)
        assert time.monotonic() - started < 3.0 + 2 * 1.0 + 2.0  # a lease, two sweeps, slack
    assert "restart" in card_text(apology)


def test_serve_needs_a_platform_and_runs_with_teams_alone(ident, tmp_path):
    nothing = server_settings(ident, tmp_path / "db.sqlite3", TEAMS_CLIENT_ID=None)
    with pytest.raises(NoPlatformError, match="Neither Slack nor Teams"):
        create_asgi_app(nothing)
    no_secret = server_settings(ident, tmp_path / "db.sqlite3", TEAMS_CLIENT_SECRET=None)
    with pytest.raises(TeamsConfigError, match="TEAMS_CLIENT_SECRET"):
        create_asgi_app(no_secret)
    paths = {r.path for r in create_asgi_app(server_settings(ident, tmp_path / "db.sqlite3")).routes}
    assert "/api/messages" in paths and "/slack/events" not in paths
