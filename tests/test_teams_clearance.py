""" "Cleared to post" in Teams end to end: the SDK's real endpoint with real JWTs, the fake Bot
Connector, and `redteam audit --format json` reading what was recorded."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli.main import main
from bot.conversation import clearance as cl
from bot.teams.cards import CLEAR_VERB, CLEAR_WITH_REASON_VERB, REASON_INPUT
from tests.fakes.bot_connector import FakeBotConnector
from tests.teams_harness import (
    ALICE,
    REVIEW_CHANNEL,
    TENANT_ID,
    Identity,
    Server,
    card_action_invoke,
    channel_post,
    message_edit,
    running_server,
)

REVISE = "We can see you reading this at 3am. Go to bed!"
#: The idea itself is the harm (a tragedy used to sell): "do not post".
DO_NOT_POST = "Never forget. To honour the victims, every mattress is 9/11% off this weekend only."
BOB = {"id": "29:1bob", "name": "Bob", "aadObjectId": "bbbbbbbb-0000-0000-0000-000000000002"}
CAROL = {"id": "29:1carol", "name": "Carol", "aadObjectId": "cccccccc-0000-0000-0000-000000000003"}



def thread_of(root: str) -> str:
    return f"{REVIEW_CHANNEL};messageid={root}"


def card_of(connector: FakeBotConnector, activity_id: str) -> dict[str, Any]:
    """The card the message ``activity_id`` shows now (after any updates)."""
    _, body = connector.messages[activity_id]
    card: dict[str, Any] = body["attachments"][0]["content"]
    return card


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def clear_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in card.get("actions") or [] if a.get("verb") == CLEAR_VERB]


def updates(connector: FakeBotConnector, root: str, card_id: str) -> int:
    return len([c for c in connector.calls if c.conversation_id == thread_of(root) and c.kind == "update"
                and c.status < 300 and c.activity_id == card_id])


async def review_of(server: Server, text: str) -> tuple[str, str, str]:
    """Alice posts ``text`` in the review channel: (her post's id, the card's id, the review id),
    checking the card carries *Cleared to post* for that review."""
    connector = server.identity.connector
    post = channel_post(connector, text)
    assert (await server.post(post))[0] == 200
    await server.settle()
    [card_id] = [i for i, (c, _) in connector.messages.items() if c == thread_of(post["id"])]
    rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
    assert rec is not None
    assert rec.user_id == ALICE["aadObjectId"] and rec.workspace == TENANT_ID
    [button] = clear_buttons(card_of(connector, card_id))
    assert button["data"] == {"reviewId": rec.review_id} and button["type"] == "Action.Execute"
    return post["id"], card_id, rec.review_id


async def click(server: Server, who: dict[str, str], root: str, card_id: str, review_id: str, *,
                verb: str = CLEAR_VERB, reason: str | None = None) -> dict[str, Any]:
    """``who`` presses the button; returns the invoke's answer as Teams receives it."""
    data: dict[str, Any] = {"reviewId": review_id}
    if reason is not None:
        data[REASON_INPUT] = reason
    invoke = card_action_invoke(server.identity.connector, card_id, verb, data, root=root)
    invoke["from"] = who
    status, body = await server.post(invoke)
    assert status == 200
    answer: dict[str, Any] = json.loads(body)
    return answer


def told(answer: dict[str, Any]) -> str:
    """What the clicker alone is shown: a message, or a card's text."""
    value = answer["value"]
    return value if isinstance(value, str) else text_of(value)


def audit(
    monkeypatch: pytest.MonkeyPatch, server: Server, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    monkeypatch.setenv("REDTEAM_DATABASE_URL", server.runtime.settings.database_url)
    capsys.readouterr()
    assert main(["audit", "--format", "json"]) == 0
    return {row["review_id"]: row for row in json.loads(capsys.readouterr().out)}


async def test_author_is_refused_and_a_teammate_clears_once(
    ident: Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root, card_id, review_id = await review_of(server, REVISE)
        before = updates(connector, root, card_id)

        answer = await click(server, ALICE, root, card_id, review_id)
        assert "can't clear your own draft" in told(answer)
        await server.settle()
        assert updates(connector, root, card_id) == before, "a refusal changes nobody's card"
        assert await server.store.clearance(review_id) is None

        answer = await click(server, BOB, root, card_id, review_id)
        assert answer["type"] == "application/vnd.microsoft.activity.message"
        assert "Cleared to post" in answer["value"]
        await server.settle()
        card = card_of(connector, card_id)
        assert "Cleared to post by Bob" in text_of(card) and "version 1" in text_of(card)
        assert " UTC" in text_of(card)
        assert not clear_buttons(card), "a cleared version offers no button"
        assert updates(connector, root, card_id) == before + 1

        # Again, and by someone else: one record, and the latecomer hears who was first.
        assert "already cleared" in told(await click(server, BOB, root, card_id, review_id))
        late = told(await click(server, CAROL, root, card_id, review_id))
        assert "cleared this version first" in late and "Cleared to post by Bob" in late
        await server.settle()
        assert updates(connector, root, card_id) == before + 1

        row = audit(monkeypatch, server, capsys)[review_id]
        assert row["workspace"] == TENANT_ID and row["author"] == ALICE["aadObjectId"]
        assert row["clearance"]["cleared_by"] == BOB["aadObjectId"] and row["clearance"]["reason"] is None


async def test_two_approvers_at_once_leave_one_clearance(ident: Identity, tmp_path: Path) -> None:
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root, card_id, review_id = await review_of(server, REVISE)
        before = updates(connector, root, card_id)
        answers = await asyncio.gather(click(server, BOB, root, card_id, review_id),
                                       click(server, CAROL, root, card_id, review_id))
        await server.settle()
        clearance = await server.store.clearance(review_id)
        assert clearance is not None
        winner = next(p for p in (BOB, CAROL) if p["aadObjectId"] == clearance.cleared_by)
        assert sum("cleared this version first" in told(a) for a in answers) == 1
        assert updates(connector, root, card_id) == before + 1
        assert f"Cleared to post by {winner['name']}" in text_of(card_of(connector, card_id))


async def test_only_approvers_may_clear_when_they_are_named(
    ident: Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3", approvers=CAROL["aadObjectId"]) as server:
        root, card_id, review_id = await review_of(server, REVISE)
        before = updates(connector, root, card_id)
        assert "Only the team's approvers" in told(await click(server, BOB, root, card_id, review_id))
        await server.settle()
        assert updates(connector, root, card_id) == before
        assert await server.store.clearance(review_id) is None

        await click(server, CAROL, root, card_id, review_id)
        await server.settle()
        assert "Cleared to post by Carol" in text_of(card_of(connector, card_id))
        row = audit(monkeypatch, server, capsys)[review_id]
        assert row["clearance"]["cleared_by"] == CAROL["aadObjectId"]


async def test_do_not_post_asks_the_clicker_for_a_reason_and_records_it(
    ident: Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root, card_id, review_id = await review_of(server, DO_NOT_POST)
        assert "Do not post" in text_of(card_of(connector, card_id))
        before = updates(connector, root, card_id)

        answer = await click(server, BOB, root, card_id, review_id)
        assert answer["type"] == "application/vnd.microsoft.card.adaptive"
        asked = answer["value"]
        [field] = [e for e in asked["body"] if e.get("type") == "Input.Text"]
        assert field["id"] == REASON_INPUT and field["isRequired"] is True
        [submit] = asked["actions"]
        assert submit["verb"] == CLEAR_WITH_REASON_VERB and submit["data"] == {"reviewId": review_id}
        assert await server.store.clearance(review_id) is None, "nothing is recorded before the reason"

        # Teams sends the input's value merged into the action's data.
        again = await click(server, BOB, root, card_id, review_id, verb=CLEAR_WITH_REASON_VERB, reason="  ")
        assert cl.EMPTY_REASON in told(again)
        assert await server.store.clearance(review_id) is None

        reason = "Legal approved it <at>Alice</at> @here"
        await click(server, BOB, root, card_id, review_id, verb=CLEAR_WITH_REASON_VERB, reason=reason)
        await server.settle()
        assert updates(connector, root, card_id) == before + 1
        card = text_of(card_of(connector, card_id))
        assert "Cleared to post by Bob" in card and "Legal approved it" in card
        assert "<at>" not in card, "the reason can't mention anyone"
        assert audit(monkeypatch, server, capsys)[review_id]["clearance"]["reason"] == reason


async def test_blocked_do_not_post_offers_no_button_and_a_click_is_refused(
    ident: Identity, tmp_path: Path
) -> None:
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3", block_do_not_post=True) as server:
        post = channel_post(connector, DO_NOT_POST)
        assert (await server.post(post))[0] == 200
        await server.settle()
        [card_id] = [i for i, (c, _) in connector.messages.items() if c == thread_of(post["id"])]
        card = card_of(connector, card_id)
        assert not clear_buttons(card) and "can't be cleared" in text_of(card)
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
        assert rec is not None
        answer = await click(server, BOB, post["id"], card_id, rec.review_id)
        assert "REDTEAM_BLOCK_DO_NOT_POST" in told(answer)
        assert await server.store.clearance(rec.review_id) is None


async def test_an_edit_voids_the_clearance_and_the_card_says_so(
    ident: Identity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root, card_id, review_id = await review_of(server, REVISE)
        await click(server, BOB, root, card_id, review_id)
        await server.settle()
        assert "Cleared to post by Bob" in text_of(card_of(connector, card_id))

        assert (await server.post(message_edit(connector, root, REVISE + " Sleep well.")))[0] == 200
        await server.settle()
        card = card_of(connector, card_id)
        assert "Edited after clearance: needs a new clearance" in text_of(card)
        assert "Cleared to post by" not in text_of(card)
        [button] = clear_buttons(card)
        assert button["data"]["reviewId"] != review_id, "the new version is cleared on its own"

        rows = audit(monkeypatch, server, capsys)
        assert rows[review_id]["clearance"]["void_reason"] == cl.EDITED
        assert rows[button["data"]["reviewId"]]["clearance"] is None


async def test_a_click_on_a_button_for_a_review_that_is_gone_is_answered(
    ident: Identity, tmp_path: Path
) -> None:
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root, card_id, _ = await review_of(server, REVISE)
        assert cl.GONE in told(await click(server, BOB, root, card_id, "no-such-review"))
        invoke = card_action_invoke(ident.connector, card_id, CLEAR_VERB, {"nothing": 1}, root=root)
        status, body = await server.post(invoke)
        assert status == 200 and "not one of mine" in body


async def test_a_revision_by_a_teammate_is_cleared_by_neither_author_and_keeps_its_delta(
    ident: Identity, tmp_path: Path
) -> None:
    """The same rule as in Slack: nobody who wrote a version of the draft clears it."""
    connector = ident.connector
    async with running_server(ident, tmp_path / "db.sqlite3") as server:
        root, _card_id, _first = await review_of(server, REVISE)
        revision = channel_post(connector, "Revised: thanks for reading this late, sleep well!",
                                reply_to=root, mention_bot=True)
        revision["from"] = BOB
        assert (await server.post(revision))[0] == 200
        await server.settle()
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, revision["id"])
        assert rec is not None and rec.version == 2 and rec.reply_ts
        card_id = rec.reply_ts.rpartition("/")[2]
        assert "Revised draft" in text_of(card_of(connector, card_id))

        for author in (ALICE, BOB):
            answer = await click(server, author, root, card_id, rec.review_id)
            assert "can't clear your own draft" in told(answer), author["name"]
        assert await server.store.clearance(rec.review_id) is None

        answer = await click(server, CAROL, root, card_id, rec.review_id)
        assert "Cleared to post" in told(answer)
        await server.settle()
        card = text_of(card_of(connector, card_id))
        assert "Cleared to post by Carol" in card
        assert "Revised draft" in card, "the re-rendered card keeps what changed"
