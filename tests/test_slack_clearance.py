""" "Cleared to post" end to end: signed Slack requests to the real app, the fake Slack Web API,
and `redteam audit --format json` reading what was recorded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main
from bot.conversation import clearance as cl
from bot.slack import ids
from tests.fakes.slack_api import BOT_USER_ID, TEAM_ID, FakeSlackAPI
from tests.slack_harness import (
    ALICE,
    BOB,
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    Harness,
    delete_event,
    edit_event,
    message_event,
    running_app,
)

REVISE = "We can see you reading this at 3am. Go to bed!"
SAFE = "Thanks to everyone who watched A Christmas Prince this season. Happy holidays from all of us!"
#: The idea itself is the harm (a tragedy used to sell): "do not post".
DO_NOT_POST = "Never forget. To honour the victims, every mattress is 9/11% off this weekend only."
CAROL = "U0CAROL001"
DAVE = "U0DAVE0001"
COMMS = "S0COMMS001"


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_app(tmp_path) as harness:
        yield harness


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    """action_id -> value of every button in ``blocks``."""
    return {
        e["action_id"]: e.get("value", "")
        for b in blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    }


def shown(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def post_draft(slack: Harness, text: str, *, user: str = ALICE) -> tuple[str, str, str]:
    """Post a draft in the review channel; returns (draft ts, review message ts, review id)."""
    event = message_event(text, user=user)
    await slack.post_event(event)
    await slack.settle()
    post = next(
        c for c in slack.fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == event["ts"]
    )
    rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, event["ts"])
    assert rec is not None and rec.reply_ts is not None
    value = buttons(post.params["blocks"]).get(ids.CLEAR_ACTION_ID)
    assert value == rec.review_id, "the review carries the Cleared to post button"
    return event["ts"], rec.reply_ts, rec.review_id


def click(slack: Harness, user: str, review_id: str, *, name: str, thread: str = "") -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "channel": {"id": REVIEW_CHANNEL},
        "trigger_id": f"trigger.{name}",
        "container": {"type": "message", "channel_id": REVIEW_CHANNEL, "thread_ts": thread},
        "response_url": slack.fake.response_url(name),
        "actions": [
            {
                "action_id": ids.CLEAR_ACTION_ID,
                "block_id": ids.FEEDBACK_BLOCK_ID,
                "value": review_id,
                "type": "button",
                "action_ts": "1",
            }
        ],
    }


def answers(slack: Harness, name: str) -> list[dict[str, Any]]:
    return [c.params for c in slack.fake.calls_to("response_url") if c.path.endswith("/" + name)]


def updates_of(slack: Harness, ts: str) -> list[dict[str, Any]]:
    return [c.params for c in slack.fake.ok_calls_to("chat.update") if c.params.get("ts") == ts]


def audit(
    monkeypatch: pytest.MonkeyPatch, slack: Harness, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    """`redteam audit --format json` over the app's store, by review id."""
    monkeypatch.setenv("REDTEAM_DATABASE_URL", slack.settings.database_url)
    capsys.readouterr()
    assert main(["audit", "--format", "json"]) == 0
    return {row["review_id"]: row for row in json.loads(capsys.readouterr().out)}


def reason_submission(user: str, meta: str, reason: str) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "api_app_id": "A0REDTEAM1",
        "trigger_id": "trigger.reason",
        "view": {
            "id": "V0REASON01",
            "type": "modal",
            "callback_id": ids.CLEAR_REASON_MODAL_CALLBACK_ID,
            "private_metadata": meta,
            "state": {
                "values": {
                    ids.CLEAR_REASON_BLOCK_ID: {
                        ids.CLEAR_REASON_ACTION_ID: {"type": "plain_text_input", "value": reason}
                    }
                }
            },
        },
    }


async def test_author_refused_teammate_clears_double_click_once_edit_voids(
    slack: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    draft_ts, reply_ts, review_id = await post_draft(slack, REVISE)

    # The author is refused, privately, with the reason.
    await slack.post_interaction(click(slack, ALICE, review_id, name="alice"))
    await slack.settle()
    (refusal,) = answers(slack, "alice")
    assert refusal["response_type"] == "ephemeral" and refusal["replace_original"] is False
    assert "your own draft" in refusal["text"]
    assert updates_of(slack, reply_ts) == []

    # A teammate clears: the review updates in place, naming them, and the button is gone.
    await slack.post_interaction(click(slack, BOB, review_id, name="bob"))
    await slack.settle()
    (update,) = updates_of(slack, reply_ts)
    assert update["channel"] == REVIEW_CHANNEL
    text = shown(update["blocks"])
    assert f"Cleared to post* by <@{BOB}>" in text and "version 1" in text and "<!date^" in text
    assert ids.CLEAR_ACTION_ID not in buttons(update["blocks"])
    assert ids.FEEDBACK_HELPFUL_ACTION_ID in buttons(update["blocks"])
    assert answers(slack, "bob") == [], "the updated review is the answer"

    # A double click changes nothing and says so privately.
    await slack.post_interaction(click(slack, BOB, review_id, name="bob2"))
    await slack.settle()
    (again,) = answers(slack, "bob2")
    assert "already cleared" in again["text"]
    assert len(updates_of(slack, reply_ts)) == 1

    # An edit voids it; the review is redone and asks for a new clearance.
    edited = edit_event(draft_ts, REVISE, SAFE)
    await slack.post_event(edited)
    await slack.settle()
    redone = updates_of(slack, reply_ts)[-1]
    assert "Edited after clearance" in shown(redone["blocks"])
    assert "Cleared to post* by" not in shown(redone["blocks"])
    new_id = buttons(redone["blocks"])[ids.CLEAR_ACTION_ID]
    assert new_id != review_id

    rows = audit(monkeypatch, slack, capsys)
    first = rows[review_id]
    assert first["workspace"] == TEAM_ID and first["author"] == ALICE and first["version"] == 1
    assert first["clearance"]["cleared_by"] == BOB
    assert first["clearance"]["voided_at"] and first["clearance"]["void_reason"] == cl.EDITED
    second = rows[new_id]
    assert second["version"] == 2 and second["clearance"] is None and second["workspace"] == TEAM_ID


async def test_two_approvers_at_once_one_is_recorded_the_other_told_who(
    slack: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, reply_ts, review_id = await post_draft(slack, REVISE)
    await asyncio.gather(
        slack.post_interaction(click(slack, BOB, review_id, name="bob")),
        slack.post_interaction(click(slack, CAROL, review_id, name="carol")),
    )
    await slack.settle()
    told = answers(slack, "bob") + answers(slack, "carol")
    assert len(told) == 1, "only the one who came second hears about it"
    winner = audit(monkeypatch, slack, capsys)[review_id]["clearance"]["cleared_by"]
    assert winner in (BOB, CAROL)
    assert "cleared this version first" in told[0]["text"] and f"<@{winner}>" in shown(told[0]["blocks"])
    assert len(updates_of(slack, reply_ts)) == 1


async def test_do_not_post_needs_a_reason_in_a_modal(
    slack: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, reply_ts, review_id = await post_draft(slack, DO_NOT_POST)
    await slack.post_interaction(click(slack, BOB, review_id, name="bob"))
    await slack.settle()
    (opened,) = slack.fake.calls_to("views.open")
    assert opened.params["trigger_id"] == "trigger.bob"
    view = opened.params["view"]
    assert view["callback_id"] == ids.CLEAR_REASON_MODAL_CALLBACK_ID
    assert await slack.store.clearance(review_id) is None, "nothing is recorded before the reason"

    # An empty reason keeps the modal open with the reason why.
    status, body = await slack.post_interaction(reason_submission(BOB, view["private_metadata"], "  "))
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    await slack.settle()
    assert await slack.store.clearance(review_id) is None

    reason = "Legal approved it <!channel> @here"
    status, body = await slack.post_interaction(reason_submission(BOB, view["private_metadata"], reason))
    assert status == 200 and body == ""
    await slack.settle()
    (update,) = updates_of(slack, reply_ts)
    text = shown(update["blocks"])
    assert f"<@{BOB}>" in text and "Legal approved it" in text
    assert "<!channel>" not in text, "the reason can't ping anyone"
    assert audit(monkeypatch, slack, capsys)[review_id]["clearance"]["reason"] == reason


async def test_a_reason_from_the_author_is_still_refused_ephemerally(slack: Harness) -> None:
    _, reply_ts, review_id = await post_draft(slack, DO_NOT_POST)
    meta = json.dumps({"review": review_id, "channel": REVIEW_CHANNEL, "thread": ""})
    await slack.post_interaction(reason_submission(ALICE, meta, "I say so"))
    await slack.settle()
    (told,) = slack.fake.ok_calls_to("chat.postEphemeral")
    assert told.params["user"] == ALICE and "your own draft" in told.params["text"]
    assert updates_of(slack, reply_ts) == []


async def test_approvers_by_user_id_and_user_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review"}, usergroups={COMMS: [CAROL]}).start()
    try:
        async with running_app(tmp_path, fake=fake, approvers=f"{DAVE},{COMMS}") as slack:
            _, _, review_id = await post_draft(slack, REVISE)
            await slack.post_interaction(click(slack, BOB, review_id, name="bob"))
            await slack.settle()
            (refusal,) = answers(slack, "bob")
            assert "approvers" in refusal["text"]
            assert await slack.store.clearance(review_id) is None

            await slack.post_interaction(click(slack, CAROL, review_id, name="carol"))
            await slack.settle()
            assert answers(slack, "carol") == []
            (lookup,) = fake.calls_to("usergroups.users.list")
            assert lookup.params["usergroup"] == COMMS

            _, _, other = await post_draft(slack, REVISE)
            await slack.post_interaction(click(slack, DAVE, other, name="dave"))
            await slack.settle()
            rows = audit(monkeypatch, slack, capsys)
            assert rows[review_id]["clearance"]["cleared_by"] == CAROL
            assert rows[other]["clearance"]["cleared_by"] == DAVE
    finally:
        fake.stop()


async def test_a_user_group_slack_will_not_list_refuses_plainly(tmp_path: Path) -> None:
    async with running_app(tmp_path, approvers=COMMS) as slack:
        slack.fake.fail_next("usergroups.users.list", "missing_scope")
        _, _, review_id = await post_draft(slack, REVISE)
        await slack.post_interaction(click(slack, CAROL, review_id, name="carol"))
        await slack.settle()
        (told,) = answers(slack, "carol")
        assert told["text"] == cl.APPROVERS_UNKNOWN
        assert await slack.store.clearance(review_id) is None


async def test_block_do_not_post_removes_the_button_and_refuses(tmp_path: Path) -> None:
    async with running_app(tmp_path, block_do_not_post=True) as slack:
        event = message_event(DO_NOT_POST)
        await slack.post_event(event)
        await slack.settle()
        (post,) = [
            c for c in slack.fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == event["ts"]
        ]
        assert ids.CLEAR_ACTION_ID not in buttons(post.params["blocks"])
        assert "can't be cleared to post" in shown(post.params["blocks"])
        rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, event["ts"])
        assert rec is not None
        # A click from an old message (or a forged one) is refused too.
        await slack.post_interaction(click(slack, BOB, rec.review_id, name="bob"))
        await slack.settle()
        (told,) = answers(slack, "bob")
        assert "REDTEAM_BLOCK_DO_NOT_POST" in told["text"]
        assert slack.fake.calls_to("views.open") == []
        assert await slack.store.clearance(rec.review_id) is None


async def test_no_button_outside_review_channels_nor_on_private_reviews(slack: Harness) -> None:
    await slack.post_command(REVISE)
    await slack.settle()
    (reply,) = answers(slack, "command")
    assert ids.SHARE_ACTION_ID in buttons(reply["blocks"])
    assert ids.CLEAR_ACTION_ID not in buttons(reply["blocks"])

    mention = message_event(f"<@{BOT_USER_ID}> {REVISE}", channel=OTHER_CHANNEL, type="app_mention")
    await slack.post_event(mention)
    await slack.settle()
    (post,) = [
        c for c in slack.fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == mention["ts"]
    ]
    assert ids.FEEDBACK_HELPFUL_ACTION_ID in buttons(post.params["blocks"])
    assert ids.CLEAR_ACTION_ID not in buttons(post.params["blocks"])


async def test_a_deleted_draft_keeps_its_clearance_in_the_audit(
    slack: Harness, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    draft_ts, _, review_id = await post_draft(slack, REVISE)
    await slack.post_interaction(click(slack, BOB, review_id, name="bob"))
    await slack.settle()
    deleted = delete_event(draft_ts, REVISE)
    await slack.post_event(deleted)
    await slack.settle()
    rec = await slack.store.get_review(review_id)
    assert rec is not None and rec.review.draft.text == ""
    row = audit(monkeypatch, slack, capsys)[review_id]
    assert row["deleted"] is True and row["clearance"]["cleared_by"] == BOB and row["text_sha256"]
    await slack.post_interaction(click(slack, CAROL, review_id, name="carol"))
    await slack.settle()
    (told,) = answers(slack, "carol")
    assert "deleted" in told["text"]


async def test_nobody_who_wrote_a_version_clears_a_revision_and_its_delta_line_stays(
    slack: Harness,
) -> None:
    """Alice posts a draft, Bob posts a revision of it in the thread: neither may clear the
    revision (each wrote a version of it); Carol may, and the review updated in place still
    opens with what changed since Alice's version."""
    root, _reply, _first_id = await post_draft(slack, REVISE, user=ALICE)
    revision = message_event(
        f"<@{BOT_USER_ID}> Revised: {SAFE}", user=BOB, thread_ts=root, type="app_mention"
    )
    await slack.post_event(revision)
    await slack.settle()
    rec = await slack.store.latest_for_draft(REVIEW_CHANNEL, revision["ts"])
    assert rec is not None and rec.version == 2 and rec.reply_ts is not None
    (posted,) = [
        c.params
        for c in slack.fake.ok_calls_to("chat.postMessage")
        if c.params.get("text", "").startswith("Revised")
    ]
    assert "Revised draft" in shown(posted["blocks"])

    for author, name in ((ALICE, "by-alice"), (BOB, "by-bob")):
        await slack.post_interaction(click(slack, author, rec.review_id, name=name, thread=root))
        await slack.settle()
        (answer,) = answers(slack, name)
        assert cl.OWN_DRAFT in answer["text"], author
    assert updates_of(slack, rec.reply_ts) == []
    assert await slack.store.clearance(rec.review_id) is None

    await slack.post_interaction(click(slack, CAROL, rec.review_id, name="by-carol", thread=root))
    await slack.settle()
    cleared = await slack.store.clearance(rec.review_id)
    assert cleared is not None and cleared.cleared_by == CAROL
    (update,) = updates_of(slack, rec.reply_ts)
    assert "Cleared to post" in shown(update["blocks"])
    assert "Revised draft" in shown(update["blocks"]), "the delta line is kept"
    assert "Revised draft: Medium → None" in update["text"]
