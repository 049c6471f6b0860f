"""Replies owed and never given: recorded with the claim, settled by the reply, and apologised for
in the thread when the process that owed them stopped (bot.conversation.owed_replies)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.conversation.owed_replies import RESTARTED, settle_after, sweep_interval
from bot.store import AsyncStore, Store
from bot.store.tables import open_work
from tests.fakes.slack_api import TEAM_ID
from tests.slack_harness import REVIEW_CHANNEL, message_event, running_app, wait_for

DRAFT = "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
HOUR = timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url: str, clock: Clock) -> Iterator[Store]:
    s = Store(database_url, clock=clock)
    yield s
    s.close()


def owed_rows(store: Store) -> list[str]:
    with store._engine.connect() as conn:
        return [row.key for row in conn.execute(open_work.select())]


def test_a_claim_with_reply_in_records_the_debt_and_finish_settles_it(store: Store) -> None:
    assert store.claim_all(["event:Ev1", "T:C1:1.1"], reply_in=("C1", "1.1")) is True
    assert owed_rows(store) == ["T:C1:1.1"]
    store.finish_work("T:C1:1.1")
    assert owed_rows(store) == []


def test_a_repeated_claim_records_no_second_debt(store: Store) -> None:
    assert store.claim_all(["T:C1:1.2"], reply_in=("C1", "1.2")) is True
    store.finish_work("T:C1:1.2")
    assert store.claim_all(["event:Ev9", "T:C1:1.2"], reply_in=("C1", "1.2")) is False
    assert owed_rows(store) == []


def test_only_debts_whose_lease_ran_out_are_taken_and_each_only_once(
    store: Store, database_url: str, clock: Clock
) -> None:
    store.claim_all(["T:C1:old"], reply_in=("C1", "old.1"))
    clock.now += store.lease + timedelta(seconds=1)
    store.claim_all(["T:C1:new"], reply_in=("C1", "new.1"))
    # a second process on the same database sweeps at the same time
    other = Store(database_url, clock=clock)
    try:
        first = other.take_unfinished()
        second = store.take_unfinished()
    finally:
        other.close()
    assert [(o.key, o.channel, o.thread) for o in first] == [("T:C1:old", "C1", "old.1")]
    assert second == []
    # taken, not yet given: the taker forgets it once the reply is out
    assert sorted(owed_rows(store)) == ["T:C1:new", "T:C1:old"]
    store.forget_work("T:C1:old")
    assert owed_rows(store) == ["T:C1:new"]


def test_a_renewed_lease_keeps_running_work_from_the_sweep(store: Store, clock: Clock) -> None:
    store.claim_all(["T:C1:long"], reply_in=("C1", "long.1"))
    for _ in range(10):  # a long review, its heartbeat renewing the lease
        clock.now += store.lease / 2
        assert store.renew_lease("T:C1:long")
        assert store.take_unfinished() == []
    clock.now += store.lease + timedelta(seconds=1)  # the heartbeat stopped: the process died
    assert [o.key for o in store.take_unfinished()] == ["T:C1:long"]


def test_a_notice_left_owed_survives_the_finish_and_is_taken_at_once(store: Store) -> None:
    store.claim_all(["T:C1:n"], reply_in=("C1", "n.1"))
    store.leave_owed("T:C1:n", "Sorry, I couldn't post")
    store.finish_work("T:C1:n")  # the work ends; the notice is still owed
    [owed] = store.take_unfinished()
    assert owed.notice == "Sorry, I couldn't post"


def test_sweeps_come_often_enough_to_find_an_orphan_within_a_minute(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'lease.sqlite3'}")
    try:
        assert store.lease.total_seconds() + 2 * sweep_interval(store.lease) <= 60
    finally:
        store.close()


@pytest.mark.parametrize("outcome", ["replied", "failed", "cancelled"])
async def test_owed_settles_unless_the_work_was_cancelled(tmp_path: Path, outcome: str) -> None:
    store = AsyncStore(f"sqlite:///{tmp_path / 'owed.sqlite3'}")
    key = f"T:C1:{outcome}"
    assert await store.claim_all([key], reply_in=("C1", outcome)) is True
    started = asyncio.Event()

    async def reply() -> None:
        started.set()
        if outcome == "failed":
            raise RuntimeError("the listener's guard posts the failure notice")
        if outcome == "cancelled":
            await asyncio.sleep(60)

    task = asyncio.create_task(settle_after(store, key, reply()))
    await started.wait()
    if outcome == "cancelled":
        task.cancel()  # a shutdown that outran its grace
    results = await asyncio.gather(task, return_exceptions=True)
    assert owed_rows(store.sync) == ([key] if outcome == "cancelled" else [])
    if outcome == "failed":
        assert isinstance(results[0], RuntimeError)
    await store.aclose()


def thread_texts(fake: Any, thread_ts: str) -> list[str]:
    return [
        c.params.get("text", "") + json.dumps(c.params.get("blocks") or [])
        for c in fake.ok_calls_to("chat.postMessage")
        if c.params.get("thread_ts") == thread_ts
    ]


async def test_a_draft_left_by_a_stopped_process_gets_an_apology_from_the_next_one(tmp_path: Path) -> None:
    # The process that took this draft died before replying, long enough ago.
    abandoned = message_event(DRAFT)
    db = tmp_path / "redteam.sqlite3"
    dead = Store(f"sqlite:///{db}", clock=lambda: datetime.now(UTC) - HOUR)
    key = f"{TEAM_ID}:{REVIEW_CHANNEL}:{abandoned['ts']}"
    assert dead.claim_all(["event:EvDead", key], reply_in=(REVIEW_CHANNEL, abandoned["ts"]))
    dead.close()

    async with running_app(tmp_path) as slack:  # sweeps as it starts
        await slack.settle()
        apology = await wait_for(lambda: thread_texts(slack.fake, abandoned["ts"]))
        assert len(apology) == 1 and "I was stopped (a restart)" in apology[0]
        assert "I was stopped (a restart)" in RESTARTED
        # Slack retrying that old delivery now changes nothing: it was handled, with an apology
        status, _ = await slack.post_event(abandoned, event_id="EvDead")
        assert status == 200
        await slack.settle()
        assert len(thread_texts(slack.fake, abandoned["ts"])) == 1

        # a draft reviewed normally leaves no debt behind, so no apology ever follows
        fresh = message_event(DRAFT + " (v2)")
        await slack.post_event(fresh)
        await slack.settle()
        assert len(thread_texts(slack.fake, fresh["ts"])) == 1
        assert owed_rows(slack.store.sync) == []
