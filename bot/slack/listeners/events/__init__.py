"""Events API listeners: drafts in review channels, mentions, thread follow-ups, edits, deletes.

Bolt acks every event before these run (``process_before_response=False``), so the 3-second
limit is never at risk. Each draft is claimed in the store first: Slack's retries
(``X-Slack-Retry-Num``), the message/app_mention pair for one message, and other processes
sharing the database all meet the same key, so a draft is reviewed once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext

from bot.review.followup import classify_followup
from bot.slack.deps import SlackDeps
from bot.slack.inbound import mentions, plain_text, strip_mention
from bot.slack.listeners import flows
from bot.slack.listeners.flows import Place
from bot.store import ReviewRecord

log = logging.getLogger(__name__)

#: Message subtypes that are a person's words; others (joins, topic changes...) are not drafts.
NEW_MESSAGE_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def register(app: AsyncApp, deps: SlackDeps) -> None:
    # Bolt has already acked the event when these run; the work goes on after them.
    async def on_message(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        deps.spawn(guarded_message(deps, body, event, context.bot_user_id))

    async def on_app_mention(body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext) -> None:
        deps.spawn(guarded_mention(deps, body, event, context.bot_user_id))

    app.event("message")(on_message)
    app.event("app_mention")(on_app_mention)


async def guarded_message(
    deps: SlackDeps, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> None:
    try:
        await handle_message(deps, body, event, bot_user_id)
    except Exception as exc:
        # Only a draft we would have reviewed deserves a reply; other chatter stays quiet.
        wanted = not event.get("subtype") and not is_from_bot(event, bot_user_id)
        wanted = wanted and await deps.channels.is_review_channel(str(event.get("channel") or ""))
        await _report(deps, event, exc, post=wanted)


async def guarded_mention(
    deps: SlackDeps, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> None:
    try:
        await handle_mention(deps, body, event, bot_user_id)
    except Exception as exc:
        await _report(deps, event, exc, post=not is_from_bot(event, bot_user_id))


async def _report(deps: SlackDeps, event: dict[str, Any], exc: Exception, *, post: bool) -> None:
    flows.log_failure("event listener", exc)
    channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
    if post and channel and ts:
        await flows.notify_in_thread(
            deps, channel, str(event.get("thread_ts") or ts), flows.failure_message(exc)
        )


def is_from_bot(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return (
        bool(event.get("bot_id"))
        or event.get("subtype") == "bot_message"
        or (bot_user_id is not None and event.get("user") == bot_user_id)
    )


def _team(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


async def _first_time(
    deps: SlackDeps, body: dict[str, Any], key: str, *, reply_in: tuple[str, str] | None = None
) -> bool:
    """Claim the delivery (event_id) and the draft key together; False if either was seen before.

    ``reply_in=(channel, thread_ts)``: a reply is owed there until ``deps.store.finish_work(key)``
    (see ``bot.slack.unfinished``).
    """
    event_id = body.get("event_id")
    keys = [f"event:{event_id}", key] if event_id else [key]
    if not await deps.store.claim_all(keys, reply_in=reply_in):
        log.info("event %s or its draft already handled (retry %s)", event_id, body.get("retry_attempt", "-"))
        return False
    return True


async def _reply_once(
    deps: SlackDeps,
    body: dict[str, Any],
    key: str,
    reply_in: tuple[str, str],
    reply: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    """``reply()`` the first time ``key`` (and this delivery) is seen, owing a reply in
    ``reply_in`` until it ends: the claim and the debt it settles share one key."""
    if await _first_time(deps, body, key, reply_in=reply_in):
        await _owed(deps, key, reply())


async def _owed(deps: SlackDeps, key: str, reply: Coroutine[Any, Any, None]) -> None:
    """Run ``reply`` (the work a claim with ``reply_in`` promised), then settle the debt.

    An exception still settles it: the listener's guard posts the failure notice. Cancellation
    (a shutdown that outran its grace) does not, so the sweep in ``bot.slack.unfinished`` says so.
    """
    try:
        await reply
    finally:
        if not _cancelling():
            try:
                await deps.store.finish_work(key)
            except Exception as exc:  # the reply is out; a stale row only means a late apology
                log.warning("could not record a finished reply: %s", type(exc).__name__)


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def handle_message(
    deps: SlackDeps, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> None:
    subtype = event.get("subtype")
    if subtype == "message_changed":
        await handle_edit(deps, body, event, bot_user_id)
        return
    if subtype == "message_deleted":
        await handle_delete(deps, body, event)
        return
    if subtype not in NEW_MESSAGE_SUBTYPES or is_from_bot(event, bot_user_id):
        return
    channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != ts:
        # A reply in a thread: only follow-ups in review threads, and only when the setting asks;
        # a reply that mentions the bot is handled by app_mention.
        if deps.settings.reply_in_threads_without_mention and not mentions(
            str(event.get("text", "")), bot_user_id
        ):
            await handle_followup(deps, body, event, bot_user_id, require_review_thread=True)
        return
    if not await deps.channels.is_review_channel(channel):
        return
    await _review_in_its_thread(deps, body, event, bot_user_id, channel, ts)


async def handle_mention(
    deps: SlackDeps, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> None:
    if is_from_bot(event, bot_user_id):
        return
    ts = str(event.get("ts") or "")
    thread_ts = event.get("thread_ts")
    if thread_ts and thread_ts != ts:
        await handle_followup(deps, body, event, bot_user_id, require_review_thread=False)
        return
    channel = str(event.get("channel") or "")
    await _review_in_its_thread(deps, body, event, bot_user_id, channel, ts)


async def _review_in_its_thread(
    deps: SlackDeps,
    body: dict[str, Any],
    event: dict[str, Any],
    bot_user_id: str | None,
    channel: str,
    ts: str,
) -> None:
    """A top-level message that is a draft: its review goes into the message's own thread."""
    place = Place(
        team=_team(body, event), channel=channel, ts=ts, thread_ts=ts, user=str(event.get("user") or "")
    )
    text = plain_text(strip_mention(str(event.get("text") or ""), bot_user_id))
    files_only = flows.event_files_only(event)
    await _reply_once(
        deps,
        body,
        place.claim_key,
        place.reply_in,
        lambda: flows.review_into_thread(deps, place, text, has_files=files_only),
    )


async def handle_followup(
    deps: SlackDeps,
    body: dict[str, Any],
    event: dict[str, Any],
    bot_user_id: str | None,
    *,
    require_review_thread: bool,
) -> None:
    """A message in a thread: a question or a revision when the thread holds a review; a new
    draft reviewed in place when it does not (only for mentions)."""
    channel, ts = str(event.get("channel") or ""), str(event.get("ts") or "")
    thread_ts = str(event.get("thread_ts") or ts)
    reviews = [r for r in await deps.store.thread_reviews(channel, thread_ts) if not r.deleted]
    if not reviews and require_review_thread:
        return
    place = Place(
        team=_team(body, event),
        channel=channel,
        ts=ts,
        thread_ts=thread_ts,
        user=str(event.get("user") or ""),
    )
    text = plain_text(strip_mention(str(event.get("text") or ""), bot_user_id)).strip()
    files_only = flows.event_files_only(event)
    await _reply_once(
        deps,
        body,
        place.claim_key,
        place.reply_in,
        lambda: _follow_up(deps, place, text, reviews, files_only=files_only),
    )


async def _follow_up(
    deps: SlackDeps, place: Place, text: str, reviews: list[ReviewRecord], *, files_only: bool
) -> None:
    if not reviews:
        await flows.review_into_thread(deps, place, text, has_files=files_only)
        return
    if not text:
        await flows.notify_in_thread(
            deps, place.channel, place.thread_ts, flows.FILES_ONLY if files_only else flows.EMPTY_MENTION
        )
        return
    latest = reviews[-1]
    if classify_followup(text) == "question":
        await flows.answer_in_thread(deps, place, text, latest)
    else:
        await flows.rereview_into_thread(deps, place, text, latest)


async def handle_edit(
    deps: SlackDeps, body: dict[str, Any], event: dict[str, Any], bot_user_id: str | None
) -> None:
    message = event.get("message") or {}
    if is_from_bot(message, bot_user_id):
        return
    channel, ts = str(event.get("channel") or ""), str(message.get("ts") or "")
    rec = await deps.store.latest_for_draft(channel, ts)
    if rec is None or rec.deleted:
        return
    text = plain_text(strip_mention(str(message.get("text") or ""), bot_user_id))
    if text == rec.review.draft.text:
        return  # link unfurls and the like also arrive as message_changed
    edited_ts = str((message.get("edited") or {}).get("ts") or event.get("event_ts") or "")
    key = f"{_team(body, event)}:{channel}:{ts}:edit:{edited_ts}"
    reply_in = (channel, rec.thread_ts or ts)
    await _reply_once(deps, body, key, reply_in, lambda: flows.rereview_edit(deps, rec, text))


async def handle_delete(deps: SlackDeps, body: dict[str, Any], event: dict[str, Any]) -> None:
    channel = str(event.get("channel") or "")
    ts = str(event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts") or "")
    if not ts or not await _first_time(deps, body, f"{_team(body, event)}:{channel}:{ts}:deleted"):
        return
    await flows.mark_deleted(deps, channel, ts)
