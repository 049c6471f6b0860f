"""Share under a private review: posts it in the channel for everyone."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.conversation import notices
from bot.slack import ids
from bot.slack.errors import cannot_post_there
from bot.slack.listeners.actions.clicks import clicked, on_click
from bot.slack.runtime import SlackRuntime
from bot.slack.transport import INVITE_HINT


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    on_click(app, runtime, ids.SHARE_ACTION_ID, share)


async def share(
    runtime: SlackRuntime, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
) -> None:
    review_id, user = clicked(body, action)
    channel = str((body.get("channel") or {}).get("id") or "")
    try:
        if await runtime.conversation.share(review_id, channel, user):
            await respond(delete_original=True)
            return
        text = notices.GONE
    except Exception as exc:
        if cannot_post_there(exc):
            text = INVITE_HINT
        else:
            notices.log_failure("sharing a review", exc)
            text = notices.review_failed(runtime.conversation.failure_reason(exc))
    await respond(text=text, response_type="ephemeral", replace_original=False)
