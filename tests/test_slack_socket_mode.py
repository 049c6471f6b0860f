"""Socket Mode: apps.connections.open on the fake Web API hands out a ws:// URL of a local fake
Socket Mode server, which sends an events_api envelope and checks the ack and the review."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import WSMsgType, web

from bot.slack.app import SlackConfigError
from bot.slack.socket_mode import check_socket_settings, connect
from bot.store import AsyncStore
from tests.drafts import NETFLIX
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_harness import REVIEW_CHANNEL, event_envelope, make_settings, message_event, wait_for


class FakeSocketModeServer:
    """Slack's side of a Socket Mode connection: hello, then the queued envelopes; records acks."""

    def __init__(self, envelopes: list[dict[str, Any]]) -> None:
        self.envelopes = envelopes
        self.acks: list[dict[str, Any]] = []
        self.connections = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_str(
            json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0REDTEAM1"}})
        )
        for envelope in self.envelopes:
            await ws.send_str(json.dumps(envelope))
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                self.acks.append(json.loads(msg.data))
        return ws

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/link", self._ws)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"ws://127.0.0.1:{port}/link"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackAPI]:
    fake = FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review"}).start()
    yield fake
    fake.stop()


async def test_socket_mode_acks_the_envelope_and_posts_the_review(
    tmp_path: Path, fake_slack: FakeSlackAPI
) -> None:
    event = message_event(NETFLIX)
    envelope = {
        "envelope_id": "env-0001",
        "type": "events_api",
        "accepts_response_payload": False,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": event_envelope(event),
    }
    ws_server = FakeSocketModeServer([envelope])
    await ws_server.start()
    fake_slack.socket_mode_url = ws_server.url
    settings = make_settings(fake_slack, tmp_path / "db.sqlite3", SLACK_SIGNING_SECRET=None)
    store = AsyncStore.from_settings(settings)
    app = await connect(settings, store=store)  # builds the (offline) review service itself
    try:
        acks = await wait_for(lambda: ws_server.acks)
        assert acks[0]["envelope_id"] == "env-0001"
        posts = await wait_for(
            lambda: [
                c
                for c in fake_slack.ok_calls_to("chat.postMessage")
                if c.params.get("thread_ts") == event["ts"]
            ]
        )
        assert len(posts) == 1 and posts[0].params["channel"] == REVIEW_CHANNEL
        (opened,) = fake_slack.calls_to("apps.connections.open")
        assert opened.headers["Authorization"] == "Bearer xapp-test-token"
        assert posts[0].headers["Authorization"] == "Bearer xoxb-test-token"
    finally:
        await app.close()
        await ws_server.stop()
        await store.aclose()


def test_socket_mode_names_the_missing_token(tmp_path: Path, fake_slack: FakeSlackAPI) -> None:
    settings = make_settings(fake_slack, tmp_path / "db.sqlite3", SLACK_APP_TOKEN=None)
    with pytest.raises(SlackConfigError, match="SLACK_APP_TOKEN"):
        check_socket_settings(settings)
