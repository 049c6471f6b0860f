"""Events acked on their signature alone: which requests take that path, and that an ack never
waits for the loop where reviews (and Bolt's dispatch of events) run."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.worker import BackgroundLoop
from bot.slack.early_ack import EarlyEventAck
from tests.drafts import NETFLIX as DRAFT
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_harness import (
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    SECRET,
    Harness,
    event_envelope,
    message_event,
    running_app,
    sign,
    wait_for,
)


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review", OTHER_CHANNEL: "general"}) as server:
        yield server


@pytest.fixture
async def early(fake: FakeSlackAPI) -> AsyncIterator[tuple[EarlyEventAck, list[tuple[str, str]]]]:
    """A real Bolt app (talking to the fake Slack) whose one listener records each event's text
    and the thread it ran on."""
    app = AsyncApp(client=AsyncWebClient(token="xoxb-test", base_url=fake.base_url), signing_secret=SECRET)
    seen: list[tuple[str, str]] = []

    async def on_message(event: dict[str, Any]) -> None:
        seen.append((str(event.get("text")), threading.current_thread().name))

    app.event("message")(on_message)
    worker = BackgroundLoop("reviews-under-test").start()
    try:
        yield EarlyEventAck(app, worker, SECRET), seen
    finally:
        await worker.drain(5)
        worker.stop()


def json_request(payload: dict[str, Any], **sign_options: Any) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    return body, {"content-type": "application/json", **lower_keys(sign(body, **sign_options))}


def lower_keys(headers: dict[str, str]) -> dict[str, str]:
    # as Starlette hands headers over
    return {k.lower(): v for k, v in headers.items()}


async def test_a_signed_event_is_taken_and_dispatched_by_bolt_on_the_worker_loop(early: Any) -> None:
    acker, seen = early
    body, headers = json_request(event_envelope(message_event(DRAFT)))
    assert acker.take(body, headers) is True
    await wait_for(lambda: seen, timeout=5)
    assert seen == [(DRAFT, "reviews-under-test")]


@pytest.mark.parametrize(
    "case", ["bad-signature", "stale", "unsigned", "url-verification", "not-json", "form", "json-array"]
)
async def test_everything_else_is_left_to_bolt(early: Any, case: str) -> None:
    acker, seen = early
    envelope = event_envelope(message_event(DRAFT))
    if case == "bad-signature":
        body, headers = json_request(envelope, secret="not-the-secret")
    elif case == "stale":
        body, headers = json_request(envelope, timestamp=int(time.time()) - 600)
    elif case == "unsigned":
        body, headers = json_request(envelope)
        del headers["x-slack-signature"]
    elif case == "url-verification":
        body, headers = json_request({"type": "url_verification", "challenge": "abc", "token": "x"})
    elif case == "not-json":
        body = b"{not json"
        headers = {"content-type": "application/json", **lower_keys(sign(body))}
    elif case == "form":  # slash commands and interactivity: Bolt must answer those itself
        body = urlencode({"command": "/redteam", "text": DRAFT}).encode()
        headers = {"content-type": "application/x-www-form-urlencoded", **lower_keys(sign(body))}
    else:
        body, headers = json_request([envelope])
    assert acker.take(body, headers) is False
    await asyncio.sleep(0.05)
    assert seen == []


async def test_nothing_is_taken_once_the_worker_has_stopped(early: Any) -> None:
    acker, _seen = early
    acker.worker.stop()
    body, headers = json_request(event_envelope(message_event(DRAFT)))
    assert acker.take(body, headers) is False


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_app(tmp_path) as harness:
        yield harness


async def test_events_are_acked_while_the_review_loop_is_stuck(tmp_path: Path) -> None:
    """The review loop blocked outright (as a long CPU-bound stretch would): events still get
    their 200 at once, and the reviews follow when the loop is free again."""
    # The five reviews go to one channel: a burst of five, not Slack's pace of one a second.
    async with running_app(tmp_path, slack_post_burst=5) as slack:
        await _acked_while_stuck(slack)


async def _acked_while_stuck(slack: Harness) -> None:
    assert slack.deps.worker is not None
    release = threading.Event()

    async def stuck() -> None:
        release.wait(60)  # blocks the worker loop's thread on purpose

    blocker = slack.deps.worker.submit(stuck())
    events = [message_event(DRAFT + f" #{i}") for i in range(5)]
    try:
        statuses = [(await slack.post_event(e))[0] for e in events]
        assert statuses == [200] * 5
        assert not blocker.done(), "every ack came back while the review loop was still stuck"
        assert slack.fake.calls_to("chat.postMessage") == [], "nothing can be reviewed while it is stuck"
    finally:
        release.set()
    await asyncio.wrap_future(blocker)
    await slack.settle()
    threads = {c.params.get("thread_ts") for c in slack.fake.ok_calls_to("chat.postMessage")}
    assert threads == {e["ts"] for e in events}


async def test_the_acking_thread_checks_each_event_signature_once(
    slack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One HMAC and one JSON parse per event on the thread that acks (Bolt checks the signature
    again, on the review loop, where it costs no ack any time)."""
    checked: list[str] = []
    original = SignatureVerifier.is_valid

    def counting(self: SignatureVerifier, *args: Any, **kwargs: Any) -> bool:
        checked.append(threading.current_thread().name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SignatureVerifier, "is_valid", counting)
    status, _ = await slack.post_event(message_event(DRAFT))
    assert status == 200
    await slack.settle()
    acking = [name for name in checked if name == threading.current_thread().name]
    assert len(acking) == 1, checked
    assert len(slack.fake.ok_calls_to("chat.postMessage")) == 1
