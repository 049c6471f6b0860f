"""The bot's own tokens for the Bot Connector: OAuth client credentials from Microsoft Entra ID.

MSAL does the work, as in the Teams SDK's own ``ClientCredentials`` path; this source exists so
the authority can be moved (``TEAMS_LOGIN_URL``: a proxy, a test server) and MSAL's HTTP client
chosen, which the SDK does not allow. MSAL caches each token until shortly before it expires.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import msal
import requests

#: A token is asked for again this long before it expires (MSAL then refreshes it).
REFRESH_BEFORE_SECONDS = 300


class BotTokenError(RuntimeError):
    """Entra ID refused the bot a token (its answer says why: a wrong secret, tenant or app id)."""


class BotTokenSource:
    """An async ``(scope, tenant_id) -> access token`` callable, the SDK's ``TokenProvider``."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        login_url: str,
        default_tenant: str,
        custom_authority: bool = False,
        http_client: requests.Session | None = None,
    ) -> None:
        self._client_id = client_id
        self._secret = client_secret
        self._login_url = login_url.rstrip("/")
        self._default_tenant = default_tenant
        # Microsoft's instance discovery only knows Microsoft's hosts; another one is trusted as given.
        self._instance_discovery = False if custom_authority else None
        self._http_client = http_client
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}
        self._lock = threading.Lock()
        # The last token per tenant and scopes, with when it stops being handed out: every
        # connector call asks, and a hop to a thread for MSAL's own cache cost more than the call.
        self._recent: dict[tuple[str, tuple[str, ...]], tuple[str, float]] = {}

    async def __call__(self, scope: str | list[str], tenant_id: str | None = None) -> str:
        scopes = [scope] if isinstance(scope, str) else list(scope)
        tenant = tenant_id or self._default_tenant
        key = (tenant, tuple(scopes))
        recent = self._recent.get(key)
        if recent is not None and time.monotonic() < recent[1]:
            return recent[0]
        # MSAL is synchronous (requests): kept off the loop that answers Teams.
        result: dict[str, Any] = await asyncio.to_thread(self._acquire, tenant, scopes)
        token = result.get("access_token")
        if isinstance(token, str) and token:
            lifetime = result.get("expires_in")
            if isinstance(lifetime, int | float) and lifetime > 2 * REFRESH_BEFORE_SECONDS:
                self._recent[key] = (token, time.monotonic() + lifetime - REFRESH_BEFORE_SECONDS)
            return token
        reason = result.get("error_description") or result.get("error") or "no access token in the answer"
        raise BotTokenError(f"could not get a bot token from {self._login_url}: {str(reason)[:300]}")

    def _acquire(self, tenant: str, scopes: list[str]) -> dict[str, Any]:
        result: dict[str, Any] = self._app(tenant).acquire_token_for_client(scopes)
        return result

    def _app(self, tenant: str) -> msal.ConfidentialClientApplication:
        with self._lock:
            app = self._apps.get(tenant)
            if app is None:
                kwargs: dict[str, Any] = {}
                if self._http_client is not None:
                    kwargs["http_client"] = self._http_client
                app = msal.ConfidentialClientApplication(
                    self._client_id,
                    client_credential=self._secret,
                    authority=f"{self._login_url}/{tenant}",
                    instance_discovery=self._instance_discovery,
                    **kwargs,
                )
                self._apps[tenant] = app
            return app
