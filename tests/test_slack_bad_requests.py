"""Malformed and oversized requests to ``/slack/events``: a 4xx and one log line, never a 500 or a
traceback, and a body over the limit is refused before it is read whole."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.slack_harness import Harness, running_app, sign

#: The limit the tests run with (REDTEAM_MAX_REQUEST_BYTES), small so a body over it is cheap.
LIMIT = 64 * 1024


def problem_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.levelno >= logging.INFO and not r.name.startswith("uvicorn.access")]


def assert_one_line_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    records = problem_records(caplog)
    assert not [r for r in records if r.exc_info], "no traceback is logged"
    assert "Traceback" not in caplog.text
    ours = [r for r in records if r.name.startswith("bot.")]
    assert len(ours) == 1, [r.getMessage() for r in records]
    assert "\n" not in ours[0].getMessage()


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Harness]:
    async with running_app(tmp_path, max_request_bytes=LIMIT) as harness:
        yield harness


def signed_json(body: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", **sign(body)}


BAD_REQUESTS = {
    "non-numeric timestamp": (
        b'{"type": "event_callback"}',
        {"Content-Type": "application/json", "X-Slack-Request-Timestamp": "soon",
         "X-Slack-Signature": "v0=" + "0" * 64},
    ),
    "non-numeric timestamp, form": (
        b"command=%2Fredteam&text=hi",
        {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": "1e9x",
         "X-Slack-Signature": "v0=abc"},
    ),
    "unsigned non-JSON body with a JSON content type": (
        b"{not json", {"Content-Type": "application/json"},
    ),
    "badly signed non-JSON body with a JSON content type": (
        b"{not json", {"Content-Type": "application/json", **sign(b"something else")},
    ),
    "body that is not UTF-8": (
        b"\xff\xfe{}", {"Content-Type": "application/json", **sign(b"\xff\xfe{}")},
    ),
    "unsigned form payload that is not JSON": (
        urlencode({"payload": "{not json"}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_REQUESTS))
async def test_malformed_unsigned_request_is_a_4xx_with_one_log_line(
    slack: Harness, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, headers = BAD_REQUESTS[name]
    with caplog.at_level(logging.INFO):
        status, _text = await slack.post(body, headers)
    assert status in (400, 401), status
    assert_one_line_no_traceback(caplog)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2", "application/json; charset=utf-8"),
        (b"\xff\xfe not utf-8", "application/json"),
        (urlencode({"payload": "{not json"}).encode(), "application/x-www-form-urlencoded"),
        (urlencode({"payload": "[1, 2, 3]"}).encode(), "application/x-www-form-urlencoded"),
    ],
)
async def test_signed_but_unparseable_body_is_a_400_with_one_log_line(
    slack: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    with caplog.at_level(logging.INFO):
        status, _text = await slack.post(body, {"Content-Type": content_type, **sign(body)})
    assert status == 400
    assert_one_line_no_traceback(caplog)


async def test_the_server_still_serves_after_bad_requests(slack: Harness) -> None:
    for body, headers in BAD_REQUESTS.values():
        await slack.post(body, headers)
    challenge = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"}).encode()
    status, text = await slack.post(challenge, signed_json(challenge))
    assert status == 200 and "c-123" in text


async def test_body_over_the_limit_is_refused_by_its_content_length(
    slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"x" * (LIMIT + 1)
    with caplog.at_level(logging.INFO):
        status, _text = await slack.post(body, {"Content-Type": "application/json"})
    assert status == 413
    assert_one_line_no_traceback(caplog)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


async def test_chunked_body_over_the_limit_is_refused_without_reading_it_whole(
    slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    # The server runs in this process: had it buffered the body, memory would grow by its size.
    chunk = b"x" * (1024 * 1024)
    total = 256
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(total):
            sent += 1
            yield chunk

    before = _rss_bytes()
    with caplog.at_level(logging.INFO):
        try:
            async with slack.http.post(slack.url + "/slack/events", data=chunks(),
                                       headers={"Content-Type": "application/json"}) as resp:
                status = resp.status
        except Exception as exc:  # the server may close the connection while the client still sends
            pytest.fail(f"no answer before the connection closed: {exc!r}")
    grown = _rss_bytes() - before
    assert status == 413
    assert grown < 64 * 1024 * 1024, f"memory grew by {grown / 1e6:.0f} MB"
    assert not [r for r in problem_records(caplog) if r.exc_info]


async def test_a_body_within_the_limit_is_served(slack: Harness) -> None:
    padding = "p" * (LIMIT // 2)
    challenge = json.dumps({"type": "url_verification", "challenge": "c-9", "token": "t",
                            "padding": padding}).encode()
    status, text = await slack.post(challenge, signed_json(challenge))
    assert status == 200 and "c-9" in text
