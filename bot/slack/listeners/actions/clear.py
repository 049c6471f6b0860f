""""Cleared to post" under a review: recorded for whoever may clear; anyone else is told why,
ephemerally. A Do not post verdict first opens a modal asking for the reason."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.conversation.clearance import ClearanceReply, ReplyKind
from bot.conversation.notices import log_failure
from bot.slack import ids
from bot.slack.blocks_clearance import clear_reason_modal, render_clearance_reply
from bot.slack.listeners.actions.clicks import clicked, on_click
from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)

NO_FORM = (
    "I couldn't open the form for your reason (Slack allows a few seconds for that). "
    "Click Cleared to post again."
)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    on_click(app, runtime, ids.CLEAR_ACTION_ID, clear)


async def clear(
    runtime: SlackRuntime, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
) -> None:
    review_id, user = clicked(body, action)
    reply = await runtime.clearances.clicked(review_id, user)
    if reply.kind is ReplyKind.needs_reason:
        if await _ask_reason(runtime, body, review_id):
            return
        reply = ClearanceReply(ReplyKind.refused, NO_FORM)
    if reply.text:
        await tell(respond, reply)


async def _ask_reason(runtime: SlackRuntime, body: dict[str, Any], review_id: str) -> bool:
    # The submission has no channel of its own: carry where to answer in private_metadata.
    container = body.get("container") or {}
    meta = {
        "review": review_id,
        "channel": str((body.get("channel") or {}).get("id") or container.get("channel_id") or ""),
        "thread": str(container.get("thread_ts") or ""),
    }
    try:
        await runtime.client.views_open(
            trigger_id=str(body.get("trigger_id") or ""), view=clear_reason_modal(json.dumps(meta))
        )
    except Exception as exc:  # an expired trigger (a slow click), or Slack refusing
        log_failure("opening the clearance reason modal", exc)
        return False
    return True


async def tell(respond: AsyncRespond, reply: ClearanceReply) -> None:
    """The answer to the person who clicked, visible only to them."""
    msg = render_clearance_reply(reply)
    resp = await respond(text=msg.text, blocks=msg.blocks, response_type="ephemeral", replace_original=False)
    if resp.status_code != 200:
        log.error("response_url post failed with HTTP %s", resp.status_code)
