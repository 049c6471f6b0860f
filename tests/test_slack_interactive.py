"""/redteam, the modal, the message shortcut and the review's buttons, over signed HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.slack import ids
from tests.drafts import NETFLIX
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID
from tests.slack_harness import (
    ALICE,
    BOB,
    OTHER_CHANNEL,
    Harness,
    message_event,
    running_app,
    unique_ts,
    wait_for,
)


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_app(tmp_path) as harness:
        yield harness


def responses(h: Harness, name: str) -> list[dict[str, Any]]:
    return [c.params for c in h.fake.calls_to("response_url") if c.path.endswith("/" + name)]


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e.get("action_id") for b in blocks if b.get("type") == "actions" for e in b.get("elements", [])]


async def test_command_with_text_acks_at_once_then_responds_ephemerally(slack: Harness) -> None:
    status, body = await slack.post_command(NETFLIX)
    assert status == 200
    assert json.loads(body) == {"text": "Reviewing… :eyes:", "response_type": "ephemeral"}
    await slack.settle()
    (reply,) = responses(slack, "command")
    assert reply["response_type"] == "ephemeral"
    assert ids.SHARE_ACTION_ID in action_ids(reply["blocks"])
    assert slack.fake.calls_to("chat.postMessage") == [], "nothing is posted in the channel"


async def test_command_help_explains(slack: Harness) -> None:
    status, body = await slack.post_command("help")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_type"] == "ephemeral"
    assert "/redteam" in json.dumps(answer)
    await slack.settle()
    assert responses(slack, "command") == []


async def test_command_without_text_opens_the_modal_and_submission_reviews(slack: Harness) -> None:
    status, _ = await slack.post_command("", channel=OTHER_CHANNEL)
    assert status == 200
    await slack.settle()
    (opened,) = slack.fake.calls_to("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == ids.DRAFT_MODAL_CALLBACK_ID
    meta = view["private_metadata"]

    submission = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": ALICE},
        "api_app_id": "A0REDTEAM1",
        "trigger_id": "trigger.modal",
        "view": {
            "id": "V0MODAL001",
            "type": "modal",
            "callback_id": ids.DRAFT_MODAL_CALLBACK_ID,
            "private_metadata": meta,
            "state": {
                "values": {
                    ids.DRAFT_BLOCK_ID: {ids.DRAFT_ACTION_ID: {"type": "plain_text_input", "value": NETFLIX}},
                    ids.PLATFORM_BLOCK_ID: {
                        ids.PLATFORM_ACTION_ID: {
                            "type": "static_select",
                            "selected_option": {"value": "twitter"},
                        }
                    },
                    ids.NOTES_BLOCK_ID: {ids.NOTES_ACTION_ID: {"type": "plain_text_input", "value": None}},
                }
            },
        },
    }
    status, body = await slack.post_interaction(submission)
    assert status == 200 and body == ""
    await slack.settle()
    (ephemeral,) = slack.fake.ok_calls_to("chat.postEphemeral")
    assert ephemeral.params["channel"] == OTHER_CHANNEL and ephemeral.params["user"] == ALICE
    review_id = next(
        e["value"]
        for b in ephemeral.params["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.SHARE_ACTION_ID
    )
    rec = await slack.store.get_review(review_id)
    assert rec is not None
    assert rec.review.draft.text == NETFLIX and rec.review.draft.platform == "twitter"
    assert rec.review.draft.notes is None


async def test_empty_modal_submission_keeps_the_modal_open_with_a_reason(slack: Harness) -> None:
    submission = {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": ALICE},
        "view": {
            "id": "V0MODAL002",
            "type": "modal",
            "callback_id": ids.DRAFT_MODAL_CALLBACK_ID,
            "private_metadata": "",
            "state": {
                "values": {
                    ids.DRAFT_BLOCK_ID: {ids.DRAFT_ACTION_ID: {"type": "plain_text_input", "value": "   "}}
                }
            },
        },
    }
    status, body = await slack.post_interaction(submission)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors" and "empty" in answer["errors"][ids.DRAFT_BLOCK_ID]


def shortcut_payload(h: Harness, text: str, *, channel: str = OTHER_CHANNEL, ts: str | None = None) -> dict:
    ts = ts or unique_ts()
    return {
        "type": "message_action",
        "callback_id": ids.MESSAGE_SHORTCUT_CALLBACK_ID,
        "trigger_id": "trigger.shortcut",
        "team": {"id": TEAM_ID, "domain": "fake"},
        "user": {"id": BOB, "name": "bob"},
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "user": ALICE, "text": text, "ts": ts},
        "message_ts": ts,
        "response_url": h.fake.response_url("shortcut"),
    }


async def test_shortcut_reviews_into_the_messages_thread(slack: Harness) -> None:
    payload = shortcut_payload(slack, NETFLIX)
    status, _ = await slack.post_interaction(payload)
    assert status == 200
    await slack.settle()
    (post,) = slack.fake.ok_calls_to("chat.postMessage")
    assert post.params["channel"] == OTHER_CHANNEL and post.params["thread_ts"] == payload["message_ts"]
    rec = await slack.store.latest_for_draft(OTHER_CHANNEL, payload["message_ts"])
    assert rec is not None and rec.reply_ts == (await wait_for(lambda: slack.fake.messages))[-1]["ts"]


async def test_shortcut_where_the_bot_is_not_a_member_answers_ephemerally_with_invite(slack: Harness) -> None:
    slack.fake.not_in.add(OTHER_CHANNEL)
    payload = shortcut_payload(slack, NETFLIX)
    await slack.post_interaction(payload)
    await slack.settle()
    assert slack.fake.ok_calls_to("chat.postMessage") == []
    assert slack.fake.calls_to("chat.postEphemeral"), "tried ephemeral first"
    (reply,) = responses(slack, "shortcut")
    assert reply["response_type"] == "ephemeral"
    assert "/invite @redteam" in reply["text"]
    assert reply["blocks"], "the review itself is shown too"
    assert len(reply["blocks"]) <= 50


async def test_shortcut_review_refused_with_429_is_posted_once_after_the_pause(slack: Harness) -> None:
    slack.fake.rate_limit_next("chat.postMessage", count=2, retry_after=1)
    payload = shortcut_payload(slack, NETFLIX)
    await slack.post_interaction(payload)
    await wait_for(lambda: slack.fake.ok_calls_to("chat.postMessage"), timeout=15)
    await slack.settle()
    (post,) = slack.fake.ok_calls_to("chat.postMessage")
    assert post.params["thread_ts"] == payload["message_ts"]
    assert "Christmas Prince" in json.dumps(post.params) and "Sorry" not in post.params["text"]
    assert len(slack.fake.calls_to("chat.postMessage")) == 3


async def test_shortcut_review_stored_before_a_500_is_not_posted_twice(slack: Harness) -> None:
    slack.fake.server_error_after_storing_next("chat.postMessage")
    payload = shortcut_payload(slack, NETFLIX)
    await slack.post_interaction(payload)
    await wait_for(lambda: len(slack.fake.calls_to("conversations.replies")) >= 1, timeout=15)
    await slack.settle()
    posted = slack.fake.posts_in(OTHER_CHANNEL, payload["message_ts"])
    assert len(posted) == 1 and "Christmas Prince" in json.dumps(posted[0])
    rec = await slack.store.latest_for_draft(OTHER_CHANNEL, payload["message_ts"])
    assert rec is not None and rec.reply_ts == posted[0]["ts"]


async def test_feedback_clicks_are_recorded_once_per_person(slack: Harness) -> None:
    await slack.post_command(NETFLIX)
    await slack.settle()
    (reply,) = responses(slack, "command")
    review_id = next(
        e["value"]
        for b in reply["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.FEEDBACK_HELPFUL_ACTION_ID
    )

    def click(user: str, action_id: str) -> dict:
        return {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": user},
            "channel": {"id": OTHER_CHANNEL},
            "trigger_id": "t",
            "container": {"type": "message"},
            "response_url": slack.fake.response_url("button"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": ids.FEEDBACK_BLOCK_ID,
                    "value": review_id,
                    "type": "button",
                    "action_ts": "1",
                }
            ],
        }

    for user, action_id in [
        (ALICE, ids.FEEDBACK_NOT_HELPFUL_ACTION_ID),
        (BOB, ids.FEEDBACK_HELPFUL_ACTION_ID),
        (ALICE, ids.FEEDBACK_HELPFUL_ACTION_ID),
    ]:  # Alice changed her mind
        await slack.post_interaction(click(user, action_id))
        await slack.settle()  # clicks are handled concurrently; keep their order for the test
    assert await slack.store.feedback_counts(review_id) == (2, 0)
    assert len(responses(slack, "button")) == 3

    # Share in channel: posts the review for everyone and removes the ephemeral one
    share = click(ALICE, ids.SHARE_ACTION_ID)
    await slack.post_interaction(share)
    await slack.settle()
    (post,) = slack.fake.ok_calls_to("chat.postMessage")
    assert post.params["channel"] == OTHER_CHANNEL and "thread_ts" not in post.params
    assert ALICE in json.dumps(post.params["blocks"]), "says who shared it"
    assert responses(slack, "button")[-1]["delete_original"] is True


async def test_a_shared_review_starts_a_review_thread(slack: Harness) -> None:
    await slack.post_command(NETFLIX)
    await slack.settle()
    (reply,) = responses(slack, "command")
    review_id = next(
        e["value"]
        for b in reply["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.SHARE_ACTION_ID
    )
    await slack.post_interaction(
        {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "user": {"id": ALICE},
            "channel": {"id": OTHER_CHANNEL},
            "trigger_id": "t",
            "container": {"type": "message"},
            "response_url": slack.fake.response_url("button"),
            "actions": [
                {"action_id": ids.SHARE_ACTION_ID, "value": review_id, "type": "button", "action_ts": "1"}
            ],
        }
    )
    await slack.settle()
    (shared,) = slack.fake.ok_calls_to("chat.postMessage")
    shared_ts = slack.fake.messages[-1]["ts"]
    assert shared.params["channel"] == OTHER_CHANNEL

    revision = message_event(
        f"<@{BOT_USER_ID}> Revised: Thanks for watching with us this season!",
        channel=OTHER_CHANNEL,
        user=BOB,
        thread_ts=shared_ts,
        type="app_mention",
    )
    await slack.post_event(revision)
    await slack.settle()
    rereview = [
        c.params for c in slack.fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == shared_ts
    ]
    assert len(rereview) == 1
    assert "→" in rereview[0]["text"] + json.dumps(rereview[0]["blocks"], ensure_ascii=False)
