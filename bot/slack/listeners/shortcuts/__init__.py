"""The "Red-team this message" message shortcut: the review goes into the message's thread, or,
where the bot may not post, ephemerally to the person who asked, with how to invite it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.review.intake import DraftRejected
from bot.review.models import Draft, Review
from bot.slack import ids, render
from bot.slack.deps import SlackDeps
from bot.slack.inbound import plain_text
from bot.slack.listeners import flows
from bot.slack.listeners.flows import Place
from bot.store import ReviewRecord

log = logging.getLogger(__name__)


def register(app: AsyncApp, deps: SlackDeps) -> None:
    async def on_shortcut(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        deps.spawn(review_shortcut(deps, body, respond))

    app.shortcut(ids.MESSAGE_SHORTCUT_CALLBACK_ID)(on_shortcut)


async def review_shortcut(deps: SlackDeps, body: dict[str, Any], respond: AsyncRespond) -> None:
    message = body.get("message") or {}
    ts = str(message.get("ts") or "")
    place = Place(
        team=str((body.get("team") or {}).get("id") or ""),
        channel=str((body.get("channel") or {}).get("id") or ""),
        ts=ts,
        thread_ts=str(message.get("thread_ts") or ts),
        user=str((body.get("user") or {}).get("id") or ""),
    )
    text = plain_text(str(message.get("text") or ""))
    if not text.strip():
        await _reply(
            deps,
            place,
            respond,
            render.render_notice(
                flows.FILES_ONLY if message.get("files") else "That message has no text to review."
            ),
        )
        return
    try:
        review = await deps.service.review(Draft(text=text, id=place.claim_key))
    except DraftRejected as exc:
        await _reply(deps, place, respond, render.render_notice(str(exc)))
        return
    except Exception as exc:
        flows.log_failure("shortcut review", exc)
        await _reply(deps, place, respond, render.render_notice(flows.failure_message(exc)))
        return
    try:
        await _post_review(deps, place, review, respond)
    except Exception as exc:
        flows.log_failure("posting a shortcut review", exc)
        await _reply(deps, place, respond, render.render_notice(flows.failure_message(exc)))


async def _post_review(deps: SlackDeps, place: Place, review: Review, respond: AsyncRespond) -> None:
    rec = ReviewRecord(
        channel=place.channel, draft_ts=place.ts, thread_ts=place.thread_ts, user_id=place.user, review=review
    )
    review_id = await deps.store.save_review(rec)
    try:
        reply_ts = await flows.post_in_thread(
            deps, place.channel, place.thread_ts, deps.render_review(review, review_id=review_id)
        )
    except SlackApiError as exc:
        if flows.slack_error(exc) not in flows.NOT_IN_CHANNEL_ERRORS:
            raise
        msg = deps.render_review(review, review_id=review_id, ephemeral=True)
        await _ephemeral(deps, place, respond, msg, note=flows.INVITE_HINT)
        return
    await deps.store.set_reply_ts(review_id, reply_ts)


async def _reply(deps: SlackDeps, place: Place, respond: AsyncRespond, msg: render.RenderedMessage) -> None:
    """A short message in the thread, or ephemerally when the bot cannot post there."""
    try:
        await flows.post_in_thread(deps, place.channel, place.thread_ts, msg)
    except SlackApiError as exc:
        if flows.slack_error(exc) not in flows.NOT_IN_CHANNEL_ERRORS:
            flows.log_failure("shortcut reply", exc)
        await _ephemeral(deps, place, respond, msg, note=None)


async def _ephemeral(
    deps: SlackDeps, place: Place, respond: AsyncRespond, msg: render.RenderedMessage, *, note: str | None
) -> None:
    """chat.postEphemeral, then the shortcut's response_url (works even where the bot is not a
    member). Either way the person learns how to invite the bot."""
    blocks = list(msg.blocks)
    text = msg.text
    if note:
        notice = render.render_notice(note)
        blocks = notice.blocks + blocks
        text = f"{note}\n{text}"
    try:
        await deps.client.chat_postEphemeral(
            channel=place.channel, user=place.user, text=text, blocks=blocks, thread_ts=place.thread_ts
        )
        return
    except SlackApiError as exc:
        log.info("chat.postEphemeral failed (%s); using response_url", flows.slack_error(exc))
    resp = await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    if resp.status_code != 200:
        log.error("response_url post failed with HTTP %s", resp.status_code)
