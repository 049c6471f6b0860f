"""Which work goes first with many drafts in flight (``bot/review/schedule.py``): every draft's
LLM request before the "Reviewing…" cards, and the requests in the order the drafts arrived.
End to end through the SDK's endpoint, the real openai client against the fake LLM and the fake
Bot Connector."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from bot.review.schedule import Schedule
from tests.fakes.openai_server import FakeOpenAI
from tests.teams_harness import REVIEW_CHANNEL, channel_post, running_server

DRAFT = "To the {n} people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


async def test_llm_requests_leave_before_the_reviewing_cards(ident, tmp_path, fake_llm):
    connector = ident.connector
    for _ in range(20):
        fake_llm.enqueue(hang=0.5)
    settings = {"OPENAI_BASE_URL": fake_llm.base_url, "OPENAI_API_KEY": "sk-test", "model": fake_llm.model,
                "llm_timeout_seconds": 10.0}
    async with running_server(ident, tmp_path / "db.sqlite3", **settings) as server:
        posts = [channel_post(connector, DRAFT.format(n=100 + i)) for i in range(20)]
        answers = await asyncio.gather(*(server.post(p) for p in posts))
        assert [status for status, _ in answers] == [200] * 20
        await server.settle(timeout=30)
    threads = {f"{REVIEW_CHANNEL};messageid={p['id']}" for p in posts}
    placeholders = [c for c in connector.ok_calls_of("send") if c.conversation_id in threads]
    reviews = [c for c in connector.ok_calls_of("update") if c.conversation_id in threads]
    assert len(placeholders) == len(reviews) == 20  # each draft: its card, then the review in its place
    arrived = sorted(r.arrived for r in fake_llm.chat_requests)
    assert len(arrived) == 20
    # Each "Reviewing…" card went once the LLM requests were out, none before the first of them.
    assert min(c.at for c in placeholders) >= arrived[0]


async def test_a_draft_builds_its_request_after_the_one_before_it_sent_its_own():
    schedule = Schedule()
    first, second, third = schedule.arriving(), schedule.arriving(), schedule.arriving()
    order: list[str] = []

    async def request(name: str, ticket) -> None:  # type: ignore[no-untyped-def]
        await ticket.turn()
        order.append(name)
        ticket.sent()

    later = asyncio.gather(request("third", third), request("second", second))
    await asyncio.sleep(0.05)
    assert order == [] and schedule.waiting == 3
    first.sent()
    await later
    assert order == ["second", "third"] and schedule.waiting == 0


async def test_work_that_can_wait_waits_for_the_requests_but_not_for_long():
    schedule = Schedule()
    ticket = schedule.arriving()
    waiting = asyncio.ensure_future(schedule.requests_out(max_wait=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    ticket.sent()
    await asyncio.wait_for(waiting, 1)

    stuck = schedule.arriving()  # a request that never leaves holds nothing back for long
    started = asyncio.get_running_loop().time()
    await schedule.requests_out(max_wait=0.2)
    assert 0.15 < asyncio.get_running_loop().time() - started < 2
    await stuck.turn(max_wait=0.01)  # the first in line waits for nobody
    stuck.sent()


async def test_the_wait_for_the_requests_is_counted_from_the_drafts_arrival():
    schedule = Schedule()
    mine, other = schedule.arriving(), schedule.arriving()
    await asyncio.sleep(0.3)  # its claim took a while
    started = asyncio.get_running_loop().time()
    await schedule.requests_out(max_wait=0.4, since=mine)
    assert asyncio.get_running_loop().time() - started < 0.25
    mine.sent()
    other.sent()
