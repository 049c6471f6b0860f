"""The store against real SQLite files (and PostgreSQL when REDTEAM_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    WorstReaction,
)
from bot.settings import Settings
from bot.store import AsyncStore, ReviewRecord, Store, StoreConfigError

DRAFT = "To the 53 people who've watched it every day for the past 18 days: Who hurt you?"


def make_review(text: str = DRAFT) -> Review:
    quote = "53 people"
    return Review(
        draft=Draft(text=text, platform="twitter", notes="holiday campaign"),
        verdict=Verdict.revise,
        risk_level=RiskLevel.high,
        summary="Mocks paying customers with their own viewing data.",
        risks=[
            Risk(
                category="surveillance_creep",
                severity=Severity.high,
                evidence=Evidence.locate(text, quote) or Evidence(quote=quote, start=0, end=0),
                explanation="Shows how closely viewing is tracked.",
                who_could_be_hurt="Subscribers",
                suggestion="Speak of trends, drop the number.",
            )
        ],
        worst_reactions=[WorstReaction(persona="privacy advocate", reply="So you watch us watching?")],
        alternatives=[Alternative(text="To everyone rewatching: we're with you", what_changed="no number")],
        engines=["offline"],
    )


def make_record(**fields: object) -> ReviewRecord:
    base: dict[str, object] = {
        "channel": "C1",
        "draft_ts": "100.1",
        "thread_ts": "100.1",
        "user_id": "U1",
        "review": make_review(),
    }
    base.update(fields)
    return ReviewRecord.model_validate(base)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    s = Store(database_url)
    yield s
    s.close()


def test_claim_is_true_once(store: Store) -> None:
    assert store.claim("event:Ev1") is True
    assert store.claim("event:Ev1") is False
    assert store.claim("event:Ev2") is True


def test_claim_is_remembered_after_restart(database_url: str) -> None:
    first = Store(database_url)
    assert first.claim("msg:C1:100.1")
    first.close()
    second = Store(database_url)
    assert second.claim("msg:C1:100.1") is False
    second.close()


def race(stores: list[Store], key: str, contenders: int = 8) -> list[bool]:
    """``contenders`` threads, spread over ``stores``, claim ``key`` at the same moment."""
    barrier = threading.Barrier(contenders)
    wins: list[bool] = []
    lock = threading.Lock()

    def attempt(s: Store) -> None:
        barrier.wait()
        won = s.claim(key)
        with lock:
            wins.append(won)

    threads = [threading.Thread(target=attempt, args=(stores[i % len(stores)],)) for i in range(contenders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return wins


def test_two_stores_racing_claim_on_one_key_have_exactly_one_winner(database_url: str) -> None:
    stores = [Store(database_url), Store(database_url)]
    for round_ in range(5):
        assert sorted(race(stores, f"race:{round_}")) == [False] * 7 + [True]
    for s in stores:
        s.close()


def test_claim_across_processes(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    parent = Store(url)
    script = (
        "import sys\n"
        "from bot.store import Store\n"
        "s = Store(sys.argv[1])\n"
        "print(sum(s.claim(f'k{i}') for i in range(40)))\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, url], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1]
    )
    mine = sum(parent.claim(f"k{i}") for i in range(40))
    out, _ = child.communicate(timeout=60)
    assert child.returncode == 0
    assert mine + int(out) == 40
    parent.close()


def test_old_keys_are_pruned_on_startup(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    old = Store(url, clock=lambda: now - timedelta(days=10))
    old.claim("ancient")
    old.close()
    recent = Store(url, clock=lambda: now - timedelta(days=1))
    recent.claim("recent")
    recent.close()
    fresh = Store(url, clock=lambda: now, key_days=7)
    assert fresh.claim("ancient") is True
    assert fresh.claim("recent") is False
    fresh.close()


def test_save_and_get_round_trip(store: Store) -> None:
    rec = make_record()
    assert store.save_review(rec) == rec.review_id
    got = store.get_review(rec.review_id)
    assert got is not None
    assert got.review == rec.review
    assert got.review.draft.text == DRAFT
    assert (got.channel, got.draft_ts, got.thread_ts, got.user_id, got.version) == (
        "C1",
        "100.1",
        "100.1",
        "U1",
        1,
    )
    assert got.created_at.tzinfo is not None
    assert abs(got.created_at - rec.created_at) < timedelta(seconds=1)
    assert store.get_review(str(uuid.uuid4())) is None


def test_save_review_replaces_the_same_id(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    changed = rec.model_copy(update={"review": make_review("A gentler draft"), "reply_ts": "200.2"})
    store.save_review(changed)
    got = store.get_review(rec.review_id)
    assert got is not None
    assert got.review.draft.text == "A gentler draft"
    assert got.reply_ts == "200.2"


def test_set_reply_ts(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    store.set_reply_ts(rec.review_id, "300.3")
    got = store.get_review(rec.review_id)
    assert got is not None and got.reply_ts == "300.3"


def test_latest_for_draft_is_the_newest_version(store: Store) -> None:
    v1 = make_record(version=1)
    v2 = make_record(version=2, review=make_review("edited draft"))
    other = make_record(channel="C2", version=3)
    for rec in (v2, v1, other):
        store.save_review(rec)
    latest = store.latest_for_draft("C1", "100.1")
    assert latest is not None and latest.review_id == v2.review_id
    assert store.latest_for_draft("C1", "999.9") is None


def test_thread_reviews_oldest_first_and_only_that_thread(store: Store) -> None:
    root = make_record(version=1)
    revision = make_record(draft_ts="100.5", version=2, review=make_review("revised"))
    elsewhere = make_record(draft_ts="500.1", thread_ts="500.1")
    other_channel = make_record(channel="C9")
    for rec in (revision, elsewhere, root, other_channel):
        store.save_review(rec)
    thread = store.thread_reviews("C1", "100.1")
    assert [r.review_id for r in thread] == [root.review_id, revision.review_id]


def test_mark_deleted_returns_the_review_and_erases_the_draft_words(store: Store) -> None:
    v1 = make_record(version=1)
    v2 = make_record(version=2)
    store.save_review(v1)
    store.save_review(v2)
    marked = store.mark_deleted("C1", "100.1")
    assert marked is not None
    assert marked.review_id == v2.review_id
    assert marked.deleted is True
    assert marked.review.draft.text == DRAFT  # the caller may still need it for a last update
    for rec in (v1, v2):
        stored = store.get_review(rec.review_id)
        assert stored is not None and stored.deleted
        dumped = stored.review.model_dump_json()
        assert "53 people" not in dumped and "rewatching" not in dumped and "holiday" not in dumped
        assert stored.review.verdict is Verdict.revise
        assert [r.category for r in stored.review.risks] == ["surveillance_creep"]
    assert store.mark_deleted("C1", "404.4") is None


def test_feedback_one_vote_per_user_last_wins(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    assert store.feedback_counts(rec.review_id) == (0, 0)
    store.record_feedback(rec.review_id, "U1", True)
    store.record_feedback(rec.review_id, "U2", True)
    store.record_feedback(rec.review_id, "U3", False)
    assert store.feedback_counts(rec.review_id) == (2, 1)
    store.record_feedback(rec.review_id, "U1", False)
    store.record_feedback(rec.review_id, "U1", False)
    assert store.feedback_counts(rec.review_id) == (1, 2)
    assert store.feedback_counts("other") == (0, 0)


def test_purge_older_than_drops_old_reviews_and_their_feedback(database_url: str) -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    store = Store(database_url, clock=lambda: now)
    old = make_record(created_at=now - timedelta(days=40))
    new = make_record(draft_ts="200.1", created_at=now - timedelta(days=2))
    store.save_review(old)
    store.save_review(new)
    store.record_feedback(old.review_id, "U1", True)
    store.record_feedback(new.review_id, "U1", True)
    assert store.purge_older_than(30) == 1
    assert store.get_review(old.review_id) is None
    assert store.get_review(new.review_id) is not None
    assert store.feedback_counts(old.review_id) == (0, 0)
    assert store.feedback_counts(new.review_id) == (1, 0)
    store.close()


def test_retention_purges_on_startup(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    first = Store(url, clock=lambda: now)
    old = make_record(created_at=now - timedelta(days=31))
    first.save_review(old)
    first.close()
    settings = Settings(database_url=url, retention_days=30)
    again = Store.from_settings(settings)
    assert again.get_review(old.review_id) is None
    again.close()


def test_bad_url_says_so(tmp_path: Path) -> None:
    with pytest.raises(StoreConfigError, match="REDTEAM_DATABASE_URL"):
        Store("not a url at all")
    with pytest.raises(StoreConfigError, match=r"cannot open the store at sqlite:///.*REDTEAM_DATABASE_URL"):
        Store(f"sqlite:///{tmp_path}/no/such/folder/store.sqlite3")


def test_long_keys_do_not_collide(store: Store) -> None:
    prefix = "k" * 300
    assert store.claim(prefix + "a") is True
    assert store.claim(prefix + "b") is True
    assert store.claim(prefix + "a") is False


async def test_async_store_shares_an_in_memory_database_across_threads() -> None:
    store = AsyncStore("sqlite://")
    rec = make_record()
    assert await store.claim("k") is True
    assert await store.claim("k") is False
    await store.save_review(rec)
    await store.set_reply_ts(rec.review_id, "9.9")
    got = await store.get_review(rec.review_id)
    assert got is not None and got.reply_ts == "9.9"
    assert [r.review_id for r in await store.thread_reviews("C1", "100.1")] == [rec.review_id]
    latest = await store.latest_for_draft("C1", "100.1")
    assert latest is not None and latest.review_id == rec.review_id
    await store.record_feedback(rec.review_id, "U1", False)
    assert await store.feedback_counts(rec.review_id) == (0, 1)
    deleted = await store.mark_deleted("C1", "100.1")
    assert deleted is not None and deleted.deleted
    assert await store.purge_older_than(1) == 0
    assert await store.prune_keys(7) == 0
    await store.aclose()


async def test_async_store_concurrent_claims_on_a_file(tmp_path: Path) -> None:
    import asyncio

    a = AsyncStore(sqlite_url(tmp_path))
    b = AsyncStore(sqlite_url(tmp_path))
    results = await asyncio.gather(*(s.claim("same") for s in (a, b, a, b, a, b)))
    assert sorted(results) == [False] * 5 + [True]
    await a.aclose()
    await b.aclose()
