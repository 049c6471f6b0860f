"""The outbox and the races around a review, in the conversation layer alone: an in-memory port
that fails as a platform does (before or after storing a post), a real store, a real offline
review service."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.conversation import Conversation, DraftDeleted, Notice, Outcome, Reviewed
from bot.conversation.outbox import DeliveryPolicy, Outbox, Pacer, Undelivered
from bot.conversation.owed_replies import sweep_once
from bot.conversation.transport import CannotTell, ChannelLimit
from bot.review.models import Draft, Review
from bot.review.schedule import Ticket
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.store import AsyncStore
from bot.store.tables import open_work
from tests.test_conversation import REVIEW_CHANNEL, RISKY, SAFE, MemoryTransport, post


@dataclass
class FlakyTransport(MemoryTransport):
    """Fails the next ``failures`` posts; ``stored=True``: after keeping the post (a 500 after
    the write went through). ``refuse``: fails with an error retrying cannot help."""

    failures: int = 0
    stored: bool = False
    refuse: bool = False
    posts_tried: int = 0
    finds: list[str] = field(default_factory=list)

    async def post_in_thread(
        self, channel: str, thread: str, outcome: Outcome, *, key: str | None = None
    ) -> str:
        self.posts_tried += 1
        if self.refuse:
            raise PermissionError("not in channel")
        if self.failures > 0:
            self.failures -= 1
            if self.stored:
                await super().post_in_thread(channel, thread, outcome, key=key)
            raise ConnectionError("server error")
        return await super().post_in_thread(channel, thread, outcome, key=key)

    async def find_reply(self, channel: str, thread: str, key: str) -> str | None:
        self.finds.append(key)
        return await super().find_reply(channel, thread, key)


@pytest.fixture(scope="module")
def service() -> ReviewService:
    return ReviewService(Settings(_env_file=None, OPENAI_API_KEY=None), offline_only=True)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncStore]:
    from datetime import timedelta

    s = AsyncStore(f"sqlite:///{tmp_path / 'outbox.sqlite3'}", lease=timedelta(seconds=3))
    yield s
    await s.aclose()


SHORT = DeliveryPolicy(window=1.5, notice_window=1.0)


async def owed(store: AsyncStore) -> list[str | None]:
    def read() -> list[str | None]:
        with store.sync._engine.connect() as conn:
            return [row.notice for row in conn.execute(open_work.select())]

    return await asyncio.to_thread(read)


async def test_a_post_stored_before_its_failure_is_found_not_repeated(
    service: ReviewService, store: AsyncStore
) -> None:
    transport = FlakyTransport(failures=1, stored=True)
    await Conversation(service, store, transport, delivery=SHORT).message_posted(post("s1"), RISKY)
    [review] = transport.in_thread("s1")
    assert isinstance(review, Reviewed)
    assert transport.posts_tried == 1 and transport.finds == [post("s1").key]
    stored = await store.get_review(review.review_id)
    assert stored is not None and stored.reply_ts == transport.keys[post("s1").key]


async def test_a_post_that_failed_before_storing_is_retried_once_more(
    service: ReviewService, store: AsyncStore
) -> None:
    transport = FlakyTransport(failures=2)
    await Conversation(service, store, transport, delivery=SHORT).message_posted(post("s2"), RISKY)
    assert [type(o) for o in transport.in_thread("s2")] == [Reviewed]
    assert transport.posts_tried == 3 and await owed(store) == []


async def test_a_flat_refusal_is_not_retried(service: ReviewService, store: AsyncStore) -> None:
    transport = FlakyTransport(refuse=True)
    await Conversation(service, store, transport, delivery=SHORT).message_posted(post("s3"), RISKY)
    assert transport.posts_tried == 2, "the review once, its notice once"
    assert await owed(store) == [], "no later try would land: nothing left owed"


async def test_a_reply_never_posted_leaves_its_notice_to_the_sweep(
    service: ReviewService, store: AsyncStore
) -> None:
    transport = FlakyTransport(failures=1000)
    await Conversation(service, store, transport, delivery=SHORT).message_posted(post("s4"), RISKY)
    assert transport.sent == []
    [notice] = await owed(store)
    assert notice is not None and "couldn't finish this review" in notice
    transport.failures = 0  # the platform is back
    assert await sweep_once(store, Outbox(transport)) == 1
    assert transport.in_thread("s4") == [Notice(notice)]
    assert await owed(store) == []
    assert await sweep_once(store, Outbox(transport)) == 0


async def test_an_outbox_gives_up_when_its_window_ends() -> None:
    transport = FlakyTransport(failures=1000)
    outbox = Outbox(transport, DeliveryPolicy(window=0.6, notice_window=0.6))
    with pytest.raises(Undelivered):
        await outbox.post_in_thread("c", "t", Notice("hi"), key="k")
    assert 1 < transport.posts_tried < 10


@dataclass
class UnsureTransport(FlakyTransport):
    """A platform that cannot read a thread back: after a failure that may have landed, it
    cannot tell whether the post is there."""

    async def find_reply(self, channel: str, thread: str, key: str) -> str | None:
        self.finds.append(key)
        raise CannotTell("cannot read the thread back")

    def retry_after(self, exc: BaseException) -> float | None:
        return 0.0 if isinstance(exc, CannotTell) else super().retry_after(exc)


async def test_a_notice_is_posted_even_when_the_platform_cannot_tell_if_it_landed() -> None:
    transport = UnsureTransport(failures=1, stored=True)
    outbox = Outbox(transport, DeliveryPolicy(window=2.0, notice_window=2.0))
    await outbox.post_in_thread("c", "t", Notice("Sorry, I couldn't finish this review."), key="k")
    # Silence is worse than a notice twice: the second attempt goes out without an answer.
    assert transport.finds == ["k"] and transport.posts_tried == 2


async def test_a_review_is_never_posted_blindly_when_the_platform_cannot_tell() -> None:
    transport = UnsureTransport(failures=1, stored=True)
    outbox = Outbox(transport, DeliveryPolicy(window=0.6, notice_window=0.6))
    review = Review(draft=Draft(text=SAFE), verdict="ship", risk_level="none", engines=["offline"])
    with pytest.raises(Undelivered):
        await outbox.post_in_thread("c", "t", Reviewed(review, "r1"), key="k2")
    assert transport.posts_tried == 1


def test_the_pacer_allows_a_burst_then_one_post_per_interval() -> None:
    now = [100.0]
    pacer = Pacer(ChannelLimit(per_second=2.0, burst=3), clock=lambda: now[0])
    assert [pacer.reserve("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert [pacer.reserve("a") for _ in range(2)] == [0.5, 1.0]
    assert pacer.reserve("b") == 0.0, "channels are paced apart"
    pacer.hold("b", 5.0)
    assert pacer.reserve("b") == pytest.approx(4.0), "a Retry-After holds the channel"
    now[0] += 10
    assert pacer.reserve("a") == 0.0


class Gated(ReviewService):
    def __init__(self) -> None:
        super().__init__(Settings(_env_file=None, OPENAI_API_KEY=None), offline_only=True)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def review(self, draft: Draft, *, ticket: Ticket | None = None) -> Review:
        self.entered.set()
        await self.gate.wait()
        return await super().review(draft, ticket=ticket)


async def test_a_draft_deleted_while_reviewed_gets_no_review(store: AsyncStore) -> None:
    service, transport = Gated(), MemoryTransport()
    conversation = Conversation(service, store, transport)
    review = asyncio.create_task(conversation.message_posted(post("r1"), RISKY))
    await service.entered.wait()
    await conversation.draft_deleted(post("r1"))
    service.gate.set()
    await review
    assert transport.sent == []
    assert await store.latest_for_draft(REVIEW_CHANNEL, "r1") is None


async def test_a_draft_deleted_just_after_the_look_is_erased_after_the_save(store: AsyncStore) -> None:
    service, transport = Gated(), MemoryTransport()
    conversation = Conversation(service, store, transport)
    seen = store.seen
    looks = 0

    async def deleted_after_the_first_look(key: str) -> bool:
        nonlocal looks
        looks += 1
        answer = await seen(key)
        if looks == 1:  # the delete lands between the look and the save
            await conversation.draft_deleted(post("r2"))
        return answer

    store.seen = deleted_after_the_first_look  # type: ignore[method-assign]
    service.gate.set()
    await conversation.message_posted(post("r2"), RISKY)
    rec = await store.latest_for_draft(REVIEW_CHANNEL, "r2")
    assert rec is not None and rec.deleted and rec.review.draft.text == ""
    assert isinstance(transport.sent[-1].outcome, DraftDeleted)


async def test_an_edit_during_the_review_is_reviewed_once_it_is_out(store: AsyncStore) -> None:
    service, transport = Gated(), MemoryTransport()
    conversation = Conversation(service, store, transport)
    first = asyncio.create_task(conversation.message_posted(post("r3"), RISKY))
    await service.entered.wait()
    edit = asyncio.create_task(conversation.draft_edited(post("r3"), SAFE, edit="e1"))
    await asyncio.sleep(0.05)
    service.gate.set()
    await asyncio.gather(first, edit)
    latest = await store.latest_for_draft(REVIEW_CHANNEL, "r3")
    assert latest is not None and latest.review.draft.text == SAFE and latest.version == 2
    [posted] = transport.in_thread("r3")
    [update] = [s for s in transport.sent if s.how == "update"]
    assert isinstance(posted, Reviewed) and update.where == latest.reply_ts


def waited(pacer: Pacer, now: list[float], unit: str) -> float:
    """Post into ``unit`` as ``Pacer.wait`` does, the clock moved on as it sleeps; the wait."""
    start = now[0]
    while (delay := pacer.admit(unit)) > 0:
        now[0] += delay
    return now[0] - start


def test_windows_limit_a_unit_over_longer_spans_and_units_apart() -> None:
    now = [0.0]
    # Teams' shape: evenly spaced at 7 a second, and no more than 8 in any 2 s.
    pacer = Pacer(ChannelLimit(per_second=7.0, burst=1, windows=((7, 1.0), (8, 2.0))), clock=lambda: now[0])
    assert waited(pacer, now, "a") == 0.0
    assert [waited(pacer, now, "a") for _ in range(7)] == pytest.approx([1 / 7] * 7), "evenly spaced"
    assert now[0] == pytest.approx(1.0)
    assert waited(pacer, now, "a") == pytest.approx(1.0), "the 9th waits for the 2-second window"
    assert waited(pacer, now, "b") == 0.0, "another thread is paced apart"


def test_an_app_wide_budget_spans_units_and_its_hold_stops_them_all() -> None:
    now = [0.0]
    pacer = Pacer(ChannelLimit(per_second=7.0), clock=lambda: now[0],
                  app=ChannelLimit(per_second=math.inf, windows=((3, 1.0),)))
    assert [pacer.admit(unit) for unit in "abc"] == [0.0, 0.0, 0.0]
    assert pacer.admit("d") == pytest.approx(1.0), "three a second, whatever the unit"
    now[0] = 1.0
    pacer.hold("a", 2.0)
    assert pacer.admit("e") == 0.0, "a unit's own hold is its own"
    pacer.hold("a", 2.0, everything=True)
    assert pacer.admit("f") == pytest.approx(2.0), "a hold of the app's budget holds every unit"


def test_a_window_is_kept_its_margin_longer_than_the_platforms() -> None:
    now = [100.0]
    app = ChannelLimit(per_second=math.inf, burst=1, windows=((2, 1.0),), margin=0.05)
    pacer = Pacer(ChannelLimit(per_second=math.inf), clock=lambda: now[0], app=app)
    assert [pacer.admit("a"), pacer.admit("b")] == [0.0, 0.0]
    now[0] += 1.0
    assert pacer.admit("c") == pytest.approx(0.05), "a call sent a second ago may have arrived later"
    now[0] += 0.05
    assert pacer.admit("c") == 0.0


def test_with_the_app_budget_spent_a_waiting_reply_goes_before_a_sign_of_work() -> None:
    now = [100.0]
    app = ChannelLimit(per_second=math.inf, burst=1, windows=((1, 1.0),))

    async def scenario() -> list[str]:
        pacer = Pacer(ChannelLimit(per_second=math.inf), clock=lambda: now[0], app=app)
        assert pacer.admit("first") == 0.0  # the budget is spent for a second
        order: list[str] = []

        async def wait(unit: str, urgent: bool) -> None:
            await pacer.wait(unit, urgent=urgent)
            order.append(unit)

        working = asyncio.ensure_future(wait("working", False))  # asked first
        await asyncio.sleep(0)
        reply = asyncio.ensure_future(wait("reply", True))
        await asyncio.sleep(0)
        now[0] += 1.0
        await asyncio.wait_for(reply, 5)
        now[0] += 1.0
        await asyncio.wait_for(working, 5)
        return order

    assert asyncio.run(scenario()) == ["reply", "working"]
