"""Slack user groups named in ``REDTEAM_APPROVERS``: their members, read with
``usergroups.users.list`` and kept briefly, so a change in Slack reaches the bot within a minute
and a burst of clicks costs one call."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

from slack_sdk.web.async_client import AsyncWebClient

#: Seconds a group's members are kept.
MEMBERS_TTL_SECONDS = 60.0

# User group ids start with S (users with U or W, channels with C, G or D).
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")


class SlackUserGroups:
    """:class:`bot.conversation.clearance.ApproverGroups` over the Slack Web API."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        ttl: float = MEMBERS_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def is_group(self, entry: str) -> bool:
        return _GROUP_ID.match(entry) is not None

    async def members(self, group: str) -> frozenset[str]:
        """The group's user ids; raises SlackApiError when Slack won't say (a missing
        ``usergroups:read`` scope, a deleted group), and nothing is cached then."""
        cached = self._fresh(group)
        if cached is not None:
            return cached
        async with self._locks.setdefault(group, asyncio.Lock()):
            cached = self._fresh(group)
            if cached is not None:
                return cached
            resp = await self._client.usergroups_users_list(usergroup=group)
            members = frozenset(str(u) for u in resp.get("users") or [])
            self._members[group] = (self._clock() + self._ttl, members)
            return members

    def _fresh(self, group: str) -> frozenset[str] | None:
        entry = self._members.get(group)
        if entry is not None and self._clock() < entry[0]:
            return entry[1]
        return None
