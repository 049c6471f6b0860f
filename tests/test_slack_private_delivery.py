"""Sharing a review and private (ephemeral) reviews under Slack's faults, through the real app
over signed HTTP against the fake Slack Web API.

A share is a top-level post: paced, retried after a 429, and after a failure that may have
landed (a 500 after Slack stored it, a garbled answer) looked for before any retry, so the
channel gets it once. An ephemeral message cannot be read back, so a failure that may have
landed is never retried blindly: the person is told instead; a 429 (nothing posted) is retried.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.slack import ids
from bot.slack.ephemeral import MAYBE_SHOWN
from tests.drafts import NETFLIX
from tests.fakes.slack_api import TEAM_ID
from tests.slack_harness import ALICE, OTHER_CHANNEL, Harness, running_app

MAYBE = MAYBE_SHOWN.split("(")[0].strip()


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_app(tmp_path) as harness:
        yield harness


def responses(h: Harness, name: str) -> list[dict[str, Any]]:
    return [c.params for c in h.fake.calls_to("response_url") if c.path.endswith("/" + name)]


async def private_review_id(slack: Harness) -> str:
    await slack.post_command(NETFLIX)
    await slack.settle()
    (reply,) = responses(slack, "command")
    return next(
        e["value"]
        for b in reply["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.SHARE_ACTION_ID
    )


def share_click(slack: Harness, review_id: str) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": ALICE},
        "channel": {"id": OTHER_CHANNEL},
        "trigger_id": "t",
        "container": {"type": "message"},
        "response_url": slack.fake.response_url("share"),
        "actions": [
            {
                "action_id": ids.SHARE_ACTION_ID,
                "block_id": ids.FEEDBACK_BLOCK_ID,
                "value": review_id,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


def shared_in(slack: Harness) -> list[dict[str, Any]]:
    """Top-level messages the bot has in the channel (whatever Slack answered it)."""
    return [
        m
        for m in slack.fake.messages
        if m["channel"] == OTHER_CHANNEL and m.get("bot_id") and not m.get("thread_ts")
    ]


@pytest.mark.parametrize("fault", ["429", "500-after-write", "garbage"])
async def test_a_share_reaches_the_channel_once_whatever_slack_answers(slack: Harness, fault: str) -> None:
    review_id = await private_review_id(slack)
    if fault == "429":
        slack.fake.rate_limit_next("chat.postMessage", retry_after=1)
    elif fault == "500-after-write":
        slack.fake.server_error_after_storing_next("chat.postMessage")
    else:
        slack.fake.garbage_next("chat.postMessage")
    await slack.post_interaction(share_click(slack, review_id))
    await slack.settle(timeout=15)
    (answer,) = responses(slack, "share")
    if fault == "garbage":
        # Not Slack's answer at all: not retried, and said plainly to the person who shared.
        assert shared_in(slack) == []
        assert answer["text"].startswith("Sorry") and answer["response_type"] == "ephemeral"
        return
    assert len(shared_in(slack)) == 1, "posted once, however the first try ended"
    last = slack.fake.calls_to("chat.postMessage")[-1]
    assert ALICE in json.dumps(last.params["blocks"]), "says who shared"
    looked = slack.fake.calls_to("conversations.history")
    if fault == "429":
        assert len(slack.fake.calls_to("chat.postMessage")) == 2, "tried again after Retry-After"
    else:
        assert looked, "looked for the first try before trying again"
        assert len(slack.fake.calls_to("chat.postMessage")) == 1, "found it: not posted again"
    assert answer.get("delete_original") is True


def modal_submission(meta: str) -> dict[str, Any]:
    return {
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
                }
            },
        },
    }


@pytest.mark.parametrize("fault", ["429", "500-after-write", "garbage"])
async def test_a_private_review_is_never_shown_twice_and_a_doubt_is_told(slack: Harness, fault: str) -> None:
    if fault == "429":
        slack.fake.rate_limit_next("chat.postEphemeral", retry_after=1)
    elif fault == "500-after-write":
        slack.fake.server_error_after_storing_next("chat.postEphemeral")
    else:
        slack.fake.garbage_next("chat.postEphemeral")
    meta = json.dumps({"channel": OTHER_CHANNEL, "user": ALICE})
    status, _ = await slack.post_interaction(modal_submission(meta))
    assert status == 200
    await slack.settle(timeout=15)
    tries = slack.fake.calls_to("chat.postEphemeral")
    dms = [c.params for c in slack.fake.ok_calls_to("chat.postMessage") if c.params["channel"] == ALICE]
    if fault == "429":
        assert len(tries) == 2 and tries[-1].status == 200, "a 429 showed nothing: tried again"
        assert dms == []
    else:
        assert len(tries) == 1, "it may have been shown: never tried blindly again"
        (dm,) = dms
        assert dm["text"].startswith(MAYBE), "told plainly, in a DM"
        assert "Do not post" not in dm["text"] and "Revise" not in dm["text"], "the notice, not the review"
