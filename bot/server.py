"""The ASGI app for HTTP mode: Slack's events, commands and interactivity at ``/slack/events``,
and ``/healthz`` for the platform's health checks. Other front ends mount their routes here too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.review.service import ReviewService
from bot.settings import Settings
from bot.slack.app import SlackConfigError, build_app, close_app
from bot.slack.worker import BackgroundLoop, tune_for_serving
from bot.store import AsyncStore

log = logging.getLogger(__name__)

#: Seconds a shutdown waits for reviews already acked to be posted.
SHUTDOWN_GRACE_SECONDS = 20.0


@dataclass
class Services:
    """What the lifespan builds; tests and the benchmark may pass their own."""

    service: ReviewService | None = None
    store: AsyncStore | None = None


def check_http_settings(settings: Settings) -> None:
    """Raise SlackConfigError naming the first missing setting HTTP mode needs."""
    if settings.slack_bot_token is None:
        raise SlackConfigError(
            "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token from your Slack app."
        )
    if settings.slack_signing_secret is None:
        raise SlackConfigError(
            "SLACK_SIGNING_SECRET is not set: copy it from your Slack app's Basic Information."
        )


def create_asgi_app(settings: Settings, *, services: Services | None = None) -> Starlette:
    """The Starlette app. Settings are checked now (a clear error before serving); the review
    service, store and Slack client are built at startup, on the server's event loop."""
    check_http_settings(settings)
    given = services or Services()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        worker = BackgroundLoop().start()
        service = given.service or ReviewService(settings)
        store = given.store if given.store is not None else await _open_store(settings)
        bolt = build_app(settings, service, store, worker=worker)
        app.state.bolt = bolt
        app.state.slack_handler = AsyncSlackRequestHandler(bolt)
        log.info("Slack HTTP endpoint ready at /slack/events")
        try:
            yield
        finally:
            app.state.slack_handler = None
            await close_app(bolt, close_service=given.service is None, grace_seconds=SHUTDOWN_GRACE_SECONDS)
            if given.store is None:
                await store.aclose()

    async def slack_events(request: Request) -> Response:
        handler: AsyncSlackRequestHandler | None = getattr(request.app.state, "slack_handler", None)
        if handler is None:
            return JSONResponse({"ok": False, "error": "starting"}, status_code=503)
        return await handler.handle(request)

    async def healthz(request: Request) -> Response:
        ready = getattr(request.app.state, "slack_handler", None) is not None
        return JSONResponse({"ok": ready}, status_code=200 if ready else 503)

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


async def _open_store(settings: Settings) -> AsyncStore:
    # Creating the store creates tables: blocking work, kept off the event loop.
    return await asyncio.to_thread(AsyncStore.from_settings, settings)


def bolt_app_of(app: Starlette) -> AsyncApp:
    """The running Bolt app (after startup)."""
    bolt: AsyncApp = app.state.bolt
    return bolt


def serve(settings: Settings, host: str = "0.0.0.0", port: int = 3000) -> None:
    """Serve HTTP mode with uvicorn until interrupted."""
    import uvicorn

    asgi = create_asgi_app(settings)
    # Reviews run on a second thread (bot.slack.worker); see tune_for_serving for why these
    # interpreter settings help the thread that acks Slack's requests.
    tune_for_serving()
    uvicorn.run(asgi, host=host, port=port, log_level=settings.log_level.lower(), proxy_headers=True)
