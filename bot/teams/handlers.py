"""Teams activities translated into conversation calls.

Each handler reads the activity's facts, hands the work to the review loop and returns: the SDK
answers Teams only after the handler returns, and Teams allows 5 s for an invoke and redelivers
what it thinks was lost. Only a feedback click waits for its (quick) store write, on the review
loop, so the click can say whether it counted; so does *Cleared to post*, whose answer (seen by
the clicker alone) says why a click was refused, or asks for a written reason.

Where a message is, in the layer's terms (:class:`~bot.conversation.Place`): the tenant, the
channel or chat (:func:`bot.teams.port.channel_of`), the message's activity id, and the thread's
first post (a chat has no threads: the message is its own thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import hashlib
import logging
from collections.abc import Coroutine
from typing import Any

import httpx
from microsoft_teams.api import ActivityBase
from microsoft_teams.api.activities.invoke.adaptive_card.action import AdaptiveCardInvokeActivity
from microsoft_teams.api.activities.invoke.message_extension.fetch_task import (
    MessageExtensionFetchTaskInvokeActivity,
)
from microsoft_teams.api.activities.invoke.message_extension.submit_action import (
    MessageExtensionSubmitActionInvokeActivity,
)
from microsoft_teams.api.activities.message import (
    MessageActivity,
    MessageDeleteActivity,
    MessageUpdateActivity,
)
from microsoft_teams.api.models import AdaptiveCardActionCardResponse
from microsoft_teams.apps import ActivityContext

from bot.conversation import Filing, Outcome, Place, Reviewed
from bot.conversation.clearance import ClearanceReply, ReplyKind
from bot.conversation.owed_replies import claim
from bot.conversation.places import delivery_key
from bot.review.intake import DraftRejected, check_draft
from bot.review.models import Draft
from bot.teams import cards
from bot.teams.activities import (
    DRAFT_FORM_COMMAND,
    MESSAGE_ACTION_COMMAND,
    Where,
    card_action_answer,
    draft_form_fields,
    draft_text,
    in_channels,
    mentions_bot,
    message_action_answer,
    message_action_text,
    where,
)
from bot.teams.port import TEAMS, cannot_post_there
from bot.teams.runtime import TeamsRuntime

log = logging.getLogger(__name__)

HELP_WORDS = frozenset({"help", "/help", "?"})
MESSAGE_ACTION_NOTE = "Reviewing… the review will appear in the message's thread."
NOT_A_DRAFT_NOTE = "That message has no text to review."
DRAFT_FORM_NOTE = "Reviewing… the review will appear in your chat with me."
NO_PERSONAL_CHAT_NOTE = (
    "I can't send you the review: I could not open a chat with you. Add me for yourself "
    "(Apps → Red-team reviewer → Add), then try again."
)
FORM_FAILED_NOTE = "Sorry, I could not start that review. Please try again in a minute."
#: Seconds the "Red-team a draft" form waits for the requester's chat with the bot to open, so
#: that one that cannot be opened is said in the form's answer (Teams allows 5 s in all).
OPEN_CHAT_WAIT_SECONDS = 3.0
#: Seconds a feedback click waits for its vote to be stored before answering anyway.
FEEDBACK_WAIT_SECONDS = 3.0
#: Seconds a *Cleared to post* click waits for its answer (a store write and a card update).
CLEAR_WAIT_SECONDS = 3.5
CLEAR_PENDING_NOTE = "Recording your clearance… the review will show it in a moment."
CLEARED_NOTE = "Cleared to post: recorded."
#: The store keeps user ids up to this many characters.
MAX_USER_CHARS = 64


def register(runtime: TeamsRuntime) -> None:
    """Register the handlers on ``runtime``'s SDK app."""
    app = runtime.teams.app

    @app.on_message
    async def _message(ctx: ActivityContext[MessageActivity]) -> None:
        on_message(runtime, ctx.activity)

    @app.on_edit_message
    async def _edit(ctx: ActivityContext[MessageUpdateActivity]) -> None:
        on_edit(runtime, ctx.activity)

    @app.on_soft_delete_message
    async def _delete(ctx: ActivityContext[MessageDeleteActivity]) -> None:
        on_delete(runtime, ctx.activity)

    @app.on_message_ext_open
    async def _action_open(ctx: ActivityContext[MessageExtensionFetchTaskInvokeActivity]) -> Any:
        return on_message_action(runtime, ctx.activity)

    @app.on_message_ext_submit
    async def _action_submit(ctx: ActivityContext[MessageExtensionSubmitActionInvokeActivity]) -> Any:
        if getattr(ctx.activity.value, "command_id", None) == DRAFT_FORM_COMMAND:
            return await on_draft_form(runtime, ctx.activity)
        return on_message_action(runtime, ctx.activity)

    @app.on_card_action
    async def _card_action(ctx: ActivityContext[AdaptiveCardInvokeActivity]) -> Any:
        return await on_card_action(runtime, ctx.activity)


# --- facts -------------------------------------------------------------------------------------


def tenant_of(activity: ActivityBase) -> str:
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return conversation.tenant_id
    data = activity.channel_data
    tenant = getattr(data, "tenant", None) if data else None
    return str(getattr(tenant, "id", None) or "")


def user_of(activity: ActivityBase) -> str:
    """The author as the store keeps it: the Entra object id, else the Teams id (hashed if long)."""
    author = activity.from_
    user = (author.aad_object_id or author.id) if author else ""
    if len(user) > MAX_USER_CHARS:
        return "h:" + hashlib.sha256(user.encode()).hexdigest()[: MAX_USER_CHARS - 2]
    return user


def place_of(runtime: TeamsRuntime, activity: ActivityBase, at: Where, message: str | None = None) -> Place:
    channel = runtime.port.learn(at, is_review_channel=in_channels(at, runtime.review_channels))
    message = message or activity.id
    thread = at.thread_root if at.scope == "channel" and at.thread_root else message
    return Place(TEAMS, tenant_of(activity), channel, message, thread, user_of(activity))


# --- handlers ----------------------------------------------------------------------------------


def on_message(runtime: TeamsRuntime, activity: MessageActivity) -> None:
    at = where(activity)
    place = place_of(runtime, activity, at)
    text = draft_text(activity)
    has_files = bool(activity.attachments)
    conversation = runtime.conversation
    work: Coroutine[Any, Any, None] | None
    if at.scope == "personal":
        if text.strip().lower() in HELP_WORDS:
            work = runtime.post_help(place)
        else:
            work = conversation.mentioned(place, text, has_files=has_files)
    elif mentions_bot(activity):
        if text.strip().lower() in HELP_WORDS and not place.in_a_thread:
            work = runtime.post_help(place)
        else:
            work = conversation.mentioned(place, text, has_files=has_files)
    elif at.scope != "channel":
        work = None  # a group chat without a mention is not for the bot
    elif place.in_a_thread:
        work = conversation.thread_replied(place, text, has_files=has_files)
    else:
        work = conversation.message_posted(place, text, has_files=has_files)
    # The message is kept for answering questions later, on the review loop where the transport
    # lives, by the same hand-off as the work: one wake-up of that loop for a burst of messages.
    runtime.spawn(_remembered(runtime, place, text, work))


async def _remembered(
    runtime: TeamsRuntime, place: Place, text: str, work: Coroutine[Any, Any, None] | None
) -> None:
    runtime.port.remember(place, text)
    if work is not None:
        await work


def on_edit(runtime: TeamsRuntime, activity: MessageUpdateActivity) -> None:
    at = where(activity)
    place = place_of(runtime, activity, at)
    text = draft_text(MessageActivity.model_validate(
        {**activity.model_dump(by_alias=True, exclude={"type", "channel_data"}), "type": "message"}
    ))
    # One key per edit: redelivered, it meets its claim; a later edit of the same message does not.
    stamp = activity.timestamp.isoformat() if activity.timestamp else ""
    edit = hashlib.sha256(f"{stamp}\n{text}".encode()).hexdigest()[:32]
    runtime.spawn(runtime.conversation.draft_edited(place, text, edit=edit))


def on_delete(runtime: TeamsRuntime, activity: MessageDeleteActivity) -> None:
    place = place_of(runtime, activity, where(activity))
    runtime.spawn(runtime.conversation.draft_deleted(place))


def on_message_action(runtime: TeamsRuntime, activity: Any) -> Any:
    """"Red-team this message": answered at once; the review follows in the message's thread."""
    value = activity.value
    if getattr(value, "command_id", None) != MESSAGE_ACTION_COMMAND:
        return message_action_answer("I don't know that command.")
    text, message_id = message_action_text(value)
    at = where(activity)
    place = place_of(runtime, activity, at, message=message_id or activity.id)
    requester = activity.from_.id if activity.from_ else ""
    runtime.spawn(review_message(runtime, activity.id, place, text, at.service_url, requester))
    return message_action_answer(MESSAGE_ACTION_NOTE if text.strip() else NOT_A_DRAFT_NOTE)


async def review_message(
    runtime: TeamsRuntime, delivery: str, place: Place, text: str, service_url: str, requester: str
) -> None:
    """The message action's review: once per invoke (Teams retries them), into the message's
    thread, or the requester's personal chat when the bot may not post there."""
    outbox = runtime.conversation.outbox
    if not await claim(runtime.conversation.store, [delivery_key(TEAMS, f"action:{delivery}")]):
        return
    sent = 0

    async def deliver(outcome: Outcome) -> str | None:
        # Through the outbox, as every reply: a 429 or a 5xx is retried, and a post that may
        # have landed is not made twice.
        nonlocal sent
        sent += 1
        key = f"action:{delivery}:{sent}"
        try:
            return await outbox.post_in_thread(place.channel, place.thread, outcome, key=key)
        except Exception as exc:
            if not (cannot_post_there(exc) and requester):
                raise
        channel = await personal_chat(runtime, service_url, requester, place.workspace)
        if isinstance(outcome, Reviewed):
            outcome = dataclasses.replace(outcome, private=True)  # read away from the draft: quote it
        await outbox.post_in_channel(channel, outcome, key=f"{key}:personal")
        return None  # not in the draft's thread: an edit of the draft posts a new review there

    await runtime.conversation.review_message(place, text, deliver, has_files=False)


async def personal_chat(runtime: TeamsRuntime, service_url: str, requester: str, tenant: str) -> str:
    """The channel id of ``requester``'s personal chat with the bot, opened if need be and
    learnt by the port, so the outbox can post there."""
    chat = await runtime.port.teams.personal_chat(service_url, requester, tenant)
    return runtime.port.learn(Where("personal", service_url, chat.conversation_id))


async def on_draft_form(runtime: TeamsRuntime, activity: MessageExtensionSubmitActionInvokeActivity) -> Any:
    """"Red-team a draft": the form's draft, platform and notes, reviewed for the person who
    filled it in and posted in their personal chat with the bot (a channel has no message only
    one person sees). Answered within Teams' 5 s: at once for a draft refused as it stands, after
    the chat is open otherwise, so that a chat that cannot be opened is said there and then."""
    draft = draft_form_fields(activity.value)
    try:
        check_draft(draft)
    except DraftRejected as exc:
        return message_action_answer(str(exc))
    requester = activity.from_.id if activity.from_ else ""
    if not requester:
        return message_action_answer(NO_PERSONAL_CHAT_NOTE)
    answer: concurrent.futures.Future[str] = concurrent.futures.Future()
    runtime.spawn(review_form(runtime, activity, draft, requester, answer))
    try:
        return message_action_answer(await asyncio.wait_for(asyncio.wrap_future(answer),
                                                            OPEN_CHAT_WAIT_SECONDS))
    except TimeoutError:
        return message_action_answer(DRAFT_FORM_NOTE)  # still opening: the review follows


async def review_form(
    runtime: TeamsRuntime,
    activity: MessageExtensionSubmitActionInvokeActivity,
    draft: Draft,
    requester: str,
    answer: concurrent.futures.Future[str],
) -> None:
    """The form's review, once per invoke (Teams retries them), in the requester's personal
    chat. ``answer`` gets what the form shows: the review is on its way, or why it cannot be."""
    try:
        tenant = tenant_of(activity)
        service_url = where(activity).service_url
        if not await claim(runtime.conversation.store, [delivery_key(TEAMS, f"form:{activity.id}")]):
            answer.set_result(DRAFT_FORM_NOTE)  # Teams retried the invoke: the first one reviews
            return
        channel = await personal_chat(runtime, service_url, requester, tenant)
    except Exception as exc:
        log.info("could not start a form's review: %s", type(exc).__name__)
        answer.set_result(NO_PERSONAL_CHAT_NOTE if isinstance(exc, httpx.HTTPError) else FORM_FAILED_NOTE)
        return
    answer.set_result(DRAFT_FORM_NOTE)
    sent = 0

    async def deliver(outcome: Outcome) -> str:
        nonlocal sent
        sent += 1
        return await runtime.conversation.outbox.post_in_channel(
            channel, outcome, key=f"form:{activity.id}:{sent}")

    filing = Filing(channel=channel, draft=f"form:{activity.id}", user=user_of(activity),
                    workspace=tenant or None)
    await runtime.conversation.review_privately(draft, filing, deliver)


async def on_card_action(runtime: TeamsRuntime, activity: AdaptiveCardInvokeActivity) -> Any:
    action = activity.value.action
    if action.verb in (cards.CLEAR_VERB, cards.CLEAR_WITH_REASON_VERB):
        return await on_clear(runtime, activity)
    parsed = cards.feedback_data(action.data) if action.verb == cards.FEEDBACK_VERB else None
    if parsed is None:
        return card_action_answer("That button is not one of mine.")
    review_id, helpful = parsed
    future = runtime.submit(runtime.conversation.feedback(review_id, user_of(activity), helpful=helpful))
    try:
        counted = await asyncio.wait_for(asyncio.wrap_future(future), FEEDBACK_WAIT_SECONDS)
    except TimeoutError:
        return card_action_answer("Thanks — your feedback is being recorded.")
    if not counted:
        return card_action_answer("Sorry, I could not record that: the review is gone.")
    return card_action_answer("Thanks for the feedback.")


async def on_clear(runtime: TeamsRuntime, activity: AdaptiveCardInvokeActivity) -> Any:
    """*Cleared to post*, or its reason card's button: the click is decided on the review loop;
    a recorded clearance updates the shared card there, and the answer goes to the clicker alone."""
    action = activity.value.action
    parsed = cards.clear_data(action.data)
    if parsed is None:
        return card_action_answer("That button is not one of mine.")
    review_id, reason = parsed
    user = user_of(activity)
    name = (activity.from_.name or "") if activity.from_ else ""
    with_reason = action.verb == cards.CLEAR_WITH_REASON_VERB
    future = runtime.submit(_clear(runtime, review_id, user, name, reason if with_reason else None))
    try:
        reply = await asyncio.wait_for(asyncio.wrap_future(future), CLEAR_WAIT_SECONDS)
    except TimeoutError:
        return card_action_answer(CLEAR_PENDING_NOTE)
    if reply.kind is ReplyKind.needs_reason:
        return AdaptiveCardActionCardResponse(value=cards.render_clearance_reason(review_id, reply.text))
    if reply.kind is ReplyKind.cleared:
        # Everyone's card now shows the clearance; a card here would hide it from the clicker.
        return card_action_answer(reply.text or CLEARED_NOTE)
    cleared_by = reply.clearance.cleared_by if reply.clearance else None
    card = cards.render_clearance_reply(reply.text, reply.clearance, runtime.port.name_of(cleared_by))
    return AdaptiveCardActionCardResponse(value=card)


async def _clear(
    runtime: TeamsRuntime, review_id: str, user: str, name: str, reason: str | None
) -> ClearanceReply:
    runtime.port.learn_name(user, name)  # before the card update that may name them
    if reason is None:
        return await runtime.clearances.clicked(review_id, user)
    return await runtime.clearances.with_reason(review_id, user, reason)
