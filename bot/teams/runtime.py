"""What the Teams handlers share: the SDK app, the conversation they hand activities to, its
transport, and the review loop where their work runs (never the loop that answers Teams)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.conversation import Conversation, Place
from bot.conversation.clearance import ClearancePolicy, Clearances
from bot.conversation.outbox import DeliveryPolicy
from bot.conversation.owed_replies import sweep_forever
from bot.review.service import ReviewService
from bot.runtime.worker import BackgroundLoop
from bot.settings import Settings
from bot.store import AsyncStore
from bot.teams import cards
from bot.teams.app import TeamsApp
from bot.teams.graph import GRAPH_URLS, GraphReplies
from bot.teams.port import TeamsConversationTransport, app_limit, thread_limit
from bot.teams.transport import TeamsTransport

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class TeamsRuntime:
    settings: Settings
    teams: TeamsApp
    conversation: Conversation
    port: TeamsConversationTransport
    worker: BackgroundLoop
    #: The sweep for abandoned replies (bot.conversation.owed_replies), on the review loop.
    sweeper: concurrent.futures.Future[None] | None = None
    #: Clicks of "Cleared to post". REDTEAM_APPROVERS names Teams users by their Entra object id
    #: (Teams has no groups the bot can read), the id :func:`bot.teams.handlers.user_of` gives.
    clearances: Clearances = field(init=False)

    def __post_init__(self) -> None:
        self.clearances = Clearances(self.conversation, self.conversation.clearance)

    @classmethod
    def build(
        cls, settings: Settings, teams: TeamsApp, service: ReviewService, store: AsyncStore,
        worker: BackgroundLoop,
    ) -> TeamsRuntime:
        """The runtime with its handlers registered on ``teams``; ``worker`` must be running.
        Call :meth:`start_sweeping` once the app serves."""
        from bot.teams.handlers import register

        graph_url = settings.teams_graph_url
        if graph_url is None:
            graph_url = GRAPH_URLS.get(settings.teams_cloud, "")
        graph = GraphReplies(graph_url, teams.token_source) if graph_url and teams.token_source else None
        port = TeamsConversationTransport(
            TeamsTransport(teams.app.api),
            review_channels=settings.teams_review_channel_list,
            taxonomy=service.checker.taxonomy,
            store=store,
            limit=thread_limit(settings.teams_thread_windows),
            app=app_limit(settings.teams_app_requests_per_second),
            graph=graph,
        )
        conversation = Conversation(
            service, store, port, delivery=DeliveryPolicy.from_settings(settings),
            clearance=ClearancePolicy.from_settings(settings),
        )
        port.pacer = conversation.outbox.pacer
        runtime = cls(settings, teams, conversation, port, worker)
        register(runtime)
        return runtime

    @property
    def review_channels(self) -> list[str]:
        return self.port.configured_channels

    def start_sweeping(self) -> None:
        sweep = sweep_forever(self.conversation.store, self.conversation.outbox)
        # Not submitted as work: it never ends, and shutdown drains work.
        self.sweeper = asyncio.run_coroutine_threadsafe(sweep, self.worker.loop)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Start a handler's work on the review loop; the handler returns at once."""
        self.worker.submit(coro)

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return self.worker.submit(coro)

    async def post_help(self, place: Place) -> None:
        try:
            card = cards.render_help(self.review_channels)
            await self.port.teams.post(self.port.place_of(place.channel, place.thread), card)
        except Exception as exc:
            log.warning("could not post help: %s", type(exc).__name__)

    async def close(self, grace_seconds: float) -> int:
        """Stop sweeping and let started work finish (up to ``grace_seconds``); returns how much
        was still running. The review loop itself is the caller's to stop."""
        if self.sweeper is not None:
            self.sweeper.cancel()
        unfinished = await self.worker.drain(grace_seconds)
        if unfinished:
            log.warning("%d Teams review(s) were still running at shutdown", unfinished)
        if self.teams.connection is not None and self.worker.running:
            try:
                closing = self.worker.submit(self.teams.connection.aclose())
                await asyncio.wait_for(asyncio.wrap_future(closing), 5)
            except Exception as exc:  # the process is stopping anyway
                log.debug("closing the Bot Connector connections failed: %s", type(exc).__name__)
        return unfinished
