"""The conversation layer's transport on Slack: outcomes rendered as Block Kit, sent with
slack_sdk (whose retry handlers honour Slack's rate limits, see ``bot.slack.client``)."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import SLACK, Answered, DraftDeleted, Notice, Outcome, Place, Reviewed
from bot.conversation.transport import ChannelLimit
from bot.review.models import ThreadMessage
from bot.review.taxonomy import Taxonomy
from bot.slack import render
from bot.slack.channels import ReviewChannels
from bot.slack.client import without_retries
from bot.slack.errors import NOT_IN_CHANNEL_ERRORS, slack_error
from bot.slack.inbound import plain_text

log = logging.getLogger(__name__)

#: Slack errors that a later try may get past (with HTTP 5xx and 429 themselves).
PASSING_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

#: The message metadata type our replies carry; its payload's ``key`` makes a post findable.
REPLY_EVENT_TYPE = "redteam_reply"

#: Pages of a thread searched for an earlier post (200 messages each).
FIND_PAGES = 5

#: A channel's newest messages searched for an earlier top-level post.
FIND_RECENT = 200

INVITE_HINT = "I can't post in this channel. Invite me with `/invite @redteam`, then try again."


class SlackTransport:
    """:class:`bot.conversation.Transport` for one Slack workspace's bot token."""

    platform = SLACK

    def __init__(
        self,
        client: AsyncWebClient,
        channels: ReviewChannels,
        taxonomy: Taxonomy,
        *,
        limit: ChannelLimit | None = None,
    ) -> None:
        self.client = client
        # Posts go out once per call: the outbox decides whether and when to try again.
        self.poster = without_retries(client)
        self.channels = channels
        self.channel_limit = limit or ChannelLimit(per_second=1.0, burst=3)
        # Slack limits posts per channel only (chat.postMessage), not the app's calls together.
        self.app_limit: ChannelLimit | None = None
        # The taxonomy's own category labels, as the command line shows them.
        self.category_labels = {cid: taxonomy.label(cid) for cid in taxonomy.ids}

    def render(self, outcome: Outcome) -> render.RenderedMessage:
        if isinstance(outcome, Reviewed):
            return render.render_review(
                outcome.review,
                review_id=outcome.review_id,
                delta=outcome.delta,
                shared_by=outcome.shared_by,
                ephemeral=outcome.private,
                category_labels=self.category_labels,
                clearance=outcome.clearance,
            )
        if isinstance(outcome, Answered):
            return render.render_answer(outcome.text)
        if isinstance(outcome, DraftDeleted):
            return render.render_deleted()
        assert isinstance(outcome, Notice)
        return render.render_notice(outcome.text)

    async def post_in_thread(
        self, channel: str, thread: str, outcome: Outcome, *, key: str | None = None
    ) -> str:
        msg = self.render(outcome)
        resp = await self.poster.chat_postMessage(
            channel=channel,
            thread_ts=thread,
            text=msg.text,
            blocks=msg.blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata=Metadata(event_type=REPLY_EVENT_TYPE, event_payload={"key": key}) if key else None,
        )
        return str(resp["ts"])

    async def find_reply(self, channel: str, thread: str, key: str) -> str | None:
        cursor: str | None = None
        for _ in range(FIND_PAGES):
            resp = await self.client.conversations_replies(
                channel=channel, ts=thread, limit=200, include_all_metadata=True, cursor=cursor
            )
            for m in resp.get("messages") or []:
                meta = m.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == REPLY_EVENT_TYPE and payload.get("key") == key:
                    return str(m["ts"])
            cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
            if not resp.get("has_more") or not cursor:
                return None
        return None

    def pace_key(self, channel: str, *, thread: str | None = None, message: str | None = None) -> str:
        return channel

    def over_app_limit(self, exc: BaseException) -> bool:
        return False

    def route(self, channel: str) -> str | None:
        return None  # one Web API for the workspace: the channel id is enough

    def learn_route(self, channel: str, route: str) -> None:
        return None

    def retry_after(self, exc: BaseException) -> float | None:
        if isinstance(exc, SlackApiError):
            status = int(getattr(exc.response, "status_code", 200) or 200)
            if status == 429 or slack_error(exc) == "ratelimited":
                headers = getattr(exc.response, "headers", None) or {}
                try:
                    return max(0.0, float(headers.get("Retry-After") or headers.get("retry-after") or 1))
                except ValueError:
                    return 1.0
            return 0.0 if status >= 500 or slack_error(exc) in PASSING_ERRORS else None
        if isinstance(exc, aiohttp.ClientError | TimeoutError | asyncio.TimeoutError | ConnectionError):
            return 0.0
        return None

    async def post_in_channel(self, channel: str, outcome: Outcome, *, key: str | None = None) -> str:
        msg = self.render(outcome)
        resp = await self.poster.chat_postMessage(
            channel=channel,
            text=msg.text,
            blocks=msg.blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata=Metadata(event_type=REPLY_EVENT_TYPE, event_payload={"key": key}) if key else None,
        )
        return str(resp["ts"])

    async def find_in_channel(self, channel: str, key: str) -> str | None:
        # A retry follows its failed try within the delivery window: the channel's newest
        # messages hold it if it landed.
        resp = await self.client.conversations_history(
            channel=channel, limit=FIND_RECENT, include_all_metadata=True
        )
        for m in resp.get("messages") or []:
            meta = m.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == REPLY_EVENT_TYPE and payload.get("key") == key:
                return str(m["ts"])
        return None

    async def update_message(self, channel: str, message: str, outcome: Outcome) -> None:
        msg = self.render(outcome)
        await self.client.chat_update(channel=channel, ts=message, text=msg.text, blocks=msg.blocks)

    async def show_working(self, place: Place) -> None:
        # :eyes: on the draft. It is left in place afterwards: the review in the thread says the
        # work is done, and removing the reaction would cost every review one more Slack call.
        await self.client.reactions_add(channel=place.channel, timestamp=place.message, name="eyes")

    async def thread_messages(self, channel: str, thread: str, *, exclude: str) -> list[ThreadMessage]:
        try:
            resp = await self.client.conversations_replies(channel=channel, ts=thread, limit=200)
        except SlackApiError as exc:
            log.warning("conversations.replies failed: %s", slack_error(exc))
            return []
        out: list[ThreadMessage] = []
        for m in resp.get("messages") or []:
            if m.get("ts") == exclude:
                continue
            is_bot = bool(m.get("bot_id")) or m.get("subtype") == "bot_message"
            author = "redteam" if is_bot else str(m.get("user") or "someone")
            text = plain_text(str(m.get("text") or ""))
            if text.strip():
                out.append(ThreadMessage(author=author, text=text))
        return out

    async def is_review_channel(self, channel: str) -> bool:
        return await self.channels.is_review_channel(channel)

    def describe_failure(self, exc: BaseException) -> str | None:
        error = slack_error(exc)
        if error is None:
            return None
        if error == "ratelimited":
            return "Slack is rate-limiting me right now"
        if error in NOT_IN_CHANNEL_ERRORS:
            return "I'm not allowed to post there"
        return "Slack refused my reply"
