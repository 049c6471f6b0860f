"""The Bolt app: one ``AsyncApp`` for HTTP mode and Socket Mode alike."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.conversation.owed_replies import sweep_forever
from bot.review.service import ReviewService
from bot.runtime.worker import BackgroundLoop
from bot.settings import Settings
from bot.slack.client import build_client, clone_client
from bot.slack.listeners import register_all
from bot.slack.runtime import SlackRuntime
from bot.store import AsyncStore

log = logging.getLogger(__name__)
bolt_log = logging.getLogger("bot.slack.bolt")


class _QuietTokenWarning(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN (read from the environment) is unused when it is given a
    client; our client carries that very token, so the warning is noise at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


bolt_log.addFilter(_QuietTokenWarning())


class SlackConfigError(ValueError):
    """A Slack setting is missing; the message names it."""


# What to say when a Slack setting is missing, whichever mode finds out: one text per setting.
MISSING_BOT_TOKEN = (
    "SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from your Slack app's "
    "OAuth & Permissions page."
)
MISSING_SIGNING_SECRET = (
    "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from your Slack app's Basic Information."
)
MISSING_APP_TOKEN = (
    "SLACK_APP_TOKEN is not set: create an app-level token (xapp-…) with connections:write "
    "under Basic Information → App-Level Tokens."
)


def build_app(
    settings: Settings,
    service: ReviewService,
    store: AsyncStore,
    client: AsyncWebClient | None = None,
    *,
    worker: BackgroundLoop | None = None,
    socket_mode: bool = False,
) -> AsyncApp:
    """The Bolt app with every listener registered; ``runtime_of(app)`` holds its services.

    HTTP mode needs ``SLACK_SIGNING_SECRET`` (every request's signature is checked); Socket Mode
    does not use it. ``process_before_response=False``: Bolt acks at once and the listeners
    hand the work on (to ``worker``'s loop when given), so a review never holds Slack's ack.
    ``client`` is Bolt's own; the work on ``worker`` gets a copy with a connection pool there.
    """
    if client is None:
        if settings.slack_bot_token is None:
            raise SlackConfigError(MISSING_BOT_TOKEN)
        client = build_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    if secret is None and not socket_mode:
        raise SlackConfigError(MISSING_SIGNING_SECRET)
    app = AsyncApp(
        client=client,
        signing_secret=secret or "",
        process_before_response=False,
        request_verification_enabled=not socket_mode,
        logger=bolt_log,
    )
    work_client = client
    if worker is not None:
        # aiohttp sessions belong to the loop that made them: make this one on the worker's.
        work_client = clone_client(client, session=worker.run(_open_session()))
    runtime = SlackRuntime.build(settings, service, store, work_client, worker)
    register_all(app, runtime)
    if worker is not None:
        # Not submitted as work: it never ends, and shutdown drains work (close_app cancels it).
        sweep = sweep_forever(store, runtime.conversation.outbox)
        runtime.sweeper = asyncio.run_coroutine_threadsafe(sweep, worker.loop)
    app.runtime = runtime  # type: ignore[attr-defined]
    return app


#: Seconds an idle connection to Slack is kept for reuse (aiohttp's default is 15). A burst of
#: drafts after a quiet spell then reuses connections instead of opening one per call at once.
SLACK_KEEPALIVE_SECONDS = 60.0


async def _open_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(keepalive_timeout=SLACK_KEEPALIVE_SECONDS))


async def close_app(app: AsyncApp, *, close_service: bool, grace_seconds: float) -> int:
    """Let started work finish (up to ``grace_seconds``), close what lives on the worker loop,
    stop the worker. Returns how many pieces of work were still running."""
    runtime = runtime_of(app)
    if runtime.sweeper is not None:
        runtime.sweeper.cancel()
    unfinished = await runtime.drain(grace_seconds)
    if unfinished:
        log.warning("%d review(s) were still running at shutdown", unfinished)
    if close_service:
        await runtime.in_worker(runtime.service.aclose())
    if runtime.client is not app.client and runtime.client.session is not None:
        await runtime.in_worker(runtime.client.session.close())
    if runtime.worker is not None:
        runtime.worker.stop()
    return unfinished


def runtime_of(app: AsyncApp) -> SlackRuntime:
    runtime: SlackRuntime = app.runtime  # type: ignore[attr-defined]
    return runtime
