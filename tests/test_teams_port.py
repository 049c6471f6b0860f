"""The conversation layer's transport on Teams, against a recording stand-in for the Bot Connector
client: which conversation each reply goes to, placeholders replaced in place, what a thread's
messages are, failures said plainly."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bot.conversation import Answered, DraftDeleted, Notice, Place
from bot.settings import Settings
from bot.store import AsyncStore
from bot.teams.activities import Where
from bot.teams.port import CannotTell, TeamsConversationTransport, UnknownConversation, chat_key
from bot.teams.transport import TeamsPlace

CHANNEL = "19:review0channel0000000000000001@thread.tacv2"
SERVICE = "https://smba.example/amer/"


class RecordingTeams:
    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[tuple[str, str, str | None, Any]] = []
        self.delay = delay
        self._ids = iter(range(1000, 2000))

    async def post(self, place: TeamsPlace, card: Any, **_: Any) -> str:
        await asyncio.sleep(self.delay)
        activity = str(next(self._ids))
        self.calls.append(("post", place.conversation_id, activity, card))
        return activity

    async def update(self, place: TeamsPlace, activity_id: str, card: Any, **_: Any) -> None:
        self.calls.append(("update", place.conversation_id, activity_id, card))


def channel_where(root: str = "1700000000001") -> Where:
    return Where("channel", SERVICE, f"{CHANNEL};messageid={root}", CHANNEL, "Social review", root, True)


def port(delay: float = 0.0) -> tuple[TeamsConversationTransport, RecordingTeams]:
    teams = RecordingTeams(delay)
    return TeamsConversationTransport(teams, review_channels=["social review"]), teams  # type: ignore[arg-type]


async def test_replies_go_to_the_posts_thread_and_edits_reach_them_there():
    transport, teams = port()
    channel = transport.learn(channel_where("1700000000001"))
    ref = await transport.post_in_thread(channel, "1700000000001", Notice("hi"))
    thread = f"{CHANNEL};messageid=1700000000001"
    assert teams.calls[-1][:2] == ("post", thread)
    assert ref == f"1700000000001/{teams.calls[-1][2]}"
    await transport.update_message(channel, ref, DraftDeleted())
    assert teams.calls[-1][:3] == ("update", thread, ref.split("/")[1])


async def test_each_placeholder_is_replaced_once_even_with_two_reviews_in_one_thread():
    transport, teams = port(delay=0.05)
    channel = transport.learn(channel_where())
    place = Place("teams", "t", channel, "1700000000002", "1700000000001", "u")
    # Both reviews show work, and both finish before their placeholders are even posted.
    working = [asyncio.ensure_future(transport.show_working(place)) for _ in range(2)]
    await asyncio.sleep(0)
    refs = [await transport.post_in_thread(channel, place.thread, Notice(f"review {i}")) for i in range(2)]
    await asyncio.gather(*working)
    posts = [c for c in teams.calls if c[0] == "post"]
    updates = [c for c in teams.calls if c[0] == "update"]
    assert len(posts) == 2 and len(updates) == 2  # two placeholders, each replaced, nothing more
    assert {u[2] for u in updates} == {p[2] for p in posts}
    assert len(set(refs)) == 2


async def test_thread_messages_are_the_ones_seen_without_the_question():
    transport, _ = port()
    channel = transport.learn(channel_where())
    for message, text in (("1700000000005", "I think it's fine"), ("1700000000006", "why is it risky?")):
        transport.remember(Place("teams", "t", channel, message, "1700000000001", "29:bob"), text)
    await transport.post_in_thread(channel, "1700000000001", Answered("Because of the quote."))
    messages = await transport.thread_messages(channel, "1700000000001", exclude="1700000000006")
    assert [(m.author, m.text) for m in messages] == [("29:bob", "I think it's fine"),
                                                       ("redteam", "Because of the quote.")]


async def test_review_channels_by_name_become_known_by_id():
    transport, _ = port()
    channel = transport.learn(channel_where(), is_review_channel=True)
    assert await transport.is_review_channel(channel)
    assert not await transport.is_review_channel("19:other@thread.tacv2")


async def test_long_chat_ids_fit_the_store_and_unknown_chats_are_said_plainly():
    transport, _ = port()
    long_id = "a:1" + "x" * 150
    key = chat_key(long_id)
    assert len(key) <= 64 and key != chat_key(long_id + "y")
    with pytest.raises(UnknownConversation) as caught:
        transport.place_of(key, key)
    assert transport.describe_failure(caught.value) == "I could not find that conversation again"


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "rate-limiting"), (403, "not allowed"), (500, "refused")]
)
def test_connector_failures_are_described_without_their_text(status, reason):
    transport, _ = port()
    request = httpx.Request("POST", SERVICE)
    exc = httpx.HTTPStatusError("secret draft words", request=request,
                                response=httpx.Response(status, request=request))
    described = transport.describe_failure(exc)
    assert described is not None and reason in described and "draft" not in described
    assert transport.describe_failure(ValueError("x")) is None


class FailingTeams(RecordingTeams):
    """Posts answered with ``status`` (after carrying them out when ``landed``)."""

    def __init__(self, status: int, *, landed: bool) -> None:
        super().__init__()
        self.status, self.landed = status, landed

    async def post(self, place: TeamsPlace, card: Any, **kw: Any) -> str:
        if self.landed:
            await super().post(place, card, **kw)
        request = httpx.Request("POST", SERVICE)
        raise httpx.HTTPStatusError("refused", request=request,
                                    response=httpx.Response(self.status, request=request,
                                                            headers={"Retry-After": "2"}))


@pytest.mark.parametrize(("status", "landed"), [(500, True), (502, False)])
async def test_a_post_that_may_have_landed_cannot_be_found_and_is_not_posted_blindly(status, landed):
    teams = FailingTeams(status, landed=landed)
    transport = TeamsConversationTransport(teams)  # type: ignore[arg-type]
    channel = transport.learn(channel_where())
    assert await transport.find_reply(channel, "1700000000001", "k1") is None  # never tried
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await transport.post_in_thread(channel, "1700000000001", Notice("hi"), key="k1")
    assert transport.retry_after(caught.value) == 2.0  # a 5xx may pass: retried, as Teams asked
    with pytest.raises(CannotTell) as unknown:
        await transport.find_reply(channel, "1700000000001", "k1")
    assert transport.retry_after(unknown.value) == 0.0  # later, perhaps; never a second card


async def test_a_429_was_not_carried_out_so_the_key_is_free_and_retry_after_is_teams():
    transport = TeamsConversationTransport(FailingTeams(429, landed=False))  # type: ignore[arg-type]
    channel = transport.learn(channel_where())
    with pytest.raises(httpx.HTTPStatusError) as caught:
        await transport.post_in_thread(channel, "1700000000001", Notice("hi"), key="k1")
    assert transport.retry_after(caught.value) == 2.0
    assert await transport.find_reply(channel, "1700000000001", "k1") is None


async def test_another_process_finds_a_reply_teams_took_and_cannot_tell_one_left_unsure(tmp_path):
    store = AsyncStore.from_settings(Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    try:
        first = TeamsConversationTransport(RecordingTeams(), store=store)  # type: ignore[arg-type]
        channel = first.learn(channel_where())
        ref = await first.post_in_thread(channel, "1700000000001", Notice("hi"), key="k1")
        assert await first.find_reply(channel, "1700000000001", "k1") == ref
        stopped = TeamsConversationTransport(FailingTeams(500, landed=True), store=store)  # type: ignore[arg-type]
        stopped.learn(channel_where())
        with pytest.raises(httpx.HTTPStatusError):  # then it stopped, before any look
            await stopped.post_in_thread(channel, "1700000000001", Notice("hi"), key="k3")
        second = TeamsConversationTransport(RecordingTeams(), store=store)  # type: ignore[arg-type]
        second.learn(channel_where())
        assert await second.find_reply(channel, "1700000000001", "k1") == ref, "Teams took it: recorded"
        with pytest.raises(CannotTell):
            await second.find_reply(channel, "1700000000001", "k3")
        assert await second.find_reply(channel, "1700000000001", "k2") is None
    finally:
        await store.aclose()
