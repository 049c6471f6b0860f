"""The Teams SDK ``App`` built from redteam's settings.

Everything the SDK would otherwise read from generic environment variables (``CLIENT_ID``,
``CLOUD``, ``DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS``...) is passed explicitly from
``TEAMS_*`` settings, so a stray variable of another program cannot change how this bot
authenticates. Handlers are registered by the caller on the returned app.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import requests
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment, from_name, with_overrides
from microsoft_teams.apps import App
from microsoft_teams.common import Client, ClientOptions

from bot.settings import Settings
from bot.teams.connection import AiohttpTransport
from bot.teams.hosting import MESSAGING_PATH, StarletteRoutes
from bot.teams.retry import ConnectorRetry
from bot.teams.signing_keys import OffLoopSigningKeys, install
from bot.teams.tokens import BotTokenSource

log = logging.getLogger(__name__)

#: The SDK's own environment variables: read by ``App()`` for whatever it is not given.
SDK_VARIABLES = (
    "CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "MANAGED_IDENTITY_CLIENT_ID", "CLOUD", "SERVICE_URL",
    "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS",
)

#: Seconds one Bot Connector request may take before it is abandoned (and maybe retried).
CONNECTOR_TIMEOUT_SECONDS = 15.0
#: Connections to the Bot Connector open at most (each review makes two calls); more calls queue.
CONNECTOR_CONNECTIONS = 50


class TeamsConfigError(ValueError):
    """A Teams setting is missing or wrong; the message names it and says what to do."""


@dataclass
class TeamsApp:
    """The SDK app and the adapter its messaging endpoint is served through."""

    app: App
    routes: StarletteRoutes
    signing_keys: OffLoopSigningKeys | None = None
    #: The app's own tokens (None without a secret): Microsoft Graph takes them too.
    token_source: BotTokenSource | None = None
    #: The Bot Connector's connections (closed on the loop that used them: the review loop).
    connection: AiohttpTransport | None = None

    async def start(self) -> None:
        """Register the messaging endpoint (JWT validation included) with the adapter, and load
        the token signing keys, in a thread: a key fetch never runs on the serving loop."""
        await self.app.initialize()
        self.signing_keys = install(self.app.server)
        if self.signing_keys is not None:
            await asyncio.to_thread(self.signing_keys.refresh)


def check_teams_settings(settings: Settings) -> None:
    """Raise TeamsConfigError naming the first missing or inconsistent Teams setting."""
    if not settings.teams_enabled:
        if settings.teams_dangerously_allow_unauthenticated_requests:
            return  # local testing without credentials (Microsoft 365 Agents Playground)
        raise TeamsConfigError("TEAMS_CLIENT_ID is not set: copy the Microsoft App ID of your Azure Bot.")
    if settings.teams_client_secret is None or not settings.teams_client_secret.get_secret_value():
        raise TeamsConfigError(
            "TEAMS_CLIENT_SECRET is not set: create a client secret for the Azure Bot's app registration."
        )


def cloud_for(settings: Settings) -> CloudEnvironment:
    """The SDK's cloud (endpoints, token issuer, key URL) with the settings' overrides."""
    return with_overrides(
        from_name(settings.teams_cloud),
        openid_metadata_url=settings.teams_openid_metadata_url,
        login_endpoint=settings.teams_login_url,
    )


def warn_if_unauthenticated(settings: Settings) -> bool:
    """Log a warning when Teams requests are accepted without a token; True when they are."""
    if not settings.teams_dangerously_allow_unauthenticated_requests:
        return False
    log.warning(
        "TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is on: %s accepts requests without a "
        "Bot Framework token, so anyone who can reach it can post as Teams. Use it only for local "
        "testing.", MESSAGING_PATH,
    )
    return True


def build_teams_app(
    settings: Settings,
    *,
    token_http_client: requests.Session | None = None,
    connector_retry: ConnectorRetry | None = None,
) -> TeamsApp:
    """The SDK app for ``settings`` (checked first: TeamsConfigError). ``token_http_client`` is
    the HTTP session MSAL uses for the bot's tokens (tests pass one that trusts their server)."""
    check_teams_settings(settings)
    warn_if_unauthenticated(settings)
    cloud = cloud_for(settings)
    client_id = (settings.teams_client_id or "").strip() or None
    tenant_id = (settings.teams_tenant_id or "").strip() or None
    token_source = None
    if client_id and settings.teams_client_secret is not None:
        token_source = BotTokenSource(
            client_id,
            settings.teams_client_secret.get_secret_value(),
            login_url=cloud.login_endpoint,
            default_tenant=tenant_id or cloud.login_tenant,
            custom_authority=settings.teams_login_url is not None,
            http_client=token_http_client,
        )
    http = Client(ClientOptions(timeout=CONNECTOR_TIMEOUT_SECONDS))
    http.use(connector_retry or ConnectorRetry())
    routes = StarletteRoutes()
    with _without_sdk_variables():
        app = App(
            client_id=client_id,
            tenant_id=tenant_id,
            token=token_source,
            cloud=cloud,
            client=http,
            http_server_adapter=routes,
            messaging_endpoint=MESSAGING_PATH,
            dangerously_allow_unauthenticated_requests=settings.teams_dangerously_allow_unauthenticated_requests,
            # Per-turn state and user sign-in are not used: reviews live in redteam's own store.
            state=False,
            fetch_user_token=False,
            telemetry={"agent365": False},
        )
    # The SDK gives ``app.api`` a copy of ``http`` with the same middleware and a fresh httpx
    # client; replies go through ``app.api`` (and its scoped copies, which share its httpx
    # client), so that is where the connections are set: over aiohttp's pool (connection.py).
    connection = AiohttpTransport(connections=CONNECTOR_CONNECTIONS)
    api_http = app.api.http
    api_http.http = httpx.AsyncClient(
        timeout=CONNECTOR_TIMEOUT_SECONDS, transport=connection, event_hooks=api_http.http.event_hooks,
    )
    return TeamsApp(app=app, routes=routes, token_source=token_source, connection=connection)


@contextmanager
def _without_sdk_variables() -> Iterator[None]:
    """Hide the SDK's generic variables while it is built: a ``CLIENT_SECRET`` meant for another
    program would otherwise replace ``TEAMS_CLIENT_SECRET``, or ``TENANT_ID`` a multi-tenant setup.
    Building happens once, at startup, before any request is served."""
    hidden = {name: os.environ.pop(name) for name in SDK_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(hidden)


async def check_bot_token(settings: Settings, *, http_client: requests.Session | None = None) -> str:
    """Get a bot token with the configured credentials, as the bot does before its first reply;
    returns where it came from. Raises TeamsConfigError for missing settings and
    ``BotTokenError`` when Entra ID refuses (its reason, never the secret)."""
    if not settings.teams_enabled:
        raise TeamsConfigError("TEAMS_CLIENT_ID is not set: copy the Microsoft App ID of your Azure Bot.")
    check_teams_settings(settings)
    assert settings.teams_client_secret is not None and settings.teams_client_id is not None  # checked
    cloud = cloud_for(settings)
    tenant = (settings.teams_tenant_id or "").strip() or cloud.login_tenant
    source = BotTokenSource(
        settings.teams_client_id.strip(),
        settings.teams_client_secret.get_secret_value(),
        login_url=cloud.login_endpoint,
        default_tenant=tenant,
        custom_authority=settings.teams_login_url is not None,
        http_client=http_client,
    )
    await source(cloud.bot_scope)
    return f"{cloud.login_endpoint.rstrip('/')}/{tenant}"
