"""Token signing keys fetched off the event loop.

The SDK checks each request's JWT with PyJWT's ``PyJWKClient``, whose key fetch is a blocking
urllib call made on the event loop that also acks Slack: on the first request, whenever its
five-minute cache expires, and for an unknown key id (at most once per cooldown). The loop then
pauses for as long as the key host takes to answer (bench/bench_teams_key_fetch.py measures it).

:class:`OffLoopSigningKeys` takes its place: keys are fetched in a thread at startup and
refreshed in a thread before they go stale; a lookup never does I/O. An unknown key id is
refused at once (401) and triggers at most one refresh every ``min_refetch_seconds``, so a key
Microsoft has just rotated in is picked up within seconds and Teams' redelivery succeeds.

The SDK has no option for this, so :func:`install` reaches into its validator (private
attributes); it fails loudly at startup if they change, and tests/test_teams_signing_keys.py
checks the installation against the installed SDK.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKClientError

log = logging.getLogger(__name__)


class SdkLayoutChanged(RuntimeError):
    """The Teams SDK's token validator is no longer where this module expects it."""


class OffLoopSigningKeys:
    """The part of ``PyJWKClient`` the SDK calls, answered from memory."""

    def __init__(
        self, jwks_uri: str, *, refresh_seconds: float = 240.0, min_refetch_seconds: float = 30.0,
        timeout: float = 10.0,
    ) -> None:
        self.jwks_uri = jwks_uri
        self.refresh_seconds = refresh_seconds
        self.min_refetch_seconds = min_refetch_seconds
        self._client = PyJWKClient(jwks_uri, cache_jwk_set=False, cache_keys=False, timeout=int(timeout))
        self._keys: dict[str, PyJWK] = {}
        self._loaded_at = float("-inf")
        self._last_attempt = float("-inf")
        self._lock = threading.Lock()
        self._refreshing = False

    def refresh(self) -> None:
        """Fetch the key set now (blocking: call it in a thread)."""
        with self._lock:
            self._last_attempt = time.monotonic()
        try:
            keys = {
                key.key_id: key
                for key in self._client.get_jwk_set().keys
                if key.key_id and key.public_key_use in ("sig", None)
            }
        except Exception as error:  # a failed fetch keeps the keys already known
            log.warning("Could not fetch Teams' token signing keys from %s: %s", self.jwks_uri, error)
            return
        with self._lock:
            self._keys = keys
            self._loaded_at = time.monotonic()

    def get_signing_key_from_jwt(self, token: str | bytes) -> PyJWK:
        """The key the token names; never waits for the network."""
        kid = jwt.get_unverified_header(token).get("kid")
        with self._lock:
            key = self._keys.get(kid) if isinstance(kid, str) else None
            stale = time.monotonic() - self._loaded_at > self.refresh_seconds
        if key is None or stale:
            self._refresh_in_background()
        if key is None:
            raise PyJWKClientError(f'Unable to find a signing key that matches: "{kid}"')
        return key

    def _refresh_in_background(self) -> None:
        with self._lock:
            if self._refreshing or time.monotonic() - self._last_attempt < self.min_refetch_seconds:
                return
            self._refreshing = True
            self._last_attempt = time.monotonic()

        def run() -> None:
            try:
                self.refresh()
            finally:
                with self._lock:
                    self._refreshing = False

        threading.Thread(target=run, name="teams-signing-keys", daemon=True).start()


def install(server: Any) -> OffLoopSigningKeys | None:
    """Put :class:`OffLoopSigningKeys` in the SDK ``HttpServer``'s validator (after
    ``App.initialize()``), and turn off its Agent 365 path: it builds a key client per tenant
    named in the unverified token, each with a first fetch on the loop, so made-up tenants would
    block it at will. None when the server validates nothing (unauthenticated mode)."""
    inbound = getattr(server, "_token_validator", None)
    if inbound is None:
        if getattr(server, "_dangerously_allow_unauthenticated_requests", None) is True:
            return None
        raise SdkLayoutChanged("the Teams SDK's HttpServer has no _token_validator after initialize()")
    service: Any = getattr(inbound, "_service_validator", None)
    options: Any = getattr(service, "options", None)
    jwks_client = getattr(service, "_jwks_client", None)
    if not isinstance(jwks_client, PyJWKClient) or not hasattr(options, "jwks_uri"):
        raise SdkLayoutChanged("the Teams SDK's token validator no longer holds a PyJWKClient")
    if not callable(getattr(inbound, "_is_entra_issuer", None)):
        raise SdkLayoutChanged("the Teams SDK's token validator no longer has _is_entra_issuer")
    keys = OffLoopSigningKeys(options.jwks_uri)
    service._jwks_client = keys
    # Entra-issued tokens are for Agent 365 agents, which this bot is not: they now meet the
    # Bot Framework checks and fail them (wrong issuer, unknown key) without any fetch.
    inbound._is_entra_issuer = lambda issuer: False
    return keys
