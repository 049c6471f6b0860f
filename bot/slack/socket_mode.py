"""Socket Mode for development: the app connects out to Slack over a websocket, so it needs no
public URL — just ``SLACK_APP_TOKEN`` (``xapp-…``, scope connections:write) and ``SLACK_BOT_TOKEN``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.review.service import ReviewService
from bot.runtime.worker import BackgroundLoop
from bot.settings import Settings
from bot.slack.app import MISSING_APP_TOKEN, MISSING_BOT_TOKEN, SlackConfigError, build_app, close_app
from bot.store import AsyncStore

log = logging.getLogger(__name__)

#: Seconds a shutdown waits for reviews already acked to be posted.
GRACE_SECONDS = 20.0


def check_socket_settings(settings: Settings) -> None:
    """Raise SlackConfigError naming the first missing setting Socket Mode needs."""
    if settings.slack_bot_token is None:
        raise SlackConfigError(MISSING_BOT_TOKEN)
    if settings.slack_app_token is None:
        raise SlackConfigError(MISSING_APP_TOKEN)


@dataclass
class SocketModeApp:
    """A connected Socket Mode handler and what it owns; ``close()`` releases all of it."""

    handler: AsyncSocketModeHandler
    close_service: bool  # False when the caller owns the service
    store: AsyncStore | None  # None when the caller owns it

    async def close(self) -> None:
        # Stop taking new envelopes first, then let acked reviews finish.
        await self.handler.close_async()  # type: ignore[no-untyped-call]
        await close_app(self.handler.app, close_service=self.close_service, grace_seconds=GRACE_SECONDS)
        if self.store is not None:
            await self.store.aclose()


async def connect(
    settings: Settings, *, service: ReviewService | None = None, store: AsyncStore | None = None
) -> SocketModeApp:
    """Build the app and open the Socket Mode connection (``apps.connections.open`` + websocket)."""
    check_socket_settings(settings)
    assert settings.slack_app_token is not None
    own_service, own_store = service is None, store is None
    service = service or ReviewService(settings)
    if store is None:
        store = await asyncio.to_thread(AsyncStore.from_settings, settings)
    app = build_app(settings, service, store, worker=BackgroundLoop().start(), socket_mode=True)
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
    except BaseException:
        await close_app(app, close_service=own_service, grace_seconds=0)
        raise
    log.info("Connected to Slack in Socket Mode")
    return SocketModeApp(handler, own_service, store if own_store else None)


async def run_async(settings: Settings) -> None:
    app = await connect(settings)
    try:
        await asyncio.Event().wait()  # until cancelled (Ctrl-C)
    finally:
        await app.close()


def run(settings: Settings) -> None:
    """Run Socket Mode until interrupted."""
    check_socket_settings(settings)
    try:
        asyncio.run(run_async(settings))
    except KeyboardInterrupt:
        log.info("Stopped")
