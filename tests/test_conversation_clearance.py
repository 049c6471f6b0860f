"""Clearance on the conversation layer: the button's state in outcomes, who may clear, a
do_not_post's reason, edits voiding it, races; against the in-memory transport and a real store."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation import Conversation, Filing, Reviewed
from bot.conversation import clearance as cl
from bot.conversation.clearance import ClearancePolicy, Clearances, ReplyKind, parse_approvers
from bot.conversation.outbox import Outbox
from bot.conversation.owed_replies import sweep_forever
from bot.review.models import Draft
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.store import AsyncStore, ReviewRecord
from tests.test_conversation import REVIEW_CHANNEL, SAFE, MemoryTransport, post

REVISE = "We can see you reading this at 3am. Go to bed!"
#: The idea itself is the harm (a tragedy used to sell): "do not post".
RISKY = "Never forget. To honour the victims, every mattress is 9/11% off this weekend only."
AUTHOR, BOB, CAROL = "ann", "bob", "carol"


@dataclass
class Groups:
    """Approver groups in memory; ``broken`` groups fail to load."""

    members_of: dict[str, set[str]] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    lookups: list[str] = field(default_factory=list)

    def is_group(self, entry: str) -> bool:
        return entry.startswith("G-")

    async def members(self, group: str) -> frozenset[str]:
        self.lookups.append(group)
        if group in self.broken:
            raise ConnectionError("directory down")
        return frozenset(self.members_of.get(group, set()))


@dataclass
class Desk:
    conversation: Conversation
    clearances: Clearances
    transport: MemoryTransport
    store: AsyncStore

    async def draft(self, text: str, message: str = "m1") -> Reviewed:
        await self.conversation.message_posted(post(message, user=AUTHOR), text)
        return self.latest()

    def latest(self) -> Reviewed:
        return [s.outcome for s in self.transport.sent if isinstance(s.outcome, Reviewed)][-1]

    def updates(self) -> list[Reviewed]:
        return [
            s.outcome for s in self.transport.sent if s.how == "update" and isinstance(s.outcome, Reviewed)
        ]


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncStore]:
    s = AsyncStore(f"sqlite:///{tmp_path / 'clearance.sqlite3'}")
    yield s
    await s.aclose()


def make_desk(
    service: ReviewService,
    store: AsyncStore,
    policy: ClearancePolicy | None = None,
    groups: Groups | None = None,
) -> Desk:
    transport = MemoryTransport()
    conversation = Conversation(service, store, transport, clearance=policy)
    return Desk(conversation, Clearances(conversation, conversation.clearance, groups), transport, store)


@pytest.fixture
def desk(service: ReviewService, store: AsyncStore) -> Desk:
    return make_desk(service, store)


@pytest.fixture(scope="module")
def service() -> ReviewService:
    return ReviewService(Settings(_env_file=None, OPENAI_API_KEY=None), offline_only=True)


# --- the button ------------------------------------------------------------------------------


async def test_a_review_in_a_review_channel_offers_clearance_and_records_the_workspace(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    assert shown.clearance is not None
    assert shown.clearance.offers_button and shown.clearance.version == 1
    assert not shown.clearance.needs_reason and not shown.clearance.cleared
    rec = await desk.store.get_review(shown.review_id)
    assert rec is not None and rec.workspace == "acme"
    decision = await desk.store.decision(shown.review_id)
    assert decision is not None and decision.workspace == "acme"


async def test_clearance_does_not_apply_outside_review_channels_nor_to_private_reviews(desk: Desk) -> None:
    await desk.conversation.mentioned(post("m9", channel="general", user=AUTHOR), REVISE)
    assert desk.latest().clearance is None
    got: list[Reviewed] = []

    async def deliver(outcome: object) -> str | None:
        assert isinstance(outcome, Reviewed)
        got.append(outcome)
        return None

    await desk.conversation.review_privately(
        Draft(text=REVISE), Filing(REVIEW_CHANNEL, "cmd:1", AUTHOR), deliver
    )
    assert got and got[0].private and got[0].clearance is None


async def test_a_do_not_post_review_asks_for_a_reason_and_blocking_removes_the_button(
    service: ReviewService, store: AsyncStore
) -> None:
    desk = make_desk(service, store)
    shown = await desk.draft(RISKY)
    assert shown.review.verdict.value == "do_not_post"
    assert shown.clearance is not None and shown.clearance.needs_reason and shown.clearance.offers_button

    blocked = make_desk(service, store, ClearancePolicy(block_do_not_post=True))
    shown = await blocked.draft(RISKY, "m2")
    assert shown.clearance is not None and shown.clearance.blocked and not shown.clearance.offers_button
    reply = await blocked.clearances.with_reason(shown.review_id, BOB, "legal said yes")
    assert reply.kind is ReplyKind.refused and reply.text == cl.BLOCKED
    assert await store.clearance(shown.review_id) is None


# --- who may clear ---------------------------------------------------------------------------


async def test_the_author_is_refused_and_told_why(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    reply = await desk.clearances.clicked(shown.review_id, AUTHOR)
    assert reply.kind is ReplyKind.refused and reply.text == cl.OWN_DRAFT
    assert await desk.store.clearance(shown.review_id) is None
    assert desk.updates() == []


async def test_a_teammate_clears_and_the_review_updates_in_place_with_who(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    reply = await desk.clearances.clicked(shown.review_id, BOB)
    assert reply.kind is ReplyKind.cleared
    assert reply.text == ""  # the updated review is the answer
    (update,) = desk.updates()
    assert update.review_id == shown.review_id
    assert update.clearance is not None and update.clearance.cleared_by == BOB
    assert update.clearance.version == 1 and not update.clearance.offers_button
    assert update.clearance.cleared_at is not None
    rec = await desk.store.get_review(shown.review_id)
    assert rec is not None and desk.transport.sent[-1].where == rec.reply_ts
    decision = await desk.store.decision(shown.review_id)
    assert decision is not None and decision.clearance is not None and decision.clearance.cleared_by == BOB


async def test_a_double_click_is_recorded_once(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    first = await desk.clearances.clicked(shown.review_id, BOB)
    again = await desk.clearances.clicked(shown.review_id, BOB)
    assert first.kind is ReplyKind.cleared and again.kind is ReplyKind.already_cleared
    assert again.clearance is not None and first.clearance is not None
    assert again.clearance.cleared_at == first.clearance.cleared_at
    assert len(desk.updates()) == 1


async def test_two_approvers_at_once_one_is_recorded_and_the_other_told_who(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    replies = await asyncio.gather(
        desk.clearances.clicked(shown.review_id, BOB), desk.clearances.clicked(shown.review_id, CAROL)
    )
    kinds = sorted(r.kind.value for r in replies)
    assert kinds == ["cleared", "taken"]
    winner = next(r for r in replies if r.kind is ReplyKind.cleared)
    loser = next(r for r in replies if r.kind is ReplyKind.taken)
    assert winner.clearance is not None and loser.clearance is not None
    assert loser.clearance.cleared_by == winner.clearance.cleared_by
    assert loser.text == cl.TAKEN
    stored = await desk.store.clearance(shown.review_id)
    assert stored is not None and stored.cleared_by == winner.clearance.cleared_by


async def test_approvers_by_id_and_by_group(service: ReviewService, store: AsyncStore) -> None:
    groups = Groups(members_of={"G-comms": {CAROL}})
    desk = make_desk(service, store, ClearancePolicy(parse_approvers("dave, G-comms")), groups)
    shown = await desk.draft(REVISE)
    refused = await desk.clearances.clicked(shown.review_id, BOB)
    assert refused.kind is ReplyKind.refused and refused.text == cl.NOT_AN_APPROVER
    assert await store.clearance(shown.review_id) is None
    by_group = await desk.clearances.clicked(shown.review_id, CAROL)
    assert by_group.kind is ReplyKind.cleared

    other = await desk.draft(REVISE, "m2")
    assert (await desk.clearances.clicked(other.review_id, "dave")).kind is ReplyKind.cleared


async def test_a_group_that_cannot_be_read_never_clears_anyone(
    service: ReviewService, store: AsyncStore
) -> None:
    groups = Groups(members_of={"G-comms": {CAROL}}, broken={"G-comms"})
    desk = make_desk(service, store, ClearancePolicy(parse_approvers("G-comms")), groups)
    shown = await desk.draft(REVISE)
    reply = await desk.clearances.clicked(shown.review_id, CAROL)
    assert reply.kind is ReplyKind.refused and reply.text == cl.APPROVERS_UNKNOWN
    assert await store.clearance(shown.review_id) is None


# --- a do_not_post's reason -------------------------------------------------------------------


async def test_do_not_post_needs_a_written_reason_which_is_recorded(desk: Desk) -> None:
    shown = await desk.draft(RISKY)
    ask = await desk.clearances.clicked(shown.review_id, BOB)
    assert ask.kind is ReplyKind.needs_reason
    assert await desk.store.clearance(shown.review_id) is None
    empty = await desk.clearances.with_reason(shown.review_id, BOB, "   ")
    assert empty.kind is ReplyKind.needs_reason and await desk.store.clearance(shown.review_id) is None
    done = await desk.clearances.with_reason(shown.review_id, BOB, "  Legal approved the joke.  ")
    assert done.kind is ReplyKind.cleared
    (update,) = desk.updates()
    assert update.clearance is not None and update.clearance.reason == "Legal approved the joke."
    stored = await desk.store.clearance(shown.review_id)
    assert stored is not None and stored.reason == "Legal approved the joke."


async def test_the_author_is_refused_before_being_asked_for_a_reason(desk: Desk) -> None:
    shown = await desk.draft(RISKY)
    reply = await desk.clearances.clicked(shown.review_id, AUTHOR)
    assert reply.kind is ReplyKind.refused and reply.text == cl.OWN_DRAFT


# --- edits, revisions, deletes -------------------------------------------------------------


async def test_an_edit_voids_the_clearance_and_the_new_version_needs_its_own(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    await desk.clearances.clicked(shown.review_id, BOB)
    await desk.conversation.draft_edited(post("m1", user=AUTHOR), SAFE, edit="e1")

    voided = await desk.store.clearance(shown.review_id)
    assert voided is not None and voided.voided and voided.void_reason == cl.EDITED
    redone = desk.updates()[-1]
    assert redone.review_id != shown.review_id
    assert redone.clearance is not None and redone.clearance.edited_after_clearance
    assert redone.clearance.version == 2 and redone.clearance.offers_button
    # The old review's button now explains itself; the new version is cleared on its own.
    old = await desk.clearances.clicked(shown.review_id, CAROL)
    assert old.kind is ReplyKind.refused and old.text == cl.VOIDED
    assert (await desk.clearances.clicked(redone.review_id, CAROL)).kind is ReplyKind.cleared


async def test_an_edit_whose_review_fails_still_voids_and_says_so(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    await desk.clearances.clicked(shown.review_id, BOB)
    desk.transport.fail_reviews_with = PermissionError("nope")
    # The failure is in the re-review's delivery (an update), so make updates fail too.
    original = desk.transport.update_message
    calls = 0

    async def fail_second_update(channel: str, message: str, outcome: object) -> None:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise PermissionError("nope")
        await original(channel, message, outcome)  # type: ignore[arg-type]

    desk.transport.update_message = fail_second_update  # type: ignore[method-assign]
    await desk.conversation.draft_edited(post("m1", user=AUTHOR), SAFE, edit="e1")
    voided = await desk.store.clearance(shown.review_id)
    assert voided is not None and voided.voided
    marked = desk.updates()[-1]
    assert marked.review_id == shown.review_id
    assert marked.clearance is not None and marked.clearance.edited_after_clearance
    assert not marked.clearance.cleared


async def test_an_uncleared_edit_says_nothing_about_clearance(desk: Desk) -> None:
    await desk.draft(REVISE)
    await desk.conversation.draft_edited(post("m1", user=AUTHOR), SAFE, edit="e1")
    (redone,) = desk.updates()
    assert redone.clearance is not None and not redone.clearance.edited_after_clearance


async def test_a_revision_in_the_thread_is_cleared_on_its_own(desk: Desk) -> None:
    first = await desk.draft(REVISE)
    await desk.clearances.clicked(first.review_id, BOB)
    await desk.conversation.mentioned(post("m2", thread="m1", user=AUTHOR), SAFE)
    revision = desk.latest()
    assert revision.review_id != first.review_id
    assert revision.clearance is not None and revision.clearance.version == 2
    assert revision.clearance.offers_button and not revision.clearance.edited_after_clearance
    still = await desk.store.clearance(first.review_id)
    assert still is not None and not still.voided
    assert (await desk.clearances.clicked(revision.review_id, CAROL)).kind is ReplyKind.cleared


async def test_a_click_on_a_superseded_version_points_at_the_newest(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    await desk.conversation.draft_edited(post("m1", user=AUTHOR), SAFE, edit="e1")
    reply = await desk.clearances.clicked(shown.review_id, BOB)
    assert reply.kind is ReplyKind.refused and reply.text == cl.SUPERSEDED


async def test_a_delete_keeps_the_decision_record_and_refuses_later_clicks(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    await desk.clearances.clicked(shown.review_id, BOB)
    await desk.conversation.draft_deleted(post("m1", user=AUTHOR))
    rec = await desk.store.get_review(shown.review_id)
    assert rec is not None and rec.deleted and rec.review.draft.text == ""
    decision = await desk.store.decision(shown.review_id)
    assert decision is not None and decision.deleted and decision.clearance is not None
    assert decision.clearance.cleared_by == BOB and decision.text_sha256
    reply = await desk.clearances.clicked(shown.review_id, CAROL)
    assert reply.kind is ReplyKind.refused and reply.text == cl.DELETED


async def test_an_unknown_review_is_a_plain_refusal(desk: Desk) -> None:
    reply = await desk.clearances.clicked("no-such-review", BOB)
    assert reply.kind is ReplyKind.refused and reply.text == cl.GONE


async def test_a_store_failure_is_told_plainly(desk: Desk) -> None:
    shown = await desk.draft(REVISE)

    async def broken(*args: object, **kwargs: object) -> None:
        raise OSError("database at /secret/path is gone")

    desk.store.clear = broken  # type: ignore[method-assign,assignment]
    reply = await desk.clearances.clicked(shown.review_id, BOB)
    assert reply.kind is ReplyKind.refused
    assert "couldn't record" in reply.text and "/secret/path" not in reply.text


def test_approvers_parse_commas_and_spaces() -> None:
    assert parse_approvers(" U1, S2 ,,U3  U4;") == {"U1", "S2", "U3", "U4"}
    assert parse_approvers("") == frozenset()


# --- retention while running -----------------------------------------------------------------


async def test_the_sweep_applies_retention_while_the_process_runs(
    tmp_path: Path, service: ReviewService
) -> None:
    now = [datetime.now(UTC)]
    store = AsyncStore(
        f"sqlite:///{tmp_path / 'retention.sqlite3'}",
        retention_days=1,
        audit_retention_days=2,
        clock=lambda: now[0],
    )
    try:
        review = await service.review(Draft(text=REVISE))
        rec = ReviewRecord(channel="c", draft_ts="1", user_id="u", review=review, created_at=now[0])
        await store.save_review(rec)
        now[0] += timedelta(days=3)
        sweep = asyncio.ensure_future(
            sweep_forever(store, Outbox(MemoryTransport()), interval=3600)
        )
        try:
            for _ in range(200):
                if (
                    await store.get_review(rec.review_id) is None
                    and await store.decision(rec.review_id) is None
                ):
                    break
                await asyncio.sleep(0.01)
        finally:
            sweep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweep
        assert await store.get_review(rec.review_id) is None
        assert await store.decision(rec.review_id) is None
    finally:
        await store.aclose()


async def test_an_edit_is_reviewed_even_when_voiding_fails_at_first(desk: Desk) -> None:
    shown = await desk.draft(REVISE)
    await desk.clearances.clicked(shown.review_id, BOB)
    real_void = desk.store.void_clearance
    attempts = 0

    async def flaky_void(review_id: str, why: str) -> object:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise OSError("database busy")
        return await real_void(review_id, why)

    desk.store.void_clearance = flaky_void  # type: ignore[method-assign,assignment]
    await desk.conversation.draft_edited(post("m1", user=AUTHOR), SAFE, edit="e1")
    redone = desk.updates()[-1]
    assert redone.review_id != shown.review_id, "the edit got its review"
    voided = await desk.store.clearance(shown.review_id)
    assert voided is not None and voided.voided, "voided after the review instead"


async def test_a_revision_by_a_teammate_is_cleared_by_neither_author_and_keeps_its_delta(desk: Desk) -> None:
    await desk.draft(REVISE)
    await desk.conversation.mentioned(post("m2", thread="m1", user=BOB), SAFE)
    revision = desk.latest()
    assert revision.delta is not None
    for author in (AUTHOR, BOB):
        reply = await desk.clearances.clicked(revision.review_id, author)
        assert reply.kind is ReplyKind.refused and reply.text == cl.OWN_DRAFT, author
    assert (await desk.clearances.clicked(revision.review_id, CAROL)).kind is ReplyKind.cleared
    (update,) = desk.updates()
    assert update.review_id == revision.review_id and update.clearance is not None
    assert update.delta == revision.delta, "the re-rendered review keeps what changed"
