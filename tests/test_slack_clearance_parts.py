"""The Slack pieces of clearance on their own: the lines a review shows, the private answer, the
reason modal, and the user-group lookup with its short cache (against the fake Slack API)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.clearance import ClearanceReply, ReplyKind
from bot.conversation.outcomes import ClearanceState
from bot.review.models import Draft
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.slack import ids
from bot.slack.blocks_clearance import (
    clear_reason_modal,
    clearance_fallback,
    clearance_text,
    render_clearance_reply,
)
from bot.slack.render import render_review
from bot.slack.usergroups import SlackUserGroups
from tests.fakes.slack_api import FakeSlackAPI

AT = datetime(2026, 11, 3, 14, 2, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(usergroups={"S0COMMS001": ["U0CAROL001"]}) as api:
        yield api


def test_the_cleared_line_names_the_approver_the_time_and_the_version() -> None:
    state = ClearanceState(version=2, cleared_by="U0BOB00001", cleared_at=AT)
    line = clearance_text(state)
    assert "by <@U0BOB00001>" in line and "version 2" in line
    assert f"<!date^{int(AT.timestamp())}^" in line and "|2026-11-03 14:02 UTC>" in line
    assert clearance_fallback(state) == "Cleared to post by <@U0BOB00001>, version 2."


def test_a_reason_and_an_unknown_id_are_shown_literally() -> None:
    state = ClearanceState(
        version=1,
        cleared_by="<!here> 29:abc",
        cleared_at=AT,
        reason="ok <!channel> @everyone\nsee <https://x|y>",
    )
    line = clearance_text(state)
    assert "<!here>" not in line and "<!channel>" not in line and "<https" not in line
    assert "&lt;!channel&gt;" in line and "@\u200deveryone" in line
    assert "\n" in line and line.count("\n") == 1, "the reason is one line under the clearance"


def test_edited_and_blocked_lines() -> None:
    assert "Edited after clearance" in clearance_text(ClearanceState(version=2, edited_after_clearance=True))
    blocked = ClearanceState(version=1, needs_reason=True, blocked=True)
    assert "can't be cleared" in clearance_text(blocked) and not blocked.offers_button
    assert clearance_text(ClearanceState(version=1)) == ""


async def test_the_button_follows_the_state() -> None:
    service = ReviewService(Settings(_env_file=None, OPENAI_API_KEY=None), offline_only=True)
    review = await service.review(Draft(text="We can see you reading this at 3am. Go to bed!"))

    def clear_buttons(**kwargs: object) -> list[str]:
        msg = render_review(review, review_id="r1", **kwargs)  # type: ignore[arg-type]
        return [
            e["action_id"]
            for b in msg.blocks
            if b["type"] == "actions"
            for e in b["elements"]
            if e["action_id"] == ids.CLEAR_ACTION_ID
        ]

    assert clear_buttons() == []  # no clearance state: clearance does not apply here
    assert clear_buttons(clearance=ClearanceState(version=1)) == [ids.CLEAR_ACTION_ID]
    assert clear_buttons(clearance=ClearanceState(version=1), ephemeral=True) == []
    cleared = ClearanceState(version=1, cleared_by="U0BOB00001", cleared_at=AT)
    assert clear_buttons(clearance=cleared) == []
    msg = render_review(review, review_id="r1", clearance=cleared)
    assert msg.text.startswith("Cleared to post by <@U0BOB00001>")


def test_the_private_answer_says_who_was_first() -> None:
    first = ClearanceState(version=1, cleared_by="U0BOB00001", cleared_at=AT)
    msg = render_clearance_reply(
        ClearanceReply(ReplyKind.taken, "Someone else cleared this version first.", first)
    )
    assert "<@U0BOB00001>" in json.dumps(msg.blocks)
    plain = render_clearance_reply(ClearanceReply(ReplyKind.refused, "No <!channel> here"))
    assert "<!channel>" not in json.dumps(plain.blocks) + plain.text


def test_the_reason_modal_requires_text_and_carries_its_metadata() -> None:
    view = clear_reason_modal(json.dumps({"review": "r1"}))
    assert view["callback_id"] == ids.CLEAR_REASON_MODAL_CALLBACK_ID
    (reason,) = [b for b in view["blocks"] if b.get("block_id") == ids.CLEAR_REASON_BLOCK_ID]
    assert reason["element"]["action_id"] == ids.CLEAR_REASON_ACTION_ID
    assert reason["element"]["min_length"] == 1 and not reason.get("optional", False)
    assert json.loads(view["private_metadata"]) == {"review": "r1"}
    with pytest.raises(ValueError):
        clear_reason_modal("x" * 3001)


async def test_user_groups_are_read_once_within_their_ttl(fake: FakeSlackAPI) -> None:
    now = [100.0]
    groups = SlackUserGroups(
        AsyncWebClient(token="xoxb-t", base_url=fake.base_url), ttl=60, clock=lambda: now[0]
    )
    assert groups.is_group("S0COMMS001") and not groups.is_group("U0CAROL001")
    assert not groups.is_group("C0REVIEW01")
    assert await groups.members("S0COMMS001") == {"U0CAROL001"}
    assert await groups.members("S0COMMS001") == {"U0CAROL001"}
    assert len(fake.calls_to("usergroups.users.list")) == 1
    fake.usergroups["S0COMMS001"] = ["U0DAVE0001"]
    now[0] += 61
    assert await groups.members("S0COMMS001") == {"U0DAVE0001"}, "a change reaches the bot after the ttl"
    assert len(fake.calls_to("usergroups.users.list")) == 2


async def test_a_failed_group_lookup_raises_and_is_not_cached(fake: FakeSlackAPI) -> None:
    groups = SlackUserGroups(AsyncWebClient(token="xoxb-t", base_url=fake.base_url))
    with pytest.raises(SlackApiError):
        await groups.members("S0NOSUCH01")
    fake.usergroups["S0NOSUCH01"] = ["U1"]
    assert await groups.members("S0NOSUCH01") == {"U1"}
