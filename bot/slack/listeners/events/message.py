"""``message`` events: drafts in review channels, replies in review threads, edits, deletes."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack.inbound import draft_text, event_place, has_files, is_from_bot, mentions
from bot.slack.runtime import SlackRuntime

#: Message subtypes that are a person's words; others (joins, topic changes...) are not drafts.
NEW_MESSAGE_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_message(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        runtime.spawn(handle_message(runtime, body, event, context.bot_user_id))

    app.event("message")(on_message)


async def handle_message(
    runtime: SlackRuntime, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> None:
    conversation = runtime.conversation
    delivery = body.get("event_id")
    subtype = event.get("subtype")
    if subtype == "message_changed":
        message = event.get("message") or {}
        if is_from_bot(message, bot_user_id):
            return
        edit = str((message.get("edited") or {}).get("ts") or event.get("event_ts") or "")
        place = event_place(body, event, ts=str(message.get("ts") or ""))
        await conversation.draft_edited(place, draft_text(message, bot_user_id), edit=edit, delivery=delivery)
        return
    if subtype == "message_deleted":
        ts = str(event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts") or "")
        if ts:
            await conversation.draft_deleted(event_place(body, event, ts=ts), delivery=delivery)
        return
    if subtype not in NEW_MESSAGE_SUBTYPES or is_from_bot(event, bot_user_id):
        return
    place = event_place(body, event)
    text = draft_text(event, bot_user_id)
    if not place.in_a_thread:
        await conversation.message_posted(place, text, has_files=has_files(event), delivery=delivery)
    elif runtime.settings.reply_in_threads_without_mention and not mentions(
        str(event.get("text") or ""), bot_user_id
    ):
        # A reply that mentions the bot is app_mention's.
        await conversation.thread_replied(place, text, has_files=has_files(event), delivery=delivery)
