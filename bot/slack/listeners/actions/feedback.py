"""Helpful / Not helpful under a review: recorded, one vote per person."""

from __future__ import annotations

import functools
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.slack import ids
from bot.slack.listeners.actions.clicks import clicked, on_click
from bot.slack.runtime import SlackRuntime

THANKS = "Thanks — your feedback helps tune the reviews."


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    on_click(app, runtime, ids.FEEDBACK_HELPFUL_ACTION_ID, functools.partial(record, helpful=True))
    on_click(app, runtime, ids.FEEDBACK_NOT_HELPFUL_ACTION_ID, functools.partial(record, helpful=False))


async def record(
    runtime: SlackRuntime,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    helpful: bool,
) -> None:
    review_id, user = clicked(body, action)
    if await runtime.conversation.feedback(review_id, user, helpful=helpful):
        await respond(text=THANKS, response_type="ephemeral", replace_original=False)
