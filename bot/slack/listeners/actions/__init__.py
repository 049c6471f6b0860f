"""Buttons on a review: Helpful / Not helpful (recorded, one vote per person) and Share
(posts an ephemeral ``/redteam`` review in the channel for everyone)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.slack import ids
from bot.slack.deps import SlackDeps
from bot.slack.listeners import flows
from bot.store import ReviewRecord

log = logging.getLogger(__name__)

THANKS = "Thanks — your feedback helps tune the reviews."
GONE = "That review is no longer stored, so it can't be shared. Run `/redteam` again."


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_helpful(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        deps.spawn(record_feedback(deps, body, action, respond, helpful=True))

    async def on_not_helpful(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        deps.spawn(record_feedback(deps, body, action, respond, helpful=False))

    async def on_share(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        deps.spawn(share(deps, body, action, respond))

    app.action(ids.FEEDBACK_HELPFUL_ACTION_ID)(on_helpful)
    app.action(ids.FEEDBACK_NOT_HELPFUL_ACTION_ID)(on_not_helpful)
    app.action(ids.SHARE_ACTION_ID)(on_share)


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id") or "")


async def record_feedback(
    deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond, *, helpful: bool
) -> None:
    review_id = str(action.get("value") or "")
    try:
        if await deps.store.get_review(review_id) is None:
            return
        await deps.store.record_feedback(review_id, _user(body), helpful)
        await respond(text=THANKS, response_type="ephemeral", replace_original=False)
    except Exception as exc:
        flows.log_failure("recording feedback", exc)


async def share(deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond) -> None:
    review_id = str(action.get("value") or "")
    user = _user(body)
    channel = str((body.get("channel") or {}).get("id") or "")
    try:
        rec = await deps.store.get_review(review_id)
        if rec is None:
            await respond(text=GONE, response_type="ephemeral", replace_original=False)
            return
        channel = channel or rec.channel
        shared = ReviewRecord(
            channel=channel, draft_ts=f"shared:{review_id}", user_id=user, review=rec.review
        )
        msg = deps.render_review(rec.review, review_id=shared.review_id, shared_by=user)
        resp = await deps.client.chat_postMessage(
            channel=channel, text=msg.text, blocks=msg.blocks, unfurl_links=False, unfurl_media=False
        )
        # The shared review's own thread is a review thread: teammates can discuss and revise there.
        shared.reply_ts = shared.thread_ts = str(resp["ts"])
        await deps.store.save_review(shared)
        await respond(delete_original=True)
    except Exception as exc:
        if flows.slack_error(exc) in flows.NOT_IN_CHANNEL_ERRORS:
            await respond(text=flows.INVITE_HINT, response_type="ephemeral", replace_original=False)
            return
        flows.log_failure("sharing a review", exc)
        await respond(text=flows.failure_message(exc), response_type="ephemeral", replace_original=False)
