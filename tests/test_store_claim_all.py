"""``Store.claim_all``: a Slack event's delivery id and draft key claimed in one transaction."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot.store import AsyncStore, Store
from bot.store.records import Claim


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(database_url)
    yield s
    s.close()


def test_new_keys_are_claimed_together(store: Store) -> None:
    assert store.claim_all(["event:Ev1", "T1:C1:100.1"]) is True
    # both are now taken, whichever way they are asked for
    assert store.claim("event:Ev1") is False
    assert store.claim("T1:C1:100.1") is False
    assert store.claim_all(["event:Ev1", "T1:C1:100.1"]) is False


def test_one_seen_key_makes_the_claim_fail_and_the_other_is_still_recorded(store: Store) -> None:
    assert store.claim("T1:C1:100.2") is True  # the draft came first as an app_mention
    assert store.claim_all(["event:Ev2", "T1:C1:100.2"]) is False  # ...then as a message
    assert store.claim("event:Ev2") is False  # a retry of that delivery is recognised too


def test_repeated_and_long_keys(store: Store) -> None:
    long_key = "k" * 400
    assert store.claim_all([long_key, long_key]) is True  # a key listed twice is one key
    assert store.claim(long_key) is False  # stored as the same digest claim() uses
    assert store.claim_all([]) is True


def test_racing_claim_all_has_exactly_one_winner(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    stores = [Store(url), Store(url)]
    barrier = threading.Barrier(8)
    wins: list[bool] = []
    lock = threading.Lock()

    def attempt(s: Store) -> None:
        barrier.wait()
        won = s.claim_all(["event:EvRACE", "T1:C1:100.3"])
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=attempt, args=(stores[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
    for s in stores:
        s.close()


async def test_async_store_claim_all(tmp_path: Path) -> None:
    store = AsyncStore(f"sqlite:///{tmp_path / 'async.sqlite3'}")
    try:
        assert await store.claim_all(["event:Ev9", "T1:C1:100.9"]) is True
        assert await store.claim_all(["event:Ev10", "T1:C1:100.9"]) is False
    finally:
        await store.aclose()


async def test_claims_made_together_share_transactions_and_keep_their_answers(database_url: str) -> None:
    store = AsyncStore(database_url)
    batches: list[int] = []
    claim_many = store.sync.claim_many

    def counted(claims: Sequence[Claim]) -> list[bool]:
        batches.append(len(claims))
        return claim_many(claims)

    store.sync.claim_many = counted  # type: ignore[method-assign]
    try:
        assert await store.claim("T1:C1:300.0") is True  # seen before the burst
        keys = [f"T1:C1:300.{i}" for i in range(40)]
        # Each draft of a burst, and one of them delivered twice within it.
        answers = await asyncio.gather(*(store.claim_all([f"event:E{i}", k], reply_in=("C1", k))
                                         for i, k in enumerate([*keys, keys[5]])))
        assert answers == [False] + [True] * 39 + [False]
        assert sum(batches) == 41 and len(batches) < 10  # a few transactions, not one per claim
        assert await store.owes(keys[1]) and not await store.owes(keys[0])
    finally:
        await store.aclose()


async def test_a_batch_that_fails_is_claimed_one_by_one(database_url: str) -> None:
    store = AsyncStore(database_url)
    claim_many = store.sync.claim_many

    def no_batches(claims: Sequence[Claim]) -> list[bool]:
        if len(claims) > 1:
            raise OperationalError("INSERT", {}, Exception("disk I/O error"))
        return claim_many(claims)

    store.sync.claim_many = no_batches  # type: ignore[method-assign]
    try:
        answers = await asyncio.gather(*(store.claim_all([f"T1:C1:400.{i % 5}"]) for i in range(10)))
        assert answers == [True] * 5 + [False] * 5
    finally:
        await store.aclose()
