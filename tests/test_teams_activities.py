"""Teams activities in plain terms (where, mention, draft text) and the Teams-side of each kind of
event, through the SDK's real endpoint: the message action's invoke answered at once with the
card posted afterwards in the message's thread, an Action.Execute click answered, an edit
updating the bot's card in place, a soft delete, a typing indicator."""

from __future__ import annotations

import asyncio
import json
import time

from microsoft_teams.api import (
    AdaptiveCardInvokeActivity,
    MessageActivity,
    MessageDeleteActivity,
    MessageExtensionFetchTaskInvokeActivity,
    MessageUpdateActivity,
)
from microsoft_teams.apps import ActivityContext

from bot.review.models import Draft, Review, RiskLevel, Verdict
from bot.teams.activities import (
    MESSAGE_ACTION_COMMAND,
    card_action_answer,
    draft_text,
    in_channels,
    mentions_bot,
    message_action_answer,
    message_action_text,
    where,
)
from bot.teams.app import TeamsApp
from bot.teams.cards import (
    FEEDBACK_VERB,
    card_json,
    feedback_data,
    render_deleted,
    render_review,
    render_working,
)
from bot.teams.transport import TeamsPlace, TeamsTransport
from tests.teams_harness import (
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    card_action_invoke,
    channel_post,
    message_action_invoke,
    message_edit,
    message_soft_delete,
    new_message_id,
    running_teams,
    wait_for,
)


def _review(text: str) -> Review:
    return Review(draft=Draft(text=text), verdict=Verdict.ship, risk_level=RiskLevel.none,
                  summary=f"Reviewed: {text}")


# --- plain facts of an activity ---------------------------------------------------------------


def test_top_level_post_and_thread_reply_are_told_apart(ident):
    post = MessageActivity.model_validate(channel_post(ident.connector, "draft"))
    place = where(post)
    assert place.scope == "channel" and place.channel_id == REVIEW_CHANNEL
    assert place.is_top_level_post
    thread = f"{REVIEW_CHANNEL};messageid={post.id}"
    assert place.reply_place == TeamsPlace(ident.connector.service_url, thread)
    reply = MessageActivity.model_validate(channel_post(ident.connector, "question?", reply_to=post.id))
    assert not where(reply).is_top_level_post
    assert where(reply).reply_place.conversation_id == f"{REVIEW_CHANNEL};messageid={post.id}"


def test_review_channels_match_by_id_or_name():
    activity = MessageActivity.model_validate({
        "type": "message", "id": "1", "text": "x", "channelId": "msteams",
        "from": {"id": "29:a"}, "recipient": {"id": "28:b"},
        "conversation": {"id": f"{OTHER_CHANNEL};messageid=1", "conversationType": "channel"},
        "channelData": {"channel": {"id": OTHER_CHANNEL, "name": "Social Review"}},
    })
    place = where(activity)
    assert in_channels(place, [OTHER_CHANNEL])
    assert in_channels(place, ["social review"])
    assert in_channels(place, ["#Social Review"])
    assert not in_channels(place, [REVIEW_CHANNEL, "general"])


def test_personal_chat_is_personal():
    activity = MessageActivity.model_validate({
        "type": "message", "id": "1", "text": "help", "channelId": "msteams", "serviceUrl": "http://x/",
        "from": {"id": "29:a"}, "recipient": {"id": "28:b"},
        "conversation": {"id": "a:1personal", "conversationType": "personal"},
    })
    place = where(activity)
    assert place.scope == "personal" and not place.is_top_level_post
    assert place.reply_place == TeamsPlace("http://x/", "a:1personal")
    assert not in_channels(place, ["a:1personal"])


def test_the_bots_mention_is_removed_and_html_decoded(ident):
    activity = MessageActivity.model_validate(
        channel_post(ident.connector, "Big <b>news</b> &amp; more<br>line two", mention_bot=True)
    )
    activity.text_format = "xml"
    assert mentions_bot(activity)
    assert draft_text(activity) == "Big news & more\nline two"
    plain = MessageActivity.model_validate(channel_post(ident.connector, "no mention here"))
    assert not mentions_bot(plain)
    assert draft_text(plain) == "no mention here"


# --- through the endpoint ----------------------------------------------------------------------


async def test_message_action_answered_at_once_then_review_posted_in_the_messages_thread(ident):
    tasks: set[asyncio.Task[None]] = set()
    answered_first = asyncio.Event()

    def register(teams: TeamsApp) -> None:
        transport = TeamsTransport(teams.app.api)

        @teams.app.on_message_ext_open
        async def _fetch(ctx: ActivityContext[MessageExtensionFetchTaskInvokeActivity]):
            assert ctx.activity.value.command_id == MESSAGE_ACTION_COMMAND
            text, message_id = message_action_text(ctx.activity.value)
            place = where(ctx.activity)
            target = TeamsPlace.thread(place.service_url, place.channel_id or "", message_id or "")

            async def review_later() -> None:
                await answered_first.wait()  # a review that ends only after the invoke is answered
                await transport.post(target, render_review(_review(text), review_id="r1"))

            task = asyncio.create_task(review_later())
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            return message_action_answer("Reviewing… the review will appear in the message's thread.")

    message_id = new_message_id()
    async with running_teams(ident, register) as h:
        started = time.monotonic()
        invoke = message_action_invoke(ident.connector, message_id, "<p>Big news</p>")
        status, body = await asyncio.wait_for(h.post(invoke), timeout=10)
        answered = time.monotonic() - started
        answered_first.set()
        assert status == 200 and answered < 1.0
        note = "Reviewing… the review will appear in the message's thread."
        assert json.loads(body) == {"task": {"type": "message", "value": note}}
        [sent] = await wait_for(lambda: ident.connector.ok_calls_of("send"), timeout=5)
    assert sent.conversation_id == f"{OTHER_CHANNEL};messageid={message_id}"
    assert "Reviewed: Big news" in json.dumps(sent.body)


async def test_feedback_click_reaches_the_handler_with_the_review_id(ident):
    clicks: list[tuple[str, bool]] = []

    def register(teams: TeamsApp) -> None:
        @teams.app.on_card_action
        async def _click(ctx: ActivityContext[AdaptiveCardInvokeActivity]):
            action = ctx.activity.value.action
            assert action.verb == FEEDBACK_VERB
            parsed = feedback_data(action.data)
            assert parsed is not None
            clicks.append(parsed)
            return card_action_answer("Thanks for the feedback.")

    async with running_teams(ident, register) as h:
        card = render_review(_review("x"), review_id="rev-42")
        data = card_json(card)["actions"][1]["data"]  # "Not helpful", as Teams sends it back
        click = card_action_invoke(ident.connector, new_message_id(), FEEDBACK_VERB, data)
        status, body = await h.post(click)
    assert status == 200
    assert json.loads(body) == {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                "value": "Thanks for the feedback."}
    assert clicks == [("rev-42", False)]


async def test_edit_updates_the_card_in_place_and_delete_marks_it(ident):
    posted: dict[str, str] = {}  # draft message id -> the bot's card activity id

    def register(teams: TeamsApp) -> None:
        transport = TeamsTransport(teams.app.api)

        @teams.app.on_message
        async def _post(ctx: ActivityContext[MessageActivity]):
            place = where(ctx.activity).reply_place
            await transport.typing(place)
            posted[ctx.activity.id] = await transport.post(place, render_working())

        @teams.app.on_edit_message
        async def _edit(ctx: ActivityContext[MessageUpdateActivity]):
            card = render_review(_review(ctx.activity.text or ""), review_id="r2")
            await transport.update(where(ctx.activity).reply_place, posted[ctx.activity.id], card)

        @teams.app.on_soft_delete_message
        async def _delete(ctx: ActivityContext[MessageDeleteActivity]):
            await transport.update(where(ctx.activity).reply_place, posted[ctx.activity.id], render_deleted())

    # A typing indicator is safe to repeat blindly, so the client retries it; replies and their
    # updates are the outbox's to retry (tests/test_teams_outbox.py).
    ident.connector.server_error_next("typing", status=502)
    async with running_teams(ident, register) as h:
        post = channel_post(ident.connector, "first words")
        assert (await h.post(post))[0] == 200
        assert (await h.post(message_edit(ident.connector, post["id"], "edited words")))[0] == 200
        assert (await h.post(message_soft_delete(ident.connector, post["id"])))[0] == 200
    thread = f"{REVIEW_CHANNEL};messageid={post['id']}"
    typing = ident.connector.calls_of("typing")
    assert [c.status for c in typing] == [502, 200]
    assert {c.conversation_id for c in typing} == {thread}
    assert [c.status for c in ident.connector.calls_of("send")] == [200]
    updates = ident.connector.calls_of("update")
    assert [c.status for c in updates] == [200, 200]
    assert {c.activity_id for c in updates} == {posted[post["id"]]}
    assert "edited words" in json.dumps(updates[0].body)
    # The card now says the draft was deleted, and holds none of its words.
    _, last = ident.connector.messages[posted[post["id"]]]
    assert "deleted" in json.dumps(last) and "edited words" not in json.dumps(last)
