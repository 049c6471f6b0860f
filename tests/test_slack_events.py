"""Review channel, mentions, threads, edits and deletes: through the real Bolt app over signed HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.drafts import NETFLIX
from tests.fakes.slack_api import BOT_ID, BOT_USER_ID
from tests.slack_harness import (
    ALICE,
    BOB,
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    Harness,
    delete_event,
    edit_event,
    event_envelope,
    message_event,
    running_app,
    sign,
    unique_ts,
)

GENTLE = "To everyone rewatching A Christmas Prince this season: we're with you."


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_app(tmp_path) as harness:
        yield harness


def posted_in_thread(h: Harness, thread_ts: str) -> list[dict]:
    return [
        c.params for c in h.fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == thread_ts
    ]


def all_text(params: dict) -> str:
    return params.get("text", "") + json.dumps(params.get("blocks") or [])


async def test_draft_in_review_channel_gets_one_threaded_review(slack: Harness) -> None:
    event = message_event(NETFLIX)
    status, _ = await slack.post_event(event)
    assert status == 200
    await slack.settle()

    replies = posted_in_thread(slack, event["ts"])
    assert len(replies) == 1
    assert replies[0]["channel"] == REVIEW_CHANNEL
    assert replies[0]["blocks"], "the review is Block Kit"
    # categories read as the taxonomy (rules/taxonomy.yaml) names them, as in the CLI
    assert "Customer shaming or mockery" in json.dumps(replies[0]["blocks"])
    # the working signal on the draft; it stays (the threaded review says the work is done), so a
    # review costs two Slack calls, not three
    assert [c.params["name"] for c in slack.fake.calls_to("reactions.add")] == ["eyes"]
    assert slack.fake.calls_to("reactions.add")[0].params["timestamp"] == event["ts"]
    assert not slack.fake.calls_to("reactions.remove")
    rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, event["ts"])
    assert rec is not None and rec.reply_ts is not None and rec.review.draft.text == NETFLIX
    # the bot token goes to the fake, in the header
    assert slack.fake.calls_to("chat.postMessage")[0].headers["Authorization"] == "Bearer xoxb-test-token"


async def test_retried_delivery_gets_no_second_review(slack: Harness) -> None:
    event = message_event(NETFLIX)
    assert (await slack.post_event(event, event_id="Ev0RETRY1"))[0] == 200
    assert (await slack.post_event(event, event_id="Ev0RETRY1", retry_num=1))[0] == 200
    assert (await slack.post_event(event, event_id="Ev0RETRY1", retry_num=2))[0] == 200
    await slack.settle()
    assert len(posted_in_thread(slack, event["ts"])) == 1


async def test_same_message_as_message_and_app_mention_is_reviewed_once(slack: Harness) -> None:
    ts = unique_ts()
    text = f"<@{BOT_USER_ID}> {NETFLIX}"
    await slack.post_event(message_event(text, ts=ts))
    await slack.post_event(message_event(text, ts=ts, type="app_mention"))
    await slack.settle()
    replies = posted_in_thread(slack, ts)
    assert len(replies) == 1
    rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, ts)
    assert rec is not None and rec.review.draft.text == NETFLIX, "the mention is not part of the draft"


async def test_claims_survive_a_restart(tmp_path: Path) -> None:
    event = message_event(NETFLIX)
    async with running_app(tmp_path) as first:
        await first.post_event(event, event_id="Ev0RESTART")
        await first.settle()
        fake = first.fake
        assert len(posted_in_thread(first, event["ts"])) == 1
        # a second process on the same database, e.g. after a deploy, sees the retry
        async with running_app(tmp_path, fake=fake) as second:
            await second.post_event(event, event_id="Ev0RESTART", retry_num=1)
            await second.settle()
            assert len(posted_in_thread(second, event["ts"])) == 1


async def test_bot_messages_and_other_channels_are_ignored(slack: Harness) -> None:
    ours = message_event(NETFLIX, user=BOT_USER_ID, bot_id=BOT_ID)
    other_bot = message_event(NETFLIX, user="U0OTHERBOT", bot_id="B0OTHER")
    bot_message = message_event(NETFLIX, subtype="bot_message", bot_id="B0OTHER")
    elsewhere = message_event(NETFLIX, channel=OTHER_CHANNEL)
    joined = message_event("", subtype="channel_join")
    for event in (ours, other_bot, bot_message, elsewhere, joined):
        assert (await slack.post_event(event))[0] == 200
    await slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []
    assert slack.fake.calls_to("reactions.add") == []


async def test_thread_reply_without_mention_stays_quiet(slack: Harness) -> None:
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    await slack.post_event(message_event("I think it's fine", user=BOB, thread_ts=root["ts"]))
    await slack.settle()
    assert len(posted_in_thread(slack, root["ts"])) == 1


async def test_thread_reply_without_mention_counts_with_the_setting(tmp_path: Path) -> None:
    async with running_app(tmp_path, reply_in_threads_without_mention=True) as slack:
        root = message_event(NETFLIX)
        await slack.post_event(root)
        await slack.settle()
        await slack.post_event(message_event(GENTLE, user=BOB, thread_ts=root["ts"]))
        await slack.settle()
        replies = posted_in_thread(slack, root["ts"])
        assert len(replies) == 2
        assert "→" in all_text(replies[1]), "a revision shows the delta"


async def test_mention_with_revision_in_review_thread_gives_delta(slack: Harness) -> None:
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    mention = message_event(
        f"<@{BOT_USER_ID}> Revised: {GENTLE}", user=BOB, thread_ts=root["ts"], type="app_mention"
    )
    await slack.post_event(mention)
    await slack.settle()
    replies = posted_in_thread(slack, root["ts"])
    assert len(replies) == 2
    records = await slack.store.thread_reviews(REVIEW_CHANNEL, root["ts"])
    assert [r.version for r in records] == [1, 2]
    assert records[1].review.draft.text == f"Revised: {GENTLE}"
    before, after = (
        records[0].review.risk_level.value.capitalize(),
        records[1].review.risk_level.value.capitalize(),
    )
    assert f"{before} → {after}" in all_text(replies[1])


async def test_question_in_review_thread_gets_an_answer(slack: Harness) -> None:
    answers: list[tuple[str, object]] = []

    async def answer(question, thread):
        answers.append((question, thread))
        return "Because it names a number of viewers: it reads as watching individuals."

    slack.deps.service.answer = answer  # the LLM's answer is the LLM engineer's; the thread is ours
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    slack.fake.add_message(REVIEW_CHANNEL, "Feels a bit mean?", user=BOB, thread_ts=root["ts"])
    question = message_event(
        f"<@{BOT_USER_ID}> why is the number a problem?", user=BOB, thread_ts=root["ts"], type="app_mention"
    )
    await slack.post_event(question)
    await slack.settle()
    replies = posted_in_thread(slack, root["ts"])
    assert len(replies) == 2
    assert "names a number of viewers" in all_text(replies[1])
    ((asked, thread),) = answers
    assert asked == "why is the number a problem?"
    assert thread.draft.text == NETFLIX
    assert any(m.text == "Feels a bit mean?" and m.author == BOB for m in thread.messages)
    assert any(m.author == "redteam" for m in thread.messages), "the review is part of the context"


async def test_mention_outside_review_channel_reviews_in_its_thread(slack: Harness) -> None:
    mention = message_event(f"<@{BOT_USER_ID}> {NETFLIX}", channel=OTHER_CHANNEL, type="app_mention")
    await slack.post_event(mention)
    await slack.settle()
    replies = posted_in_thread(slack, mention["ts"])
    assert len(replies) == 1 and replies[0]["channel"] == OTHER_CHANNEL


async def test_empty_mention_and_files_without_text_get_clear_replies(slack: Harness) -> None:
    empty = message_event(f"<@{BOT_USER_ID}>", channel=OTHER_CHANNEL, type="app_mention")
    image = message_event("", subtype="file_share", files=[{"id": "F1", "name": "poster.png"}])
    await slack.post_event(empty)
    await slack.post_event(image)
    await slack.settle()
    (empty_reply,) = posted_in_thread(slack, empty["ts"])
    assert "Mention me with the post's text" in empty_reply["text"]
    (image_reply,) = posted_in_thread(slack, image["ts"])
    assert "I can only review text" in image_reply["text"]


async def test_edit_rereviews_and_updates_the_reply(slack: Harness) -> None:
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    first = await slack.store.latest_for_draft(REVIEW_CHANNEL, root["ts"])
    assert first is not None
    edited = edit_event(root["ts"], NETFLIX, GENTLE)
    await slack.post_event(edited)
    await slack.post_event(edited, retry_num=1)  # a retry of the edit: still one re-review
    await slack.settle()
    (update,) = slack.fake.ok_calls_to("chat.update")
    assert update.params["ts"] == first.reply_ts and update.params["channel"] == REVIEW_CHANNEL
    assert len(posted_in_thread(slack, root["ts"])) == 1, "the reply is updated, not duplicated"
    latest = await slack.store.latest_for_draft(REVIEW_CHANNEL, root["ts"])
    assert latest is not None and latest.version == 2 and latest.review.draft.text == GENTLE
    assert latest.reply_ts == first.reply_ts


async def test_unfurl_style_change_does_not_rereview(slack: Harness) -> None:
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    same_text = {
        "type": "message",
        "subtype": "message_changed",
        "channel": REVIEW_CHANNEL,
        "ts": unique_ts(),
        "message": {"type": "message", "user": ALICE, "text": NETFLIX, "ts": root["ts"], "attachments": [{}]},
    }
    await slack.post_event(same_text)
    await slack.settle()
    assert slack.fake.calls_to("chat.update") == []


async def test_delete_marks_the_review(slack: Harness) -> None:
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, root["ts"])
    assert rec is not None
    deleted = delete_event(root["ts"], NETFLIX)
    await slack.post_event(deleted)
    await slack.settle()
    (update,) = slack.fake.ok_calls_to("chat.update")
    assert update.params["ts"] == rec.reply_ts
    assert "deleted" in update.params["text"].lower()
    after = await slack.store.latest_for_draft(REVIEW_CHANNEL, root["ts"])
    assert after is not None and after.deleted


async def test_channel_draft_pings_no_one(slack: Harness) -> None:
    # as Slack sends it: markup in <...>, and &, <, > typed by the author as entities
    event = message_event("<!channel> <!here> <@U0CEO0001> you're all fired &amp; rehired &lt;3 &gt; 2")
    await slack.post_event(event)
    await slack.settle()
    (reply,) = posted_in_thread(slack, event["ts"])
    posted = all_text(reply)
    for token in ("<!channel>", "<!here>", "<@U0CEO0001>", "<3"):
        assert token not in posted
    rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, event["ts"])
    assert rec is not None
    assert rec.review.draft.text == "@channel @here @U0CEO0001 you're all fired & rehired <3 > 2"


async def test_review_channel_named_or_by_id(tmp_path: Path) -> None:
    async with running_app(tmp_path, review_channels=f"#social-review, {OTHER_CHANNEL}") as slack:
        for _ in range(3):
            await slack.post_event(message_event(NETFLIX))
        await slack.post_event(message_event(NETFLIX, channel=OTHER_CHANNEL))
        await slack.settle()
        assert len(slack.fake.ok_calls_to("chat.postMessage")) == 4
        # names are resolved once and cached; ids need no lookup
        assert [c.params["channel"] for c in slack.fake.calls_to("conversations.info")] == [REVIEW_CHANNEL]


@pytest.mark.parametrize(
    ("secret", "age"), [("wrong-secret", 0), (None, 60 * 10)], ids=["bad-signature", "stale-timestamp"]
)
async def test_unsigned_requests_get_401_and_no_review(slack: Harness, secret: str | None, age: int) -> None:
    body = json.dumps(event_envelope(message_event(NETFLIX))).encode()
    headers = {
        "Content-Type": "application/json",
        **sign(body, timestamp=int(time.time()) - age, **({"secret": secret} if secret else {})),
    }
    status, _ = await slack.post(body, headers)
    assert status == 401
    await slack.settle()
    assert slack.fake.calls_to("chat.postMessage") == []
    assert slack.fake.calls_to("reactions.add") == []


async def test_url_verification_and_healthz(slack: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    status, text = await slack.post(body, {"Content-Type": "application/json", **sign(body)})
    assert status == 200 and "abc123" in text
    async with slack.http.get(slack.url + "/healthz") as resp:
        assert resp.status == 200 and (await resp.json())["ok"] is True


async def test_question_answered_by_the_real_service_without_an_llm(slack: Harness) -> None:
    root = message_event(NETFLIX)
    await slack.post_event(root)
    await slack.settle()
    question = message_event(
        f"<@{BOT_USER_ID}> should we drop the number?", user=BOB, thread_ts=root["ts"], type="app_mention"
    )
    await slack.post_event(question)
    await slack.settle()
    replies = posted_in_thread(slack, root["ts"])
    assert len(replies) == 2
    assert replies[1]["text"].strip() and "Sorry" not in replies[1]["text"]
