"""Helpful / Not helpful under a review: recorded, one vote per person."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.slack import ids
from bot.slack.runtime import SlackRuntime

THANKS = "Thanks — your feedback helps tune the reviews."


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    def on_click(helpful: bool) -> Any:
        async def on_feedback(
            ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
        ) -> None:
            await ack()
            runtime.spawn(record(runtime, body, action, respond, helpful=helpful))

        return on_feedback

    app.action(ids.FEEDBACK_HELPFUL_ACTION_ID)(on_click(True))
    app.action(ids.FEEDBACK_NOT_HELPFUL_ACTION_ID)(on_click(False))


async def record(
    runtime: SlackRuntime,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    helpful: bool,
) -> None:
    user = str((body.get("user") or {}).get("id") or "")
    if await runtime.conversation.feedback(str(action.get("value") or ""), user, helpful=helpful):
        await respond(text=THANKS, response_type="ephemeral", replace_original=False)
