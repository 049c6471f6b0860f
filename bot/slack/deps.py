"""What every Slack listener needs, bundled: settings, the review service, the store, the client."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import re
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.review.models import Review
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.slack import render
from bot.slack.worker import BackgroundLoop
from bot.store import AsyncStore

T = TypeVar("T")

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
                log.warning("conversations.info failed for %s: %s", channel_id, exc.response.get("error"))
                return None
            channel = resp.get("channel") or {}
            name = str(channel.get("name") or "")
            self._names_by_id[channel_id] = name
            self._failed_until.pop(channel_id, None)
            return name

    def _recently_failed(self, channel_id: str) -> bool:
        until = self._failed_until.get(channel_id)
        return until is not None and self._clock() < until


@dataclass
class SlackDeps:
    settings: Settings
    service: ReviewService
    store: AsyncStore
    #: The client listeners' work uses (on the worker loop when there is one).
    client: AsyncWebClient
    channels: ReviewChannels
    worker: BackgroundLoop | None = None
    #: Work started on the calling loop when there is no worker; drained on shutdown.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    #: The sweep for abandoned replies (bot.slack.unfinished), on the worker loop.
    sweeper: concurrent.futures.Future[None] | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        service: ReviewService,
        store: AsyncStore,
        client: AsyncWebClient,
        worker: BackgroundLoop | None = None,
    ) -> SlackDeps:
        return cls(
            settings=settings,
            service=service,
            store=store,
            client=client,
            channels=ReviewChannels(settings.review_channel_list, client),
            worker=worker,
        )

    def render_review(self, review: Review, **options: Any) -> render.RenderedMessage:
        """``render.render_review`` with the taxonomy's own category labels (as the CLI shows them)."""
        taxonomy = self.service.checker.taxonomy
        labels = {cid: taxonomy.label(cid) for cid in taxonomy.ids}
        return render.render_review(review, category_labels=labels, **options)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Start listener work after the ack: on the worker loop, or as a task on this loop."""
        if self.worker is not None and self.worker.running:
            self.worker.submit(coro)
            return
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def in_worker(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` where listener work runs (for closing what lives on that loop)."""
        if self.worker is not None and self.worker.running:
            return await asyncio.wrap_future(self.worker.submit(coro))
        return await coro

    async def drain(self, timeout: float = 30.0) -> int:
        """Wait up to ``timeout`` seconds for started work; returns how much did not finish."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            left = max(0.0, deadline - asyncio.get_running_loop().time())
            unfinished = await self.worker.drain(left) if self.worker is not None else 0
            current = asyncio.current_task()
            pending = [t for t in self.tasks if not t.done() and t is not current]
            if pending:
                _done, still = await asyncio.wait(pending, timeout=left)
                unfinished += len(still)
            # work may start more work (a review posts, then records); look again until quiet
            if unfinished or left == 0 or not (self.tasks or (self.worker and self.worker.pending)):
                return unfinished
