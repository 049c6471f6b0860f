"""Review channels named in settings are looked up once; a failed lookup is retried, but not for
every message (conversations.info is rate-limited at about 50 calls a minute)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.channels import FAILED_LOOKUP_TTL_SECONDS, ReviewChannels
from tests.fakes.slack_api import FakeSlackAPI

REVIEW = "C0REVIEW01"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(channels={REVIEW: "social-review", "C0GENERAL1": "general"}) as f:
        yield f


async def test_names_are_resolved_once(fake: FakeSlackAPI) -> None:
    channels = ReviewChannels(["social-review"], AsyncWebClient(token="xoxb-t", base_url=fake.base_url))
    assert await channels.is_review_channel(REVIEW)
    assert await channels.is_review_channel(REVIEW)
    assert not await channels.is_review_channel("C0GENERAL1")
    assert [c.params["channel"] for c in fake.calls_to("conversations.info")] == [REVIEW, "C0GENERAL1"]


async def test_a_failed_lookup_waits_before_it_is_tried_again(fake: FakeSlackAPI) -> None:
    clock = Clock()
    client = AsyncWebClient(token="xoxb-t", base_url=fake.base_url)
    channels = ReviewChannels(["social-review"], client, clock=clock)
    fake.fail_next("conversations.info", "internal_error")

    assert not await channels.is_review_channel(REVIEW)  # Slack failed: not a review channel, for now
    clock.now += FAILED_LOOKUP_TTL_SECONDS / 2
    assert not await channels.is_review_channel(REVIEW)  # remembered: no second call yet
    assert len(fake.calls_to("conversations.info")) == 1

    clock.now += FAILED_LOOKUP_TTL_SECONDS
    assert await channels.is_review_channel(REVIEW)  # healed once the wait is over
    assert len(fake.calls_to("conversations.info")) == 2
    assert await channels.is_review_channel(REVIEW)
    assert len(fake.calls_to("conversations.info")) == 2
