"""``Store.claim_all``: a Slack event's delivery id and draft key claimed in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import AsyncStore, Store


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
