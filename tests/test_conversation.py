"""The conversation layer on its own: every flow against an in-memory transport, with no
platform payloads, a real offline review service and a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.conversation import (
    SLACK,
    Answered,
    Conversation,
    DraftDeleted,
    Notice,
    Outcome,
    Place,
    Reviewed,
    delivery_key,
    message_key,
    platform_of,
)
from bot.conversation.outbox import Outbox
from bot.conversation.owed_replies import RESTARTED, sweep_once
from bot.conversation.transport import ChannelLimit
from bot.review.models import Draft, Review, ThreadContext, ThreadMessage
from bot.review.service import ReviewService
from bot.settings import Settings
from bot.store import AsyncStore
from bot.store.store import utcnow
from bot.store.tables import open_work
from tests.drafts import NETFLIX as RISKY

SAFE = "Thanks to everyone who watched A Christmas Prince this season. Happy holidays from all of us!"
REVIEW_CHANNEL = "room-review"


@dataclass
class Sent:
    how: str  # "thread", "channel" or "update"
    channel: str
    where: str  # the thread, or the message updated
    outcome: Outcome


@dataclass
class MemoryTransport:
    """The port in memory: records what it is asked to show, fails when told to."""

    platform: str = "chat"
    review_channels: set[str] = field(default_factory=lambda: {REVIEW_CHANNEL})
    sent: list[Sent] = field(default_factory=list)
    working: list[Place] = field(default_factory=list)
    thread: list[ThreadMessage] = field(default_factory=list)
    fail_reviews_with: BaseException | None = None
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    channel_limit: ChannelLimit = field(default_factory=lambda: ChannelLimit(per_second=1000.0, burst=100))
    keys: dict[str, str] = field(default_factory=dict)
    app_limit: ChannelLimit | None = None

    def pace_key(self, channel: str, *, thread: str | None = None, message: str | None = None) -> str:
        return channel

    def over_app_limit(self, exc: BaseException) -> bool:
        return False

    def route(self, channel: str) -> str | None:
        return None

    def learn_route(self, channel: str, route: str) -> None:
        return None

    async def post_in_thread(
        self, channel: str, thread: str, outcome: Outcome, *, key: str | None = None
    ) -> str:
        if isinstance(outcome, Reviewed) and self.fail_reviews_with is not None:
            raise self.fail_reviews_with
        self.sent.append(Sent("thread", channel, thread, outcome))
        ref = f"reply-{next(self._ids)}"
        if key is not None:
            self.keys[key] = ref
        return ref

    async def find_reply(self, channel: str, thread: str, key: str) -> str | None:
        return self.keys.get(key)

    def retry_after(self, exc: BaseException) -> float | None:
        return 0.0 if isinstance(exc, ConnectionError) else None

    async def post_in_channel(self, channel: str, outcome: Outcome, *, key: str | None = None) -> str:
        self.sent.append(Sent("channel", channel, "", outcome))
        ref = f"post-{next(self._ids)}"
        if key:
            self.keys[key] = ref
        return ref

    async def find_in_channel(self, channel: str, key: str) -> str | None:
        return self.keys.get(key)

    async def update_message(self, channel: str, message: str, outcome: Outcome) -> None:
        self.sent.append(Sent("update", channel, message, outcome))

    async def show_working(self, place: Place) -> None:
        self.working.append(place)

    async def thread_messages(self, channel: str, thread: str, *, exclude: str) -> list[ThreadMessage]:
        return list(self.thread)

    async def is_review_channel(self, channel: str) -> bool:
        return channel in self.review_channels

    def describe_failure(self, exc: BaseException) -> str | None:
        return "the chat service said no" if isinstance(exc, PermissionError) else None

    def in_thread(self, thread: str) -> list[Outcome]:
        return [s.outcome for s in self.sent if s.how == "thread" and s.where == thread]


@pytest.fixture(scope="module")
def service() -> ReviewService:
    return ReviewService(Settings(_env_file=None, OPENAI_API_KEY=None), offline_only=True)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[AsyncStore]:
    s = AsyncStore(f"sqlite:///{tmp_path / 'conversation.sqlite3'}")
    yield s
    await s.aclose()


@pytest.fixture
def transport() -> MemoryTransport:
    return MemoryTransport()


@pytest.fixture
def conversation(service: ReviewService, store: AsyncStore, transport: MemoryTransport) -> Conversation:
    return Conversation(service, store, transport)


def post(
    message: str, *, channel: str = REVIEW_CHANNEL, thread: str | None = None, user: str = "ann"
) -> Place:
    return Place("chat", "acme", channel, message, thread or message, user)


def reviews(outcomes: list[Outcome]) -> list[Reviewed]:
    return [o for o in outcomes if isinstance(o, Reviewed)]


async def test_a_draft_in_a_review_channel_is_reviewed_once_in_its_thread(
    conversation: Conversation, transport: MemoryTransport, store: AsyncStore
) -> None:
    await conversation.message_posted(post("m1"), RISKY, delivery="d1")
    [reply] = transport.in_thread("m1")
    assert isinstance(reply, Reviewed) and reply.delta is None and not reply.private
    assert reply.review.risks, "the risky draft's review names its risks"
    assert transport.working == [post("m1")]
    stored = await store.get_review(reply.review_id)
    assert stored is not None and stored.reply_ts is not None and stored.review.draft.text == RISKY


async def test_redelivery_and_a_second_route_to_the_same_message_review_it_once(
    conversation: Conversation, transport: MemoryTransport
) -> None:
    await asyncio.gather(
        conversation.message_posted(post("m2"), RISKY, delivery="d2"),
        conversation.message_posted(post("m2"), RISKY, delivery="d2"),  # the platform retried
        conversation.mentioned(post("m2"), RISKY, delivery="d3"),  # the same message as a mention
    )
    assert len(transport.sent) == 1


async def test_other_channels_stay_quiet_without_a_mention(
    conversation: Conversation, transport: MemoryTransport
) -> None:
    await conversation.message_posted(post("m3", channel="lounge"), RISKY)
    await conversation.thread_replied(post("m4", channel="lounge", thread="m3"), "what about this?")
    assert transport.sent == []
    await conversation.mentioned(post("m5", channel="lounge"), RISKY)
    assert len(reviews(transport.in_thread("m5"))) == 1


async def test_a_question_in_a_review_thread_gets_an_answer_built_from_the_thread(
    conversation: Conversation,
    transport: MemoryTransport,
    service: ReviewService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await conversation.message_posted(post("q1"), RISKY)
    transport.thread = [ThreadMessage(author="bob", text="legal says the number is fine")]
    asked: list[tuple[str, ThreadContext]] = []

    async def answer(question: str, thread: ThreadContext) -> str:
        asked.append((question, thread))
        return "It reads as mocking your most loyal viewers."

    monkeypatch.setattr(service, "answer", answer)
    await conversation.thread_replied(post("q2", thread="q1", user="bob"), "Why is this risky?")
    assert transport.in_thread("q1")[-1] == Answered("It reads as mocking your most loyal viewers.")
    [(question, context)] = asked
    assert question == "Why is this risky?" and context.draft.text == RISKY
    assert context.messages == transport.thread


async def test_a_revision_in_the_thread_gets_a_re_review_with_its_delta(
    conversation: Conversation, transport: MemoryTransport, store: AsyncStore
) -> None:
    await conversation.message_posted(post("r1"), RISKY)
    await conversation.mentioned(post("r2", thread="r1"), SAFE)
    first, second = reviews(transport.in_thread("r1"))
    assert first.delta is None
    assert second.delta is not None and second.delta.risk_level_before == first.review.risk_level
    assert second.delta.risk_level_after == second.review.risk_level
    stored = await store.thread_reviews(REVIEW_CHANNEL, "r1")
    assert [r.version for r in stored] == [1, 2]


async def test_an_edit_updates_the_review_in_place_once(
    conversation: Conversation, transport: MemoryTransport, store: AsyncStore
) -> None:
    await conversation.message_posted(post("e1"), RISKY)
    [original] = transport.sent
    transport.sent.clear()
    await conversation.draft_edited(post("e1"), SAFE, edit="t1", delivery="de1")
    await conversation.draft_edited(post("e1"), SAFE, edit="t1", delivery="de1")  # redelivered
    await conversation.draft_edited(post("e1"), SAFE, edit="t2")  # an unfurl: same words
    [update] = transport.sent
    assert update.how == "update" and update.where == "reply-1"
    assert isinstance(update.outcome, Reviewed) and update.outcome.delta is not None
    latest = await store.latest_for_draft(REVIEW_CHANNEL, "e1")
    assert latest is not None and latest.version == 2 and latest.reply_ts == "reply-1"
    assert original.outcome != update.outcome


async def test_a_delete_erases_the_draft_and_marks_the_review(
    conversation: Conversation, transport: MemoryTransport, store: AsyncStore
) -> None:
    await conversation.message_posted(post("x1"), RISKY)
    [posted] = reviews(transport.in_thread("x1"))
    await conversation.draft_deleted(post("x1"), delivery="dx1")
    await conversation.draft_deleted(post("x1"), delivery="dx1")
    marks = [s for s in transport.sent if s.how == "update"]
    assert [(m.where, m.outcome) for m in marks] == [("reply-1", DraftDeleted())]
    stored = await store.get_review(posted.review_id)
    assert stored is not None and stored.deleted
    assert stored.review.draft.text == "" and RISKY not in stored.review.model_dump_json()


async def test_feedback_is_recorded_one_vote_per_person(
    conversation: Conversation, transport: MemoryTransport, store: AsyncStore
) -> None:
    await conversation.message_posted(post("f1"), RISKY)
    [posted] = reviews(transport.in_thread("f1"))
    assert await conversation.feedback(posted.review_id, "bob", helpful=True) is True
    assert await conversation.feedback(posted.review_id, "bob", helpful=False) is True
    assert await conversation.feedback(posted.review_id, "cat", helpful=False) is True
    assert await conversation.feedback("no-such-review", "bob", helpful=True) is False
    assert await store.feedback_counts(posted.review_id) == (0, 2)


async def test_a_failing_review_ends_in_a_plain_notice_without_the_exception_text(
    conversation: Conversation,
    transport: MemoryTransport,
    service: ReviewService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(draft: Draft, **_: Any) -> Review:
        raise RuntimeError(f"parser choked on {draft.text!r}")

    monkeypatch.setattr(service, "review", broken)
    await conversation.message_posted(post("b1"), RISKY)
    [notice] = transport.in_thread("b1")
    assert isinstance(notice, Notice)
    assert "couldn't finish this review (something went wrong on my side)" in notice.text
    assert "parser" not in notice.text and "Christmas" not in notice.text


async def test_a_transport_failure_is_explained_in_the_platforms_words(
    conversation: Conversation, transport: MemoryTransport
) -> None:
    transport.fail_reviews_with = PermissionError("403")
    await conversation.message_posted(post("b2"), RISKY)
    [notice] = transport.in_thread("b2")
    assert isinstance(notice, Notice) and "(the chat service said no)" in notice.text


async def test_empty_and_files_only_drafts_get_a_hint(
    conversation: Conversation, transport: MemoryTransport
) -> None:
    await conversation.mentioned(post("h1", channel="lounge"), "   ")
    await conversation.message_posted(post("h2"), "", has_files=True)
    [empty] = transport.in_thread("h1")
    [files] = transport.in_thread("h2")
    assert isinstance(empty, Notice) and "Mention me with the post's text" in empty.text
    assert isinstance(files, Notice) and "I can only review text" in files.text


async def test_a_private_review_goes_where_the_adapter_says(conversation: Conversation) -> None:
    from bot.conversation import Filing

    delivered: list[Outcome] = []

    async def deliver(outcome: Outcome) -> None:
        delivered.append(outcome)

    await conversation.review_privately(Draft(text=RISKY), Filing("lounge", "form:1", "ann"), deliver)
    [review] = delivered
    assert isinstance(review, Reviewed) and review.private


async def test_a_reply_owed_by_a_crashed_process_is_apologised_for_once(
    service: ReviewService, store: AsyncStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def hanging(draft: Draft, **_: Any) -> Review:
        await asyncio.Event().wait()  # the process dies while the review runs
        raise AssertionError("unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(service, "review", hanging)
        crashed = MemoryTransport()
        task = asyncio.create_task(
            Conversation(service, store, crashed).message_posted(post("c1"), RISKY, delivery="dc1")
        )
        while not await _owed_keys(store):
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert crashed.sent == []
    # The crashed process's lease runs out. Moving the clock, not shortening the lease: with a
    # lease of zero its heartbeat renews without pause, and a renewal already in its thread when
    # the task was cancelled could land after the sweep read the clock.
    later = utcnow() + store.lease * 2
    monkeypatch.setattr(store.sync, "_clock", lambda: later)

    # Another platform's sweep leaves the debt alone; this platform's next process takes it once.
    other = MemoryTransport(platform="otherchat")
    assert await sweep_once(store, Outbox(other)) == 0
    restarted = MemoryTransport()
    assert await sweep_once(store, Outbox(restarted)) == 1
    assert await sweep_once(store, Outbox(restarted)) == 0
    assert restarted.in_thread("c1") == [Notice(RESTARTED)]
    # the platform redelivering the event now changes nothing: it was handled, with an apology
    await Conversation(service, store, restarted).message_posted(post("c1"), RISKY, delivery="dc1")
    assert len(restarted.sent) == 1


async def _owed_keys(store: AsyncStore) -> list[str]:
    def read() -> list[str]:
        with store.sync._engine.connect() as conn:
            return [row.key for row in conn.execute(open_work.select())]

    return await asyncio.to_thread(read)


def test_keys_carry_the_platform_and_slack_keys_keep_their_form() -> None:
    assert message_key(SLACK, "T1", "C1", "1.1") == "T1:C1:1.1"
    assert delivery_key(SLACK, "Ev1") == "event:Ev1"
    teams = message_key("teams", "tenant", "19:abc@thread.tacv2", "1700")
    assert teams == "teams:tenant:19:abc@thread.tacv2:1700"
    assert delivery_key("teams", "Ev1") == "teams:delivery:Ev1"
    assert delivery_key("teams", "Ev1") != delivery_key(SLACK, "Ev1")
    long = message_key("teams", "tenant", "19:" + "x" * 300, "1")
    assert len(long) <= 255 and long.startswith("teams:")
    for key, platform in [
        ("T1:C1:1.1", SLACK),
        ("event:Ev1", SLACK),
        ("sha256:ab", SLACK),
        (teams, "teams"),
        (long, "teams"),
    ]:
        assert platform_of(key) == platform, key
