"""End-to-end Slack harness: the real ASGI app under uvicorn on loopback, the fake Slack Web API,
and Slack-signed requests (HMAC v0), as Slack itself would send them."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp

from bot.review.service import ReviewService
from bot.server import Services, bolt_app_of, create_asgi_app
from bot.settings import Settings
from bot.slack.app import runtime_of
from bot.slack.runtime import SlackRuntime
from bot.store import AsyncStore
from tests.fakes.slack_api import TEAM_ID, FakeSlackAPI
from tests.serving import serving_asgi
from tests.serving import wait_for as wait_for  # the tests take it from here, with the harness

SECRET = "test-signing-secret-0123456789"
REVIEW_CHANNEL = "C0REVIEW01"
OTHER_CHANNEL = "C0GENERAL1"
ALICE = "U0ALICE001"
BOB = "U0BOB00001"

T = TypeVar("T")
_counter = itertools.count(1)


def unique_ts() -> str:
    return f"1700000000.{next(_counter):06d}"


def make_settings(fake: FakeSlackAPI, db_path: Path, **overrides: Any) -> Settings:
    """Settings for a test: the fake's URL, a fresh SQLite file, no LLM unless overridden."""
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "xapp-test-token",
        "SLACK_API_URL": fake.base_url,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "AZURE_OPENAI_ENDPOINT": None,
        "AZURE_OPENAI_API_KEY": None,
        "database_url": f"sqlite:///{db_path}",
        "review_channels": "social-review",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def sign(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def message_event(
    text: str,
    *,
    channel: str = REVIEW_CHANNEL,
    user: str = ALICE,
    ts: str | None = None,
    thread_ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts or unique_ts(),
        "channel_type": "channel",
        "team": TEAM_ID,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def edit_event(ts: str, before: str, after: str, *, edited_at: str = "1700009999.000001") -> dict[str, Any]:
    """The ``message_changed`` event Slack sends when Alice edits her post ``ts`` to ``after``."""
    return {
        "type": "message",
        "subtype": "message_changed",
        "channel": REVIEW_CHANNEL,
        "hidden": True,
        "ts": unique_ts(),
        "event_ts": unique_ts(),
        "message": {
            "type": "message",
            "user": ALICE,
            "text": after,
            "ts": ts,
            "edited": {"user": ALICE, "ts": edited_at},
        },
        "previous_message": {"type": "message", "user": ALICE, "text": before, "ts": ts},
    }


def delete_event(ts: str, text: str) -> dict[str, Any]:
    """The ``message_deleted`` event Slack sends when Alice deletes her post ``ts``."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "channel": REVIEW_CHANNEL,
        "hidden": True,
        "ts": unique_ts(),
        "deleted_ts": ts,
        "previous_message": {"type": "message", "user": ALICE, "text": text, "ts": ts},
    }


def event_envelope(event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
    return {
        "token": "legacy-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0REDTEAM1",
        "type": "event_callback",
        "event": event,
        "event_id": event_id or f"Ev{next(_counter):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UREDTEAM", "is_bot": True}],
    }


@dataclass
class Harness:
    fake: FakeSlackAPI
    settings: Settings
    url: str
    http: aiohttp.ClientSession
    deps: SlackRuntime
    store: AsyncStore

    async def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        async with self.http.post(self.url + "/slack/events", data=body, headers=headers) as resp:
            return resp.status, await resp.text()

    async def post_event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> tuple[int, str]:
        body = json.dumps(event_envelope(event, event_id=event_id)).encode()
        headers = {"Content-Type": "application/json", **sign(body)}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return await self.post(body, headers)

    async def post_form(self, form: dict[str, str]) -> tuple[int, str]:
        body = urlencode(form).encode()
        return await self.post(body, {"Content-Type": "application/x-www-form-urlencoded", **sign(body)})

    async def post_command(
        self, text: str, *, channel: str = OTHER_CHANNEL, user: str = ALICE
    ) -> tuple[int, str]:
        return await self.post_form(
            {
                "token": "legacy-token",
                "team_id": TEAM_ID,
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": "alice",
                "command": "/redteam",
                "text": text,
                "api_app_id": "A0REDTEAM1",
                "response_url": self.fake.response_url("command"),
                "trigger_id": f"trigger.{next(_counter)}",
            }
        )

    async def post_interaction(self, payload: dict[str, Any]) -> tuple[int, str]:
        return await self.post_form({"payload": json.dumps(payload)})

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait for every acked review to finish (the listeners run on after the ack)."""
        await asyncio.sleep(0)  # let just-acked listener tasks register
        assert await self.deps.drain(timeout) == 0, "reviews still running"


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    *,
    service: ReviewService | None = None,
    fake: FakeSlackAPI | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """The fake Slack API, then the real ASGI app under uvicorn on 127.0.0.1, then a client."""
    own_fake = fake is None
    fake = fake or FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review", OTHER_CHANNEL: "general"}).start()
    settings = make_settings(fake, tmp_path / "redteam.sqlite3", **overrides)
    store = AsyncStore.from_settings(settings)
    # The server builds the review service unless one is given (offline unless the test points
    # OPENAI_BASE_URL at a fake LLM), so it is used and closed on the server's review loop.
    asgi = create_asgi_app(settings, services=Services(service=service, store=store))
    try:
        async with serving_asgi(asgi) as base_url, aiohttp.ClientSession() as http:
            runtime = runtime_of(bolt_app_of(asgi))
            yield Harness(fake, settings, base_url, http, runtime, store)
    finally:
        await store.aclose()
        if own_fake:
            fake.stop()
