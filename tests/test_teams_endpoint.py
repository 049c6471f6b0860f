"""Teams through the SDK's real endpoint: JWT validation against keys the test serves, replies
into a channel thread through the fake Bot Connector, the bot's own token from the fake Entra
ID, and retries of the connector's 429s."""

from __future__ import annotations

import json

import pytest
from microsoft_teams.api import MessageActivity
from microsoft_teams.apps import ActivityContext

from bot.teams.app import TeamsApp
from bot.teams.cards import render_notice
from bot.teams.transport import TeamsPlace, TeamsTransport
from tests.fakes.bot_auth import BOT_FRAMEWORK_ISSUER
from tests.teams_harness import (
    OTHER_APP_ID,
    REVIEW_CHANNEL,
    TENANT_ID,
    channel_post,
    running_teams,
    wait_for,
)


def echo(teams: TeamsApp) -> None:
    """A minimal handler: answers each post with a card in that post's thread."""
    transport = TeamsTransport(teams.app.api)

    @teams.app.on_message
    async def _echo(ctx: ActivityContext[MessageActivity]) -> None:
        activity = ctx.activity
        data = activity.channel_data
        channel = data.channel.id if data and data.channel else None
        assert channel is not None
        root = activity.reply_to_id or activity.id
        place = TeamsPlace.thread(activity.service_url or "", channel, root)
        await transport.post(place, render_notice("Echo: " + (activity.text or "")))



async def test_valid_token_runs_the_handler_which_replies_in_the_posts_thread(ident):
    async with running_teams(ident, echo) as h:
        post = channel_post(ident.connector, "Big news <at>x</at>")
        status, _ = await h.post(post)
        assert status == 200
        [sent] = await wait_for(lambda: ident.connector.ok_calls_of("send"))
    assert sent.conversation_id == f"{REVIEW_CHANNEL};messageid={post['id']}"
    assert sent.card is not None and "Echo: Big news" in json.dumps(sent.card, ensure_ascii=False)
    # The reply carried the bot's own token, got from Entra ID with the app's credentials.
    assert sent.authorization == f"Bearer {ident.entra.issued[0]}"
    [request] = ident.entra.requests
    assert request.tenant == TENANT_ID
    assert request.form["grant_type"] == "client_credentials"
    assert request.form["scope"] == "https://api.botframework.com/.default"
    assert ident.keys.key_fetches >= 1


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda ident: None, id="no-token"),
        pytest.param(lambda ident: "not.a.jwt", id="garbage"),
        pytest.param(lambda ident: ident.token(signed_by=ident.keys.forger_key), id="forged-signature"),
        pytest.param(lambda ident: ident.token(audience=OTHER_APP_ID), id="other-apps-audience"),
        pytest.param(lambda ident: ident.token(expires_in=-3600), id="expired"),
        pytest.param(lambda ident: ident.token(issuer="https://evil.example"), id="wrong-issuer"),
        pytest.param(lambda ident: ident.keys.token("http://127.0.0.1:1/"), id="other-service-url"),
        pytest.param(lambda ident: ident.token(kid="unknown-kid"), id="unknown-key"),
    ],
)
async def test_requests_without_a_valid_token_get_401_and_no_reply(ident, forge):
    async with running_teams(ident, echo) as h:
        token = forge(ident)
        status, body = await h.post(channel_post(ident.connector, "draft"), token=token)
        assert status == 401
        assert "Unauthorized" in body or "error" in body
        # A valid request afterwards is answered: the 401 above was the token's doing.
        assert (await h.post(channel_post(ident.connector, "ok")))[0] == 200
        await wait_for(lambda: ident.connector.ok_calls_of("send"))
    assert len(ident.connector.calls) == 1


async def test_garbage_bodies_are_refused_before_anything_runs(ident):
    async with running_teams(ident, echo) as h:
        assert (await h.post(b"{not json"))[0] == 400
        assert (await h.post(b"[1, 2]"))[0] == 400
        assert (await h.post(b"x" * 1_100_000))[0] == 413
    assert ident.connector.calls == []


async def test_a_send_answered_429_is_passed_on_not_retried_by_the_client(ident):
    # The outbox retries replies (after Retry-After, tests/test_teams_outbox.py); a second layer
    # of retries in the HTTP client would hide that from it.
    ident.connector.rate_limit_next("send", count=1, retry_after="0.2")
    async with running_teams(ident, echo) as h:
        assert (await h.post(channel_post(ident.connector, "draft")))[0] == 500
    assert [c.status for c in ident.connector.calls_of("send")] == [429]
    assert ident.connector.messages == {}


async def test_a_500_after_the_write_is_not_posted_twice(ident):
    ident.connector.error_after_write_next("send")
    async with running_teams(ident, echo) as h:
        assert (await h.post(channel_post(ident.connector, "draft")))[0] == 500
    # The message went through once; the create was not repeated (it could not be known safe).
    assert len(ident.connector.calls_of("send")) == 1
    assert len(ident.connector.messages) == 1


async def test_unauthenticated_mode_accepts_requests_without_a_token_and_warns(ident, caplog):
    settings = ident.settings(TEAMS_CLIENT_ID=None, TEAMS_CLIENT_SECRET=None,
                              TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS="true")
    with caplog.at_level("WARNING", logger="bot.teams"):
        async with running_teams(ident, echo, settings=settings) as h:
            assert (await h.post(channel_post(ident.connector, "draft"), token=None))[0] == 200
            [sent] = await wait_for(lambda: ident.connector.ok_calls_of("send"))
    assert "TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS is on" in caplog.text
    assert sent.authorization == ""  # no credentials: no bot token either
    assert ident.entra.requests == []


def test_the_issuer_checked_is_the_bot_frameworks():
    # The minter signs with the issuer the SDK's public cloud expects: a test of the fakes themselves.
    from microsoft_teams.api.auth.cloud_environment import PUBLIC

    assert PUBLIC.token_issuer == BOT_FRAMEWORK_ISSUER
