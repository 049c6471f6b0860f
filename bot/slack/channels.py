"""Which Slack channels are review channels: ``REDTEAM_REVIEW_CHANNELS``, ids or names."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.errors import slack_error

log = logging.getLogger(__name__)

#: Seconds a failed channel-name lookup is remembered. Without it every message in a channel
#: Slack will not describe costs a conversations.info call (rate-limited at about 50 a minute);
#: with it, a transient failure still heals within this long.
FAILED_LOOKUP_TTL_SECONDS = 30.0

# Channel ids are upper-case (C…, G… for private, D… for DMs); channel names are lower-case.
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


class ReviewChannels:
    """Which channels are review channels: ``REDTEAM_REVIEW_CHANNELS`` ids match at once, names
    through ``conversations.info`` (cached: a channel's id never changes, and a rename is rare
    enough that a restart picking it up is fine; a failed lookup is retried after
    ``FAILED_LOOKUP_TTL_SECONDS``)."""

    def __init__(
        self, entries: list[str], client: AsyncWebClient, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ids = {e for e in entries if _CHANNEL_ID.match(e)}
        self.names = {e.lower() for e in entries if not _CHANNEL_ID.match(e)}
        self._client = client
        self._clock = clock
        self._names_by_id: dict[str, str] = {}
        self._failed_until: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def is_review_channel(self, channel_id: str) -> bool:
        if channel_id in self.ids:
            return True
        if not self.names or not channel_id:
            return False
        name = await self.name_of(channel_id)
        return name is not None and name.lower() in self.names

    async def name_of(self, channel_id: str) -> str | None:
        if channel_id in self._names_by_id:
            return self._names_by_id[channel_id]
        if self._recently_failed(channel_id):
            return None
        # One lookup per channel even when 100 drafts arrive in it at once.
        lock = self._locks.setdefault(channel_id, asyncio.Lock())
        async with lock:
            if channel_id in self._names_by_id:
                return self._names_by_id[channel_id]
            if self._recently_failed(channel_id):
                return None
            try:
                resp = await self._client.conversations_info(channel=channel_id)
            except SlackApiError as exc:
                # Remembered briefly, not for good: a transient error must not turn a review
                # channel off until the next restart.
                self._failed_until[channel_id] = self._clock() + FAILED_LOOKUP_TTL_SECONDS
                log.warning("conversations.info failed for %s: %s", channel_id, slack_error(exc))
                return None
            channel = resp.get("channel") or {}
            name = str(channel.get("name") or "")
            self._names_by_id[channel_id] = name
            self._failed_until.pop(channel_id, None)
            return name

    def _recently_failed(self, channel_id: str) -> bool:
        until = self._failed_until.get(channel_id)
        return until is not None and self._clock() < until
