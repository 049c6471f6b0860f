"""The ASGI app for HTTP mode: Slack's events, commands and interactivity at ``/slack/events``,
Teams' activities at ``/api/messages`` (each when configured), and ``/healthz`` for the
platform's health checks. Both platforms share one review loop, one store and one port, and
every request body is held to ``REDTEAM_MAX_REQUEST_BYTES``.

Events API deliveries are acked as soon as their signature checks out and then dispatched by
Bolt on the review loop (``bot.slack.early_ack``); everything else is Bolt's from the start.

``serve(settings, workers=N)`` runs it under uvicorn, in N worker processes when N > 1. Workers
share nothing but the listening socket and the store, where each draft is claimed once, so a
retried event that reaches another worker is not reviewed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import logging
import os
import tempfile
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.body_limit import BodyLimit
from bot.review.checker import OfflineChecker
from bot.review.service import ReviewService
from bot.runtime.worker import BackgroundLoop
from bot.settings import Settings
from bot.slack.app import MISSING_BOT_TOKEN, MISSING_SIGNING_SECRET, SlackConfigError, build_app, close_app
from bot.slack.early_ack import EarlyEventAck
from bot.slack.request_checks import SlackRequestChecks
from bot.store import AsyncStore, Store
from bot.web.audit import audit_routes

if TYPE_CHECKING:
    from bot.teams.hosting import StarletteRoutes
    from bot.teams.runtime import TeamsRuntime

log = logging.getLogger(__name__)

#: Seconds a shutdown waits for reviews already acked to be posted.
SHUTDOWN_GRACE_SECONDS = 20.0

#: The factory each worker process calls (``uvicorn --factory``), as an import string.
APP_FACTORY = "bot.server:app_from_env"

#: uvicorn's log levels (``REDTEAM_LOG_LEVEL`` is one of them).
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

#: Where workers of ``serve(workers=N)`` report a failed start (set by the parent, for its workers).
_STARTUP_FAILURES_ENV = "REDTEAM_INTERNAL_WORKER_FAILURES"


class WorkerStartupError(RuntimeError):
    """A worker process could not start (its log above says why)."""


@dataclass
class Services:
    """What the lifespan builds; tests and the benchmark may pass their own."""

    service: ReviewService | None = None
    store: AsyncStore | None = None
    #: the offline checker for the service the lifespan builds (serve() loads it first, to report
    #: a broken rule pack before serving)
    checker: OfflineChecker | None = None
    #: extra arguments for ``build_teams_app`` (tests pass an HTTP session trusting their CA)
    teams_options: dict[str, Any] = field(default_factory=dict)


class NoPlatformError(SlackConfigError):
    """Neither Slack nor Teams is configured, so there is nothing to serve."""


NO_PLATFORM = (
    "Neither Slack nor Teams is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET for Slack, "
    "TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID for Teams, or both."
)


def teams_wanted(settings: Settings) -> bool:
    """Teams is served when its app id is set (or, for local testing, unauthenticated requests
    are allowed)."""
    return settings.teams_enabled or settings.teams_dangerously_allow_unauthenticated_requests


def check_http_settings(settings: Settings) -> None:
    """Raise SlackConfigError (TeamsConfigError for Teams) naming the first missing setting."""
    if not settings.slack_enabled and not teams_wanted(settings):
        raise NoPlatformError(NO_PLATFORM)
    if settings.slack_enabled:
        if settings.slack_bot_token is None:
            raise SlackConfigError(MISSING_BOT_TOKEN)
        if settings.slack_signing_secret is None:
            raise SlackConfigError(MISSING_SIGNING_SECRET)
    if teams_wanted(settings):
        from bot.teams.app import check_teams_settings

        check_teams_settings(settings)


def create_asgi_app(settings: Settings, *, services: Services | None = None) -> Starlette:
    """The Starlette app: ``/slack/events`` when Slack is configured, ``/api/messages`` when Teams
    is, both on one review loop and one store. Settings are checked now (a clear error before
    serving); the review service, store and clients are built at startup."""
    check_http_settings(settings)
    given = services or Services()
    slack_on, teams_on = settings.slack_enabled, teams_wanted(settings)
    secret = settings.slack_signing_secret
    signing_secret = secret.get_secret_value() if slack_on and secret is not None else ""
    checks = SlackRequestChecks(signing_secret) if slack_on else None

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            worker = BackgroundLoop().start()
            service = given.service or ReviewService(settings, checker=given.checker)
            store = given.store if given.store is not None else await _open_store(settings)
        except Exception:
            _report_startup_failure()
            raise
        bolt: AsyncApp | None = None
        teams: TeamsRuntime | None = None
        try:
            try:
                if teams_on:
                    teams = await _start_teams(settings, service, store, worker, given)
                    app.state.teams = teams
                    app.state.teams_routes = teams.teams.routes
                    log.info("Teams messaging endpoint ready at /api/messages")
                if slack_on:
                    bolt = build_app(settings, service, store, worker=worker)
                    app.state.bolt = bolt
                    app.state.early_ack = EarlyEventAck(bolt, worker, signing_secret)
                    app.state.slack_handler = AsyncSlackRequestHandler(bolt)
                    log.info("Slack HTTP endpoint ready at /slack/events")
            except Exception:
                _report_startup_failure()
                raise
            # What start-up built (the SDKs, the rules, the review service) lives as long as the
            # process; left to the collector, each full collection walks all of it, a 70 ms pause
            # holding the interpreter lock, so no ack goes out meanwhile (docs/performance.md).
            gc.freeze()
            yield
        finally:
            app.state.slack_handler = None
            app.state.teams_routes = None
            if teams is not None:
                await teams.close(SHUTDOWN_GRACE_SECONDS)
            if bolt is not None:
                # Drains what is left on the review loop, closes the service there, stops the loop.
                await close_app(
                    bolt, close_service=given.service is None, grace_seconds=SHUTDOWN_GRACE_SECONDS
                )
            else:
                if given.service is None:
                    await asyncio.wrap_future(worker.submit(service.aclose()))
                worker.stop()
            if given.store is None:
                await store.aclose()

    async def slack_events(request: Request) -> Response:
        handler: AsyncSlackRequestHandler | None = getattr(request.app.state, "slack_handler", None)
        if handler is None:
            return JSONResponse({"ok": False, "error": "starting"}, status_code=503)
        body = await request.body()  # at most settings.max_request_bytes (BodyLimit)
        assert checks is not None  # the route exists only when Slack is on
        refusal, payload = checks.check(body, request.headers)
        if refusal is not None:
            log.warning("refused a request to /slack/events (HTTP %d): %s", refusal.status, refusal.reason)
            return PlainTextResponse(refusal.reason, status_code=refusal.status)
        early: EarlyEventAck = request.app.state.early_ack
        if early.take_verified(body, payload, request.headers):
            return Response(status_code=200)
        return await handler.handle(request)  # the body read above is cached for Bolt

    async def healthz(request: Request) -> Response:
        state = request.app.state
        ready = (not slack_on or getattr(state, "slack_handler", None) is not None) and (
            not teams_on or getattr(state, "teams_routes", None) is not None
        )
        # The pid says which worker answered: with several, each connection goes to one of them.
        return JSONResponse({"ok": ready, "pid": os.getpid()}, status_code=200 if ready else 503)

    routes = [Route("/healthz", healthz, methods=["GET"]), *audit_routes(settings)]
    if slack_on:
        routes.insert(0, Route("/slack/events", slack_events, methods=["POST"]))
    if teams_on:
        from bot.teams.hosting import teams_route

        routes.insert(0, teams_route(_teams_routes_of))
    return Starlette(
        routes=routes,
        middleware=[Middleware(BodyLimit, max_bytes=settings.max_request_bytes)],
        lifespan=lifespan,
    )


def _teams_routes_of(request: Request) -> StarletteRoutes | None:
    routes: StarletteRoutes | None = getattr(request.app.state, "teams_routes", None)
    return routes


async def _start_teams(
    settings: Settings, service: ReviewService, store: AsyncStore, worker: BackgroundLoop, given: Services
) -> TeamsRuntime:
    from bot.teams.app import build_teams_app
    from bot.teams.runtime import TeamsRuntime

    teams_app = build_teams_app(settings, **given.teams_options)
    runtime = TeamsRuntime.build(settings, teams_app, service, store, worker)
    await teams_app.start()
    runtime.start_sweeping()
    return runtime


async def _open_store(settings: Settings) -> AsyncStore:
    # Creating the store creates tables: blocking work, kept off the event loop.
    return await asyncio.to_thread(AsyncStore.from_settings, settings)


def bolt_app_of(app: Starlette) -> AsyncApp:
    """The running Bolt app (after startup)."""
    bolt: AsyncApp = app.state.bolt
    return bolt


def app_from_env() -> Starlette:
    """The app with settings from the environment and ``.env``: the factory each worker process
    calls (``uvicorn --factory bot.server:app_from_env``, ``serve(workers=N)``)."""
    try:
        app = create_asgi_app(Settings())
    except Exception:
        _report_startup_failure()
        raise
    return app


def serve(settings: Settings, host: str = "0.0.0.0", port: int = 3000, workers: int = 1) -> None:
    """Serve HTTP mode with uvicorn until interrupted (SIGINT or SIGTERM), in ``workers`` processes.

    With one worker the app runs in this process with ``settings``. With more, this process only
    supervises: each worker builds its app with ``app_from_env()``, so ``settings`` must be what
    the environment gives (a ValueError otherwise). Configuration mistakes found before serving
    raise SlackConfigError, StoreConfigError or RuleFileError; WorkerStartupError when a worker
    cannot start all the same.
    """
    import uvicorn

    if workers < 1:
        raise ValueError("workers must be 1 or more")
    log_level = settings.log_level.strip().lower()
    if log_level not in LOG_LEVELS:
        raise SlackConfigError(f"REDTEAM_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}.")
    log_config = _log_config(log_level)
    check_http_settings(settings)
    # A missing or broken rule pack, reported here as a RuleFileError, rather than as the
    # traceback of a failed startup (in every worker).
    checker = OfflineChecker.from_settings(settings)
    if workers == 1:
        asgi = create_asgi_app(settings, services=Services(checker=checker))
        uvicorn.run(asgi, host=host, port=port, log_level=log_level, log_config=log_config,
                    proxy_headers=True)
        return
    del checker  # each worker loads its own
    if settings != Settings():
        raise ValueError("with several workers each one reads its settings from the environment and "
                         ".env: pass the settings there, not as a Settings object")
    # Create the tables once, here, before the workers start: concurrent CREATE TABLEs can fail
    # on PostgreSQL, and a wrong REDTEAM_DATABASE_URL is reported once, as a StoreConfigError.
    Store.from_settings(settings).close()
    share_teams_budget(settings, workers, os.environ)
    _run_workers(host=host, port=port, workers=workers, log_level=log_level, log_config=log_config)


TEAMS_BUDGET_ENV = "REDTEAM_TEAMS_APP_REQUESTS_PER_SECOND"


def share_teams_budget(settings: Settings, workers: int, environ: MutableMapping[str, str]) -> int | None:
    """Teams allows an app 50 calls a second per tenant, all its processes together, and each
    process keeps its own count: unless the budget was set, the ``workers`` processes about to
    start each get an equal share of it (through ``environ``, which they inherit). Returns the
    share given, or None when nothing was changed (one worker, no Teams, a budget already set)."""
    given = "teams_app_requests_per_second" in settings.model_fields_set
    if workers <= 1 or not settings.teams_enabled or given:
        return None
    share = max(1, settings.teams_app_requests_per_second // workers)
    environ[TEAMS_BUDGET_ENV] = str(share)
    log.info("Teams' budget of %d calls a second is shared by %d workers: %d each (set %s to change it)",
             settings.teams_app_requests_per_second, workers, share, TEAMS_BUDGET_ENV)
    return share


def _run_workers(*, host: str, port: int, workers: int, log_level: str, log_config: dict[str, Any]) -> None:
    # uvicorn.run stops every worker when one fails to start, but then returns quietly; each
    # worker that fails leaves a file in a folder named by the environment, which spawned workers
    # inherit, so the failure is reported (and the exit code says so).
    import uvicorn

    with tempfile.TemporaryDirectory(prefix="redteam-workers-") as failures:
        os.environ[_STARTUP_FAILURES_ENV] = failures
        try:
            uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                        log_level=log_level, log_config=log_config, proxy_headers=True)
        finally:
            os.environ.pop(_STARTUP_FAILURES_ENV, None)
        if any(Path(failures).iterdir()):
            raise WorkerStartupError("a worker process could not start; its log above says why")


def _report_startup_failure() -> None:
    """In a worker of ``serve(workers=N)``: tell the parent this worker could not start."""
    folder = os.environ.get(_STARTUP_FAILURES_ENV)
    if folder:
        with contextlib.suppress(OSError):
            (Path(folder) / str(os.getpid())).touch()


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, plus redteam's own loggers at ``level`` (debug when --debug asked for
    it); uvicorn applies it in every worker process, where the command line's setup never ran."""
    import uvicorn.config

    ours = "DEBUG" if logging.getLogger("bot").isEnabledFor(logging.DEBUG) else level.upper()
    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["formatters"]["redteam"] = {"format": "%(levelname)s %(name)s: %(message)s"}
    config["handlers"]["redteam"] = {
        "class": "logging.StreamHandler", "formatter": "redteam", "stream": "ext://sys.stderr"
    }
    config["loggers"]["bot"] = {
        "handlers": ["redteam"], "level": "DEBUG" if ours == "TRACE" else ours, "propagate": False
    }
    return config
