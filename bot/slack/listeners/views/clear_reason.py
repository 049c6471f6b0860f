"""The reason modal of "Cleared to post" (a Do not post verdict): an empty reason keeps the
modal open; a reason clears the draft, and a refusal is told ephemerally where the click was."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError

from bot.conversation.clearance import EMPTY_REASON
from bot.conversation.notices import log_failure
from bot.slack import ids
from bot.slack.blocks_clearance import render_clearance_reply
from bot.slack.ephemeral import MaybeShown, maybe_shown_text, post_ephemeral
from bot.slack.errors import slack_error
from bot.slack.render import render_notice
from bot.slack.runtime import SlackRuntime

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_submit(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = reason_from_view(view)
        if not reason.strip():
            await ack(response_action="errors", errors={ids.CLEAR_REASON_BLOCK_ID: EMPTY_REASON})
            return
        await ack()
        runtime.spawn(submitted(runtime, body, view, reason))

    app.view(ids.CLEAR_REASON_MODAL_CALLBACK_ID)(on_submit)


def reason_from_view(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(ids.CLEAR_REASON_BLOCK_ID) or {}).get(ids.CLEAR_REASON_ACTION_ID) or {}
    return str(element.get("value") or "")


async def submitted(runtime: SlackRuntime, body: dict[str, Any], view: dict[str, Any], reason: str) -> None:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    user = str((body.get("user") or {}).get("id") or "")
    reply = await runtime.clearances.with_reason(str(meta.get("review") or ""), user, reason)
    if not reply.text:
        return
    msg = render_clearance_reply(reply)
    channel = str(meta.get("channel") or "")
    try:
        if channel:
            try:
                await post_ephemeral(
                    runtime.transport,
                    window=runtime.conversation.outbox.policy.window,
                    channel=channel,
                    user=user,
                    text=msg.text,
                    blocks=msg.blocks,
                    thread_ts=str(meta.get("thread") or "") or None,
                )
                return
            except MaybeShown as exc:
                msg = render_notice(maybe_shown_text(runtime.transport, exc))
            except SlackApiError as exc:
                log.info("chat.postEphemeral failed (%s); sending a DM", slack_error(exc))
        # A short answer that might arrive twice beats none: slack_sdk's own retries are fine here.
        await runtime.client.chat_postMessage(channel=user, text=msg.text, blocks=msg.blocks)
    except Exception as exc:
        log_failure("answering a clearance", exc)
