"""The work behind the listeners: review a draft, post it in its thread, say so when it fails.

Listeners ack first and then call these; everything here runs after the ack, so it may wait
on the LLM and the database. Draft text is never logged above DEBUG.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.review.intake import DraftRejected
from bot.review.models import Draft, Review, ReviewDelta, ThreadContext, ThreadMessage
from bot.slack import render
from bot.slack.deps import SlackDeps
from bot.store import ReviewRecord

log = logging.getLogger(__name__)

#: Errors that mean "the bot is not in that conversation", so another route must be used.
NOT_IN_CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived", "restricted_action"})

FILES_ONLY = "I can only review text: paste the post's words (describe the image in [brackets])."
EMPTY_MENTION = (
    "Mention me with the post's text and I'll red-team it, e.g. `@redteam Thanks to everyone who "
    "watched this week!` — or ask a question in a review thread."
)
INVITE_HINT = "I can't post in this channel. Invite me with `/invite @redteam`, then try again."
#: Thread messages passed to the LLM when answering a question; older ones add little.
MAX_THREAD_MESSAGES = 30


@dataclass(frozen=True)
class Place:
    """Where a draft lives in Slack and where its review goes."""

    team: str
    channel: str
    ts: str  # the draft message
    thread_ts: str  # the thread the review is posted in
    user: str

    @property
    def claim_key(self) -> str:
        return f"{self.team}:{self.channel}:{self.ts}"

    @property
    def reply_in(self) -> tuple[str, str]:
        return self.channel, self.thread_ts


def failure_reason(exc: BaseException) -> str:
    """A plain reason for a failure; never the exception's own text (it may quote the draft)."""
    if isinstance(exc, SlackApiError):
        error = _slack_error_code(exc)
        if error == "ratelimited":
            return "Slack is rate-limiting me right now"
        if error in NOT_IN_CHANNEL_ERRORS:
            return "I'm not allowed to post there"
        return "Slack refused my reply"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "it took too long"
    if isinstance(exc, OSError):
        return "I couldn't reach a service I need"
    return "something went wrong on my side"


def _slack_error_code(exc: SlackApiError) -> str:
    # When Slack's answer was not JSON (a proxy's error page), the SDK's error carries the raw
    # HTTP response instead of a parsed one, and there is no error code to read.
    get = getattr(exc.response, "get", None)
    try:
        error = get("error") if callable(get) else None
    except (ValueError, TypeError, AttributeError):
        error = None
    return error if isinstance(error, str) else ""


def failure_message(exc: BaseException) -> str:
    return (
        f"Sorry — I couldn't finish this review ({failure_reason(exc)}). Try again, or post the draft again."
    )


def log_failure(what: str, exc: BaseException) -> None:
    """Log where it failed without the exception message, which may hold draft text."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s failed: %s\n%s", what, type(exc).__name__, frames)
    log.debug("%s failure detail: %r", what, exc)


def slack_error(exc: BaseException) -> str | None:
    return str(exc.response.get("error") or "") if isinstance(exc, SlackApiError) else None


# --- posting ---------------------------------------------------------------------------


async def post_in_thread(deps: SlackDeps, channel: str, thread_ts: str, msg: render.RenderedMessage) -> str:
    resp = await deps.client.chat_postMessage(
        channel=channel,
        thread_ts=thread_ts,
        text=msg.text,
        blocks=msg.blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    return str(resp["ts"])


async def notify_in_thread(deps: SlackDeps, channel: str, thread_ts: str, message: str) -> None:
    """Best effort: a short notice in the thread; a failure here is only logged."""
    try:
        await post_in_thread(deps, channel, thread_ts, render.render_notice(message))
    except Exception as exc:
        log_failure("posting a notice", exc)


async def _react(deps: SlackDeps, place: Place) -> None:
    # The :eyes: reaction is a courtesy; never let it stop a review.
    try:
        await deps.client.reactions_add(channel=place.channel, timestamp=place.ts, name="eyes")
    except Exception as exc:
        log.debug("reaction failed: %s", type(exc).__name__)


async def _show_working(deps: SlackDeps, place: Place) -> asyncio.Task[None]:
    """Put :eyes: on the draft while the review starts (the visible "working" signal).

    It runs beside the review rather than before it, so the LLM call does not wait a Slack
    round trip. It is left in place afterwards: the review in the thread says the work is
    done, and removing the reaction would cost every review one more Slack call.
    """
    task = asyncio.ensure_future(_react(deps, place))
    await asyncio.sleep(0)  # let it send before the review's CPU-bound start (the offline checker)
    return task


# --- reviews ----------------------------------------------------------------------------


async def review_into_thread(deps: SlackDeps, place: Place, text: str, *, has_files: bool = False) -> None:
    """Review ``text`` (plain) and post the review in ``place``'s thread; never raises."""
    if not text.strip():
        await notify_in_thread(
            deps, place.channel, place.thread_ts, FILES_ONLY if has_files else EMPTY_MENTION
        )
        return
    working = await _show_working(deps, place)
    try:
        review = await deps.service.review(Draft(text=text, id=place.claim_key))
        await save_and_post(deps, place, review, version=1)
    except DraftRejected as exc:
        await notify_in_thread(deps, place.channel, place.thread_ts, str(exc))
    except Exception as exc:
        log_failure("review", exc)
        await notify_in_thread(deps, place.channel, place.thread_ts, failure_message(exc))
    finally:
        await working


async def save_and_post(
    deps: SlackDeps, place: Place, review: Review, *, version: int, delta: ReviewDelta | None = None
) -> str:
    rec = ReviewRecord(
        channel=place.channel,
        draft_ts=place.ts,
        thread_ts=place.thread_ts,
        user_id=place.user,
        version=version,
        review=review,
    )
    # The record's id is made here, so it is saved once, with the reply it belongs to.
    msg = deps.render_review(review, review_id=rec.review_id, delta=delta)
    rec.reply_ts = await post_in_thread(deps, place.channel, place.thread_ts, msg)
    return await deps.store.save_review(rec)


async def rereview_into_thread(deps: SlackDeps, place: Place, text: str, previous: ReviewRecord) -> None:
    """A revised draft posted in a review thread: review it and post the delta; never raises."""
    working = await _show_working(deps, place)
    try:
        review, delta = await deps.service.rereview(Draft(text=text, id=place.claim_key), previous.review)
        await save_and_post(deps, place, review, version=previous.version + 1, delta=delta)
    except DraftRejected as exc:
        await notify_in_thread(deps, place.channel, place.thread_ts, str(exc))
    except Exception as exc:
        log_failure("re-review", exc)
        await notify_in_thread(deps, place.channel, place.thread_ts, failure_message(exc))
    finally:
        await working


async def answer_in_thread(deps: SlackDeps, place: Place, question: str, latest: ReviewRecord) -> None:
    """A teammate's question in a review thread: answer from the draft, review and discussion."""
    try:
        messages = await thread_messages(deps, place.channel, place.thread_ts, exclude_ts=place.ts)
        context = ThreadContext(draft=latest.review.draft, review=latest.review, messages=messages)
        answer = await deps.service.answer(question, context)
        await post_in_thread(deps, place.channel, place.thread_ts, render.render_answer(answer))
    except Exception as exc:
        log_failure("answer", exc)
        await notify_in_thread(
            deps,
            place.channel,
            place.thread_ts,
            f"Sorry — I couldn't answer that ({failure_reason(exc)}). Try asking again.",
        )


async def thread_messages(
    deps: SlackDeps, channel: str, thread_ts: str, *, exclude_ts: str
) -> list[ThreadMessage]:
    """The thread's discussion from Slack (conversations.replies); empty if Slack won't say."""
    from bot.slack.inbound import plain_text

    try:
        resp = await deps.client.conversations_replies(channel=channel, ts=thread_ts, limit=200)
    except SlackApiError as exc:
        log.warning("conversations.replies failed: %s", slack_error(exc))
        return []
    out: list[ThreadMessage] = []
    for m in resp.get("messages") or []:
        if m.get("ts") == exclude_ts:
            continue
        is_bot = bool(m.get("bot_id")) or m.get("subtype") == "bot_message"
        author = "redteam" if is_bot else str(m.get("user") or "someone")
        text = plain_text(str(m.get("text") or ""))
        if text.strip():
            out.append(ThreadMessage(author=author, text=text))
    return out[-MAX_THREAD_MESSAGES:]


async def update_reply(deps: SlackDeps, rec: ReviewRecord, msg: render.RenderedMessage) -> None:
    if rec.reply_ts is None:
        raise LookupError("the review has no reply to update")
    await deps.client.chat_update(channel=rec.channel, ts=rec.reply_ts, text=msg.text, blocks=msg.blocks)


async def rereview_edit(deps: SlackDeps, rec: ReviewRecord, text: str) -> None:
    """The draft was edited: review the new text and update the bot's reply in place."""
    thread_ts = rec.thread_ts or rec.draft_ts
    try:
        review, delta = await deps.service.rereview(Draft(text=text, id=rec.review.draft.id), rec.review)
        new = ReviewRecord(
            channel=rec.channel,
            draft_ts=rec.draft_ts,
            thread_ts=thread_ts,
            user_id=rec.user_id,
            version=rec.version + 1,
            review=review,
        )
        msg = deps.render_review(review, review_id=new.review_id, delta=delta)
        if rec.reply_ts:
            await update_reply(deps, rec, msg)
            new.reply_ts = rec.reply_ts
        else:
            new.reply_ts = await post_in_thread(deps, rec.channel, thread_ts, msg)
        await deps.store.save_review(new)
    except DraftRejected as exc:
        await notify_in_thread(deps, rec.channel, thread_ts, str(exc))
    except Exception as exc:
        log_failure("edit re-review", exc)
        await notify_in_thread(deps, rec.channel, thread_ts, failure_message(exc))


async def mark_deleted(deps: SlackDeps, channel: str, draft_ts: str) -> None:
    try:
        rec = await deps.store.mark_deleted(channel, draft_ts)
        if rec is not None and rec.reply_ts:
            await update_reply(deps, rec, render.render_deleted())
    except Exception as exc:
        log_failure("marking a review deleted", exc)


def event_files_only(event: dict[str, Any]) -> bool:
    return bool(event.get("files")) or event.get("subtype") == "file_share"
