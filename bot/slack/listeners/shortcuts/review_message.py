"""The "Red-team this message" message shortcut: the review goes into the message's thread, or,
where the bot may not post, ephemerally to the person who asked, with how to invite it."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.conversation import SLACK, Outcome, Place, Reviewed
from bot.conversation.outbox import Undelivered
from bot.slack import ids, render
from bot.slack.ephemeral import MaybeShown, maybe_shown_text, post_ephemeral
from bot.slack.errors import cannot_post_there, slack_error
from bot.slack.inbound import plain_text
from bot.slack.runtime import SlackRuntime
from bot.slack.transport import INVITE_HINT

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        runtime.spawn(review_shortcut(runtime, body, respond))

    app.shortcut(ids.MESSAGE_SHORTCUT_CALLBACK_ID)(on_shortcut)


async def review_shortcut(runtime: SlackRuntime, body: dict[str, Any], respond: AsyncRespond) -> None:
    message = body.get("message") or {}
    ts = str(message.get("ts") or "")
    place = Place(
        platform=SLACK,
        workspace=str((body.get("team") or {}).get("id") or ""),
        channel=str((body.get("channel") or {}).get("id") or ""),
        message=ts,
        thread=str(message.get("thread_ts") or ts),
        user=str((body.get("user") or {}).get("id") or ""),
    )

    # Slack sends a shortcut once, but its replies go through the outbox as every reply does:
    # a 429 or a 5xx is retried, and a post that may have landed is looked for, not repeated.
    shortcut = str(body.get("action_ts") or body.get("trigger_id") or ts)
    sent = 0

    async def in_thread_or_privately(outcome: Outcome) -> str | None:
        nonlocal sent
        sent += 1
        try:
            return await runtime.conversation.outbox.post_in_thread(
                place.channel, place.thread, outcome, key=f"shortcut:{shortcut}:{sent}"
            )
        except (SlackApiError, Undelivered) as exc:
            if not (isinstance(exc, SlackApiError) and cannot_post_there(exc)):
                if isinstance(outcome, Reviewed):
                    raise  # the conversation says it failed, through this same route
                log.info("shortcut reply failed (%s)", describe(exc))
            if isinstance(outcome, Reviewed):
                await _ephemeral(
                    runtime, place, respond, dataclasses.replace(outcome, private=True), INVITE_HINT
                )
            else:
                await _ephemeral(runtime, place, respond, outcome, None)
            return None

    text = plain_text(str(message.get("text") or ""))
    await runtime.conversation.review_message(
        place, text, in_thread_or_privately, has_files=bool(message.get("files"))
    )


async def _ephemeral(
    runtime: SlackRuntime, place: Place, respond: AsyncRespond, outcome: Outcome, note: str | None
) -> None:
    """chat.postEphemeral, then the shortcut's response_url (works even where the bot is not a
    member). Either way the person learns how to invite the bot."""
    msg = runtime.transport.render(outcome)
    blocks = list(msg.blocks)
    text = msg.text
    if note:
        blocks = render.render_notice(note).blocks + blocks
        text = f"{note}\n{text}"
    try:
        await post_ephemeral(
            runtime.transport,
            window=runtime.conversation.outbox.policy.window,
            channel=place.channel,
            user=place.user,
            text=text,
            blocks=blocks,
            thread_ts=place.thread,
        )
        return
    except MaybeShown as exc:
        # Showing it again might show it twice; the response URL tells the person instead.
        text = maybe_shown_text(runtime.transport, exc)
        blocks = render.render_notice(text).blocks
    except SlackApiError as exc:
        log.info("chat.postEphemeral failed (%s); using response_url", slack_error(exc))
    resp = await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    if resp.status_code != 200:
        log.error("response_url post failed with HTTP %s", resp.status_code)



def describe(exc: Exception) -> str:
    """What a log line may say of a failed reply: Slack's error code, never the message."""
    failure = exc.__cause__ if isinstance(exc, Undelivered) and exc.__cause__ is not None else exc
    return slack_error(failure) or type(failure).__name__
