"""``app_mention`` events: a draft to review, or a question or revision in a review thread."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.slack.inbound import draft_text, event_place, has_files, is_from_bot
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_app_mention(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        if is_from_bot(event, context.bot_user_id):
            return
        runtime.spawn(
            runtime.conversation.mentioned(
                event_place(body, event),
                draft_text(event, context.bot_user_id),
                has_files=has_files(event),
                delivery=body.get("event_id"),
            )
        )

    app.event("app_mention")(on_app_mention)
