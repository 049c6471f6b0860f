"""Finding a reply again through Microsoft Graph, end to end: a card whose post failed after Teams
stored it (a 500 after the write) is found in the channel thread Graph lists, by the marker its
card carries, and not posted twice; when Graph cannot say (refused, down), nothing is posted
blindly and the thread gets a notice, as without Graph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import bot.teams.port as port
from bot.teams.graph import card_marker
from tests.drafts import NETFLIX
from tests.fakes.bot_connector import FakeBotConnector
from tests.fakes.graph import FakeGraph
from tests.teams_harness import (
    REVIEW_CHANNEL,
    TEAM_GROUP_ID,
    Identity,
    channel_post,
    running_server,
    thread_cards,
)


@pytest.fixture
def graph(ident: Identity) -> Iterator[FakeGraph]:
    with FakeGraph(ident.connector, TEAM_GROUP_ID) as fake:
        yield fake


pytestmark = pytest.mark.usefixtures("quick_backoff")



def review_posted_but_answered_500(connector: FakeBotConnector) -> None:
    # The "Reviewing…" card is refused (it never reached Teams), so the review is a new card;
    # Teams stores that one and answers 500 all the same.
    connector.server_error_next("send", count=1, status=503)
    connector.error_after_write_next("send", count=1)


async def test_a_review_that_landed_despite_a_500_is_found_through_graph_and_not_doubled(
    ident, graph, tmp_path
):
    connector = ident.connector
    review_posted_but_answered_500(connector)
    async with running_server(ident, tmp_path / "db.sqlite3", TEAMS_GRAPH_URL=graph.url,
                              reply_retry_seconds=2.0) as server:
        post = channel_post(connector, NETFLIX)
        assert (await server.post(post))[0] == 200
        await server.settle(timeout=30)
        rec = await server.store.latest_for_draft(REVIEW_CHANNEL, post["id"])
    [(card_id, card)] = thread_cards(connector, post["id"]).items()
    assert "Christmas Prince" in card and "Sorry" not in card
    assert [c.status for c in connector.calls_of("send")] == [503, 500]
    assert [c.status for c in graph.calls] == [200], "one look, with the app's token for Graph"
    assert rec is not None and rec.reply_ts == f"{post['id']}/{card_id}", "the found card is the review's"
    key = connector.calls_of("send")[-1].body["channelData"]["redteamKey"]
    assert card_marker(key) in card, "the card carries its key's marker, which Graph shows"


async def test_when_graph_refuses_nothing_is_posted_blindly_and_the_thread_gets_a_notice(
    ident, graph, tmp_path
):
    connector = ident.connector
    graph.refuse(403)  # the app's consent to read channel messages was withdrawn
    review_posted_but_answered_500(connector)
    async with running_server(ident, tmp_path / "db.sqlite3", TEAMS_GRAPH_URL=graph.url,
                              reply_retry_seconds=1.0) as server:
        post = channel_post(connector, NETFLIX)
        assert (await server.post(post))[0] == 200
        await server.settle(timeout=30)
    cards = list(thread_cards(connector, post["id"]).values())
    assert sum("Christmas Prince" in c for c in cards) == 1, "the review is never posted a second time"
    assert any("couldn't finish this review" in c for c in cards)
    assert graph.calls and all(c.status == 403 for c in graph.calls)


async def test_a_review_graph_does_not_list_is_posted_once_graph_has_had_time_to_list_it(
    ident, graph, tmp_path, monkeypatch
):
    connector = ident.connector
    monkeypatch.setattr(port, "GRAPH_SETTLE_SECONDS", 0.5)
    # The "Reviewing…" card is refused; the review's post fails with a 500 Teams never stored.
    connector.server_error_next("send", count=1, status=503)
    connector.server_error_next("send", count=1, status=500)
    async with running_server(ident, tmp_path / "db.sqlite3", TEAMS_GRAPH_URL=graph.url,
                              reply_retry_seconds=10.0) as server:
        post = channel_post(connector, NETFLIX)
        assert (await server.post(post))[0] == 200
        await server.settle(timeout=30)
    [card] = thread_cards(connector, post["id"]).values()
    assert "Christmas Prince" in card and "Sorry" not in card
    assert [c.status for c in connector.calls_of("send")] == [503, 500, 200]
    # Looked at until Graph could be trusted to list a card that landed, then posted once.
    assert len(graph.calls) >= 2 and all(c.status == 200 for c in graph.calls)
