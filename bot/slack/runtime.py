"""What the Slack listeners share: the conversation they hand events to, the Slack client, and
where their work runs once Slack has its ack (the worker loop, or tasks on this loop)."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation import Conversation
from bot.conversation.clearance import ClearancePolicy, Clearances
from bot.conversation.outbox import DeliveryPolicy
from bot.conversation.transport import ChannelLimit
from bot.review.service import ReviewService
from bot.runtime.worker import BackgroundLoop
from bot.settings import Settings
from bot.slack.channels import ReviewChannels
from bot.slack.transport import SlackTransport
from bot.slack.usergroups import SlackUserGroups
from bot.store import AsyncStore

T = TypeVar("T")


@dataclass
class SlackRuntime:
    settings: Settings
    conversation: Conversation
    transport: SlackTransport
    worker: BackgroundLoop | None = None
    #: Work started on the calling loop when there is no worker; drained on shutdown.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    #: The sweep for abandoned replies (bot.conversation.owed_replies), on the worker loop.
    sweeper: concurrent.futures.Future[None] | None = None
    #: Clicks of "Cleared to post"; REDTEAM_APPROVERS' user groups are read with this client.
    clearances: Clearances = field(init=False)

    def __post_init__(self) -> None:
        groups = SlackUserGroups(self.transport.client)
        self.clearances = Clearances(self.conversation, self.conversation.clearance, groups)

    @classmethod
    def build(
        cls,
        settings: Settings,
        service: ReviewService,
        store: AsyncStore,
        client: AsyncWebClient,
        worker: BackgroundLoop | None = None,
    ) -> SlackRuntime:
        """``client`` is the one listeners' work uses (on the worker loop when there is one)."""
        channels = ReviewChannels(settings.review_channel_list, client)
        limit = ChannelLimit(per_second=settings.slack_posts_per_second, burst=settings.slack_post_burst)
        transport = SlackTransport(client, channels, service.checker.taxonomy, limit=limit)
        conversation = Conversation(
            service, store, transport, delivery=DeliveryPolicy.from_settings(settings),
            clearance=ClearancePolicy.from_settings(settings),
        )
        return cls(settings, conversation, transport, worker)

    @property
    def service(self) -> ReviewService:
        return self.conversation.service

    @property
    def store(self) -> AsyncStore:
        return self.conversation.store

    @property
    def client(self) -> AsyncWebClient:
        return self.transport.client

    @property
    def channels(self) -> ReviewChannels:
        return self.transport.channels

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
