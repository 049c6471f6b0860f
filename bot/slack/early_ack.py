"""Events API deliveries acked on their signature alone, then dispatched by Bolt on the worker loop.

Slack needs nothing from an event's HTTP response but a 200 within 3 seconds. Bolt gives that
200 only after its middleware and listener matching (about half of a request's CPU), and on the
loop that answers every other request too. So a signed ``event_callback`` is answered here at
once, and the same Bolt app dispatches it on the worker loop, where reviews run: the loop that
acks does only HTTP, one HMAC and one JSON parse per event.

Everything else (URL verification, slash commands, interactivity, and any request whose
signature does not check out) goes through Bolt as before, so its answers, including the 401 for
a bad or stale signature, are Bolt's own. Bolt checks the signature again when it dispatches.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.runtime.worker import BackgroundLoop

log = logging.getLogger(__name__)


class EarlyEventAck:
    """``take(body, headers)``: True when the delivery is a signed event now queued for Bolt."""

    def __init__(self, bolt: AsyncApp, worker: BackgroundLoop, signing_secret: str) -> None:
        self.bolt = bolt
        self.worker = worker
        self._verifier = SignatureVerifier(signing_secret)

    def take(self, body: bytes, headers: Mapping[str, str]) -> bool:
        if not self.worker.running or not _is_json(headers.get("content-type")):
            return False
        timestamp = headers.get("x-slack-request-timestamp")
        signature = headers.get("x-slack-signature")
        if not timestamp or not signature or not self._verifier.is_valid(body, timestamp, signature):
            return False  # Bolt answers it (401)
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return False
        return self.take_verified(body, payload, headers)

    def take_verified(self, body: bytes, payload: object, headers: Mapping[str, str]) -> bool:
        """``take`` for a body whose signature was checked and JSON parsed already
        (``SlackRequestChecks.check``): the ack path does each once."""
        if not self.worker.running or not _is_json(headers.get("content-type")):
            return False
        if not isinstance(payload, dict) or payload.get("type") != "event_callback":
            return False
        self.worker.submit(self._dispatch(body.decode(), {k: v for k, v in headers.items()}))
        return True

    async def _dispatch(self, body: str, headers: dict[str, str | Sequence[str]]) -> None:
        response = await self.bolt.async_dispatch(AsyncBoltRequest(body=body, headers=headers))
        if response.status >= 400:
            # Slack already has its 200; Bolt's log says more (e.g. a revoked token).
            log.warning("an event acked early was refused by Bolt (HTTP %s)", response.status)


def _is_json(content_type: str | None) -> bool:
    return content_type is not None and content_type.split(";", 1)[0].strip().lower() == "application/json"
