"""Clearance and the decision record: one clearance per version, safe under races, voided by an
edit; a deleted draft keeps its record without its words; each retention period is honoured."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.review.models import Verdict
from bot.store import AsyncStore, ClearOutcome, Store, text_sha256
from tests.test_store import DRAFT, make_record, make_review

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
def store(database_url: str):
    s = Store(database_url, clock=lambda: NOW)
    yield s
    s.close()


def test_a_teammate_clears_and_the_record_says_who_when_and_which_words(store: Store) -> None:
    rec = make_record(workspace="T1")
    store.save_review(rec)
    result = store.clear(rec.review_id, "U2")
    assert result.outcome is ClearOutcome.cleared and result.recorded
    got = store.clearance(rec.review_id)
    assert got is not None and got.cleared_by == "U2" and got.cleared_at == NOW and not got.voided
    record = store.decision(rec.review_id)
    assert record is not None
    assert record.clearance == got
    assert record.workspace == "T1" and record.channel == "C1" and record.author == "U1"
    assert record.text_sha256 == text_sha256(DRAFT)


def test_a_repeated_click_is_recorded_once(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    assert store.clear(rec.review_id, "U2").outcome is ClearOutcome.cleared
    again = store.clear(rec.review_id, "U2")
    assert again.outcome is ClearOutcome.already_cleared and again.recorded
    assert again.clearance is not None and again.clearance.cleared_at == NOW


def test_the_second_approver_learns_who_was_first(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    store.clear(rec.review_id, "U2")
    second = store.clear(rec.review_id, "U3")
    assert second.outcome is ClearOutcome.taken and not second.recorded
    assert second.clearance is not None and second.clearance.cleared_by == "U2"


def test_two_approvers_at_once_exactly_one_is_recorded(database_url: str) -> None:
    first = Store(database_url)
    rec = make_record()
    first.save_review(rec)
    racers = [Store(database_url) for _ in range(6)]
    barrier = threading.Barrier(len(racers))
    outcomes: dict[str, ClearOutcome] = {}

    def click(i: int, s: Store) -> None:
        barrier.wait()
        outcomes[f"U{10 + i}"] = s.clear(rec.review_id, f"U{10 + i}").outcome

    threads = [threading.Thread(target=click, args=(i, s)) for i, s in enumerate(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [u for u, o in outcomes.items() if o is ClearOutcome.cleared]
    assert len(winners) == 1
    assert sorted(outcomes.values()).count(ClearOutcome.taken) == len(racers) - 1
    got = first.clearance(rec.review_id)
    assert got is not None and got.cleared_by == winners[0]
    for s in [first, *racers]:
        s.close()


def test_the_author_cannot_clear_their_own_draft(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    assert store.clear(rec.review_id, "U1").outcome is ClearOutcome.own_draft
    assert store.clearance(rec.review_id) is None


def test_do_not_post_needs_a_reason_and_records_it(store: Store) -> None:
    review = make_review().model_copy(update={"verdict": Verdict.do_not_post})
    rec = make_record(review=review)
    store.save_review(rec)
    assert store.clear(rec.review_id, "U2").outcome is ClearOutcome.reason_required
    assert store.clear(rec.review_id, "U2", reason="   ").outcome is ClearOutcome.reason_required
    done = store.clear(rec.review_id, "U2", reason="Legal approved the wording")
    assert done.outcome is ClearOutcome.cleared
    assert store.clearance(rec.review_id).reason == "Legal approved the wording"  # type: ignore[union-attr]


def test_an_edit_voids_the_clearance_and_the_old_version_stays_uncleared(store: Store) -> None:
    v1 = make_record()
    store.save_review(v1)
    store.clear(v1.review_id, "U2")
    voided = store.void_clearance(v1.review_id, "edited after clearance")
    assert voided is not None and voided.voided and voided.void_reason == "edited after clearance"
    assert store.void_clearance(v1.review_id, "again") is None, "nothing left in force to void"
    v2 = make_record(version=2)
    store.save_review(v2)
    old = store.clear(v1.review_id, "U3")
    assert old.outcome is ClearOutcome.voided and not old.recorded
    assert store.clear(v2.review_id, "U3").outcome is ClearOutcome.cleared


def test_a_version_replaced_by_an_edit_cannot_be_cleared(store: Store) -> None:
    v1 = make_record()
    store.save_review(v1)
    store.save_review(make_record(version=2))
    assert store.clear(v1.review_id, "U2").outcome is ClearOutcome.superseded


def test_unknown_and_deleted_drafts_cannot_be_cleared(store: Store) -> None:
    assert store.clear("no-such-review", "U2").outcome is ClearOutcome.unknown
    rec = make_record()
    store.save_review(rec)
    store.mark_deleted("C1", "100.1")
    assert store.clear(rec.review_id, "U2").outcome is ClearOutcome.deleted


def test_deleting_erases_the_words_and_keeps_the_decision(store: Store) -> None:
    rec = make_record()
    store.save_review(rec)
    store.clear(rec.review_id, "U2")
    store.record_feedback(rec.review_id, "U3", True)
    store.mark_deleted("C1", "100.1")
    stored = store.get_review(rec.review_id)
    assert stored is not None and stored.review.draft.text == ""
    record = store.decision(rec.review_id)
    assert record is not None and record.deleted and record.deleted_at == NOW
    assert record.verdict == "revise" and record.categories == ["surveillance_creep"]
    assert record.text_sha256 == text_sha256(DRAFT), "the hash proves which words, without them"
    assert record.clearance is not None and record.clearance.cleared_by == "U2"
    assert record.helpful == 1
    assert DRAFT not in record.model_dump_json()


def test_decision_records_filter_by_date_channel_and_verdict(store: Store) -> None:
    a = make_record(created_at=NOW - timedelta(days=3))
    b = make_record(channel="C2", draft_ts="200.1", created_at=NOW - timedelta(days=1))
    c = make_record(draft_ts="300.1", created_at=NOW,
                    review=make_review().model_copy(update={"verdict": Verdict.ship}))
    for r in (a, b, c):
        store.save_review(r)
    ids = lambda rs: [r.review_id for r in rs]  # noqa: E731
    assert ids(store.decision_records()) == [c.review_id, b.review_id, a.review_id]
    assert ids(store.decision_records(since=NOW - timedelta(days=2))) == [c.review_id, b.review_id]
    assert ids(store.decision_records(until=NOW - timedelta(days=2))) == [a.review_id]
    assert ids(store.decision_records(channel="C2")) == [b.review_id]
    assert ids(store.decision_records(verdict="ship")) == [c.review_id]
    assert ids(store.decision_records(limit=1)) == [c.review_id]


def test_texts_and_decisions_each_keep_their_retention(database_url: str) -> None:
    clock = [NOW]
    store = Store(database_url, retention_days=30, audit_retention_days=365, clock=lambda: clock[0])
    rec = make_record(created_at=NOW)
    store.save_review(rec)
    store.clear(rec.review_id, "U2")
    store.record_feedback(rec.review_id, "U3", False)

    clock[0] = NOW + timedelta(days=31)
    assert store.purge_expired() == (1, 0)
    assert store.get_review(rec.review_id) is None, "the draft's words went after 30 days"
    record = store.decision(rec.review_id)
    assert record is not None and record.clearance is not None and record.not_helpful == 1

    clock[0] = NOW + timedelta(days=366)
    assert store.purge_expired() == (0, 1)
    assert store.decision(rec.review_id) is None
    assert store.clearance(rec.review_id) is None
    assert store.feedback_counts(rec.review_id) == (0, 0)
    store.close()


def test_a_shorter_audit_period_also_limits_the_review(database_url: str) -> None:
    clock = [NOW]
    store = Store(database_url, retention_days=30, audit_retention_days=10, clock=lambda: clock[0])
    rec = make_record(created_at=NOW)
    store.save_review(rec)
    clock[0] = NOW + timedelta(days=11)
    assert store.purge_expired() == (1, 1)
    assert store.get_review(rec.review_id) is None and store.decision(rec.review_id) is None
    store.close()


async def test_async_store_clears_voids_and_reads() -> None:
    store = AsyncStore("sqlite://")
    rec = make_record()
    await store.save_review(rec)
    assert (await store.clear(rec.review_id, "U2")).outcome is ClearOutcome.cleared
    assert (await store.clear(rec.review_id, "U3")).outcome is ClearOutcome.taken
    assert (await store.void_clearance(rec.review_id, "edited")) is not None
    got = await store.clearance(rec.review_id)
    assert got is not None and got.voided
    record = await store.decision(rec.review_id)
    assert record is not None and record.clearance == got
    assert await store.purge_expired() == (0, 0)
    await store.aclose()


def test_nobody_who_wrote_an_earlier_version_clears_a_revision(store: Store) -> None:
    """U1 wrote the draft, U2 its revision in the thread: both are authors of what is cleared."""
    store.save_review(make_record())
    revision = make_record(draft_ts="100.2", user_id="U2", version=2)
    store.save_review(revision)
    other_thread = make_record(draft_ts="200.1", thread_ts="200.1", user_id="U3")
    store.save_review(other_thread)
    assert store.clear(revision.review_id, "U1").outcome is ClearOutcome.own_draft
    assert store.clear(revision.review_id, "U2").outcome is ClearOutcome.own_draft
    assert store.clear(other_thread.review_id, "U1").outcome is ClearOutcome.cleared
    assert store.clear(revision.review_id, "U4").outcome is ClearOutcome.cleared
