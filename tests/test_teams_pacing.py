"""Teams' per-thread rate limits kept before sending, and the personal-chat fallback."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from bot.teams.cards import render_notice
from bot.teams.pacing import TEAMS_THREAD_LIMITS, ThreadPacer
from bot.teams.transport import TeamsPlace, TeamsTransport
from tests.teams_harness import ALICE, OTHER_CHANNEL, TENANT_ID, identity, new_message_id, running_teams


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_sends_to_one_thread_keep_every_window():
    clock = FakeClock()
    pacer = ThreadPacer(clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(70):
        await pacer.wait("thread-a")
        times.append(clock.now)
    for seconds, count in TEAMS_THREAD_LIMITS:
        for i in range(len(times)):
            in_window = [t for t in times[i:] if t - times[i] < seconds]
            assert len(in_window) <= count, (seconds, count, i)
    assert times[:7] == [0.0] * 7  # a burst within the limits is not slowed
    assert times[7] == pytest.approx(1.0)
    assert times[60] >= 30.0  # 60 in 30 seconds


async def test_threads_are_paced_independently():
    clock = FakeClock()
    pacer = ThreadPacer(clock=clock, sleep=clock.sleep)
    for _ in range(7):
        await pacer.wait("thread-a")
    assert await pacer.wait("thread-b") == 0.0
    assert await pacer.wait("thread-a") == pytest.approx(1.0)


@pytest.fixture
def ident(tmp_path):
    with identity(tmp_path) as value:
        yield value


async def test_a_burst_into_one_thread_meets_no_429(ident):
    ident.connector.per_second_limit = 7  # as Teams: the 8th call within a second gets 429
    async with running_teams(ident, lambda teams: None) as h:
        transport = TeamsTransport(h.teams.app.api)
        place = TeamsPlace.thread(ident.connector.service_url, OTHER_CHANNEL, new_message_id())
        started = time.monotonic()
        await asyncio.gather(*(transport.post(place, render_notice(f"n{i}")) for i in range(10)))
        elapsed = time.monotonic() - started
    statuses = [c.status for c in ident.connector.calls_of("send")]
    assert statuses == [200] * 10
    assert elapsed < 10  # paced (8 per 2 s), not stuck


async def test_without_the_pacer_the_same_burst_is_throttled(ident):
    # What the pacer prevents: the connector's 429s (here retried, at the cost of whole seconds).
    ident.connector.per_second_limit = 7
    async with running_teams(ident, lambda teams: None) as h:
        transport = TeamsTransport(h.teams.app.api, pacer=ThreadPacer(limits=()))
        place = TeamsPlace.thread(ident.connector.service_url, OTHER_CHANNEL, new_message_id())
        await asyncio.gather(*(transport.post(place, render_notice(f"n{i}")) for i in range(10)))
    assert 429 in [c.status for c in ident.connector.calls_of("send")]


async def test_personal_chat_when_the_bot_may_not_post_in_the_channel(ident):
    ident.connector.forbidden.add(OTHER_CHANNEL)
    async with running_teams(ident, lambda teams: None) as h:
        transport = TeamsTransport(h.teams.app.api)
        place = TeamsPlace.thread(ident.connector.service_url, OTHER_CHANNEL, new_message_id())
        with pytest.raises(httpx.HTTPStatusError) as refused:
            await transport.post(place, render_notice("review"))
        assert refused.value.response.status_code == 403
        chat = await transport.personal_chat(ident.connector.service_url, ALICE["id"], TENANT_ID)
        await transport.post(chat, render_notice("review"))
    [created] = ident.connector.calls_of("create_conversation")
    assert created.body["members"] == [{"id": ALICE["id"]}] and created.body["isGroup"] is False
    assert created.body["tenantId"] == TENANT_ID
    assert [c.conversation_id for c in ident.connector.ok_calls_of("send")] == [chat.conversation_id]
    assert len(ident.connector.calls_of("send")) == 2  # a 403 is not retried
