"""End-to-end Teams harness: the SDK's real messaging endpoint in a Starlette app under uvicorn on
loopback, Bot Framework JWTs checked against signing keys the test serves, the bot's own tokens
from a fake Entra ID over TLS, and a fake Bot Connector that records every reply.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from starlette.applications import Starlette
from starlette.requests import Request

from bot.server import Services, create_asgi_app
from bot.settings import Settings
from bot.store import AsyncStore
from bot.teams.app import TeamsApp, build_teams_app
from bot.teams.hosting import StarletteRoutes, teams_route
from bot.teams.retry import ConnectorRetry
from bot.teams.runtime import TeamsRuntime
from tests.fakes.bot_auth import BotFrameworkKeys, FakeEntra, TestCertificates
from tests.fakes.bot_connector import FakeBotConnector
from tests.serving import serving_asgi, wait_for

APP_ID = "00000000-aaaa-bbbb-cccc-000000000001"
OTHER_APP_ID = "00000000-aaaa-bbbb-cccc-000000000002"
CLIENT_SECRET = "test-client-secret"
TENANT_ID = "00000000-1111-2222-3333-000000000001"
REVIEW_CHANNEL = "19:review0channel0000000000000001@thread.tacv2"
OTHER_CHANNEL = "19:general0channel000000000000001@thread.tacv2"
TEAM = "19:team0000000000000000000000000001@thread.tacv2"
#: The team's Microsoft 365 group id, which Teams sends with channel activities (Graph's team id).
TEAM_GROUP_ID = "0000aaaa-1111-2222-3333-444444444444"
ALICE = {"id": "29:1alice", "name": "Alice", "aadObjectId": "aaaaaaaa-0000-0000-0000-000000000001"}
BOT = {"id": f"28:{APP_ID}", "name": "redteam"}

_ids = itertools.count(int(time.time() * 1000))


def new_message_id() -> str:
    """A Teams channel message id: a numeric timestamp."""
    return str(next(_ids))


@dataclass
class Identity:
    """The fakes Teams' requests and the bot's replies are checked against."""

    keys: BotFrameworkKeys
    entra: FakeEntra
    connector: FakeBotConnector
    certificates: TestCertificates

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "TEAMS_CLIENT_ID": APP_ID,
            "TEAMS_CLIENT_SECRET": CLIENT_SECRET,
            "TEAMS_TENANT_ID": TENANT_ID,
            "TEAMS_OPENID_METADATA_URL": self.keys.openid_metadata_url,
            "TEAMS_LOGIN_URL": self.entra.login_url,
            "teams_review_channels": REVIEW_CHANNEL,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    def token(self, **kwargs: Any) -> str:
        return self.keys.token(self.connector.service_url, **kwargs)


@contextmanager
def identity(folder: Path) -> Iterator[Identity]:
    certificates = TestCertificates(folder)
    keys = BotFrameworkKeys(APP_ID).start()
    entra = FakeEntra(certificates, APP_ID, CLIENT_SECRET).start()
    connector = FakeBotConnector().start()
    try:
        yield Identity(keys, entra, connector, certificates)
    finally:
        connector.stop()
        entra.stop()
        keys.stop()


def channel_post(
    connector: FakeBotConnector,
    text: str,
    *,
    channel: str = REVIEW_CHANNEL,
    message_id: str | None = None,
    reply_to: str | None = None,
    mention_bot: bool = False,
) -> dict[str, Any]:
    """A message activity as Teams delivers a channel post (or a reply in a post's thread)."""
    message_id = message_id or new_message_id()
    entities: list[dict[str, Any]] = []
    if mention_bot:
        text = f"<at>{BOT['name']}</at> {text}"
        entities.append({"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": BOT})
    fields: dict[str, Any] = {"id": message_id, "text": text, "textFormat": "plain", "entities": entities}
    if reply_to:
        fields["replyToId"] = reply_to
    return _envelope(connector, "message", channel, reply_to or message_id, **fields)


@dataclass
class Harness:
    base_url: str
    session: aiohttp.ClientSession
    identity: Identity
    teams: TeamsApp

    async def post(self, activity: dict[str, Any] | bytes, *, token: str | None = "valid",
                   headers: dict[str, str] | None = None) -> tuple[int, str]:
        """POST an activity to /api/messages; ``token="valid"`` signs it as Teams would."""
        sent = dict(headers or {})
        if token == "valid":
            token = self.identity.token()
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        if isinstance(activity, bytes):
            data = activity
            sent.setdefault("Content-Type", "application/json")
        else:
            data = json.dumps(activity).encode()
            sent["Content-Type"] = "application/json"
        async with self.session.post(self.base_url + "/api/messages", data=data, headers=sent) as response:
            return response.status, await response.text()


def _routes_of(request: Request) -> StarletteRoutes | None:
    routes: StarletteRoutes | None = getattr(request.app.state, "teams_routes", None)
    return routes


@asynccontextmanager
async def running_teams(
    identity: Identity,
    register: Callable[[TeamsApp], Awaitable[None] | None],
    *,
    settings: Settings | None = None,
    retry: ConnectorRetry | None = None,
) -> AsyncIterator[Harness]:
    """The SDK app with ``register``'s handlers, served by uvicorn on 127.0.0.1."""
    teams = build_teams_app(
        settings or identity.settings(),
        token_http_client=identity.certificates.session(),
        connector_retry=retry or ConnectorRetry(base_delay=0.01, max_delay=2.0),
    )
    registered = register(teams)
    if registered is not None:
        await registered

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await teams.start()
        app.state.teams_routes = teams.routes
        yield
        app.state.teams_routes = None

    asgi = Starlette(routes=[teams_route(_routes_of)], lifespan=lifespan)
    async with serving_asgi(asgi) as base_url, aiohttp.ClientSession() as session:
        yield Harness(base_url, session, identity, teams)


def _envelope(
    connector: FakeBotConnector, kind: str, channel: str, root: str, **fields: Any
) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": kind,
        "id": fields.pop("id", None) or new_message_id(),
        "timestamp": "2026-01-01T00:00:00.000Z",
        "serviceUrl": connector.service_url,
        "channelId": "msteams",
        "from": ALICE,
        "conversation": {"id": f"{channel};messageid={root}", "conversationType": "channel",
                         "isGroup": True, "tenantId": TENANT_ID},
        "recipient": BOT,
        "channelData": {"teamsChannelId": channel, "teamsTeamId": TEAM, "channel": {"id": channel},
                        "team": {"id": TEAM, "aadGroupId": TEAM_GROUP_ID}, "tenant": {"id": TENANT_ID}},
    }
    event_type = fields.pop("event_type", None)
    if event_type:
        activity["channelData"]["eventType"] = event_type
    activity.update(fields)
    return activity


def message_action_invoke(connector: FakeBotConnector, message_id: str, html: str, *,
                          channel: str = OTHER_CHANNEL,
                          name: str = "composeExtension/fetchTask") -> dict[str, Any]:
    """The invoke Teams sends when someone runs "Red-team this message" on a channel post."""
    return _envelope(connector, "invoke", channel, message_id, name=name, value={
        "commandId": "redteamMessage",
        "commandContext": "message",
        "context": {"theme": "default"},
        "messagePayload": {"id": message_id, "messageType": "message",
                           "body": {"contentType": "html", "content": html},
                           "from": {"user": {"id": ALICE["aadObjectId"], "displayName": "Alice"}}},
    })


def draft_form_invoke(connector: FakeBotConnector, fields: dict[str, Any], *,
                      channel: str = OTHER_CHANNEL) -> dict[str, Any]:
    """The invoke Teams sends when someone submits the "Red-team a draft" form from a compose box."""
    return _envelope(connector, "invoke", channel, new_message_id(), name="composeExtension/submitAction",
                     value={"commandId": "redteamDraft", "commandContext": "compose",
                            "context": {"theme": "default"}, "data": fields})


def card_action_invoke(connector: FakeBotConnector, card_activity_id: str, verb: str, data: dict[str, Any], *,
                       channel: str = REVIEW_CHANNEL, root: str | None = None) -> dict[str, Any]:
    """The invoke of an ``Action.Execute`` button on the bot's card ``card_activity_id``."""
    return _envelope(connector, "invoke", channel, root or card_activity_id, name="adaptiveCard/action",
                     replyToId=card_activity_id,
                     value={"action": {"type": "Action.Execute", "verb": verb, "data": data},
                            "trigger": "manual"})


def message_edit(connector: FakeBotConnector, message_id: str, text: str, *,
                 channel: str = REVIEW_CHANNEL) -> dict[str, Any]:
    return _envelope(connector, "messageUpdate", channel, message_id, id=message_id, text=text,
                     textFormat="plain", event_type="editMessage")


def message_soft_delete(connector: FakeBotConnector, message_id: str, *,
                        channel: str = REVIEW_CHANNEL) -> dict[str, Any]:
    return _envelope(connector, "messageDelete", channel, message_id, id=message_id,
                     event_type="softDeleteMessage")


# --- the whole server: Teams on the conversation layer ------------------------------------------


@dataclass
class Server:
    """``redteam serve``'s ASGI app (Teams only) under uvicorn, with its store and review loop."""

    base_url: str
    session: aiohttp.ClientSession
    identity: Identity
    asgi: Starlette
    store: AsyncStore

    @property
    def runtime(self) -> TeamsRuntime:
        runtime: TeamsRuntime = self.asgi.state.teams
        return runtime

    post = Harness.post

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until the review loop has no work left, twice, as work can start more work (a
        moment apart: the first check can come just before an ack hands the loop its work)."""
        await wait_for(lambda: not self.runtime.worker.pending, timeout=timeout)
        await asyncio.sleep(0.05)
        await wait_for(lambda: not self.runtime.worker.pending, timeout=timeout)


def server_settings(identity: Identity, db_path: Path, **overrides: Any) -> Settings:
    """Teams alone (no Slack settings), a fresh SQLite file, no LLM unless overridden."""
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": None,
        "SLACK_SIGNING_SECRET": None,
        "OPENAI_API_KEY": None,
        "OPENAI_BASE_URL": None,
        "AZURE_OPENAI_ENDPOINT": None,
        "AZURE_OPENAI_API_KEY": None,
        "database_url": f"sqlite:///{db_path}",
        # No Microsoft Graph unless a test serves a fake one: nothing outside the machine.
        "TEAMS_GRAPH_URL": "",
    }
    values.update(overrides)
    return identity.settings(**values)


@asynccontextmanager
async def running_server(identity: Identity, db_path: Path, **overrides: Any) -> AsyncIterator[Server]:
    settings = server_settings(identity, db_path, **overrides)
    store = AsyncStore.from_settings(settings)
    options = {"token_http_client": identity.certificates.session(),
               "connector_retry": ConnectorRetry(base_delay=0.01, max_delay=2.0)}
    asgi = create_asgi_app(settings, services=Services(store=store, teams_options=options))
    try:
        async with serving_asgi(asgi) as base_url, aiohttp.ClientSession() as session:
            yield Server(base_url, session, identity, asgi, store)
    finally:
        await store.aclose()


def chat_message(connector: FakeBotConnector, text: str, *, personal: bool = True,
                 mention_bot: bool = False) -> dict[str, Any]:
    """A message in the bot's personal chat with Alice, or in a group chat."""
    conversation = "a:1personal-chat-with-alice" if personal else "19:groupchat0001@thread.v2"
    entities: list[dict[str, Any]] = []
    if mention_bot:
        text = f"<at>{BOT['name']}</at> {text}"
        entities.append({"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": BOT})
    return {
        "type": "message",
        "id": new_message_id(),
        "timestamp": "2026-01-01T00:00:00.000Z",
        "serviceUrl": connector.service_url,
        "channelId": "msteams",
        "from": ALICE,
        "conversation": {"id": conversation, "conversationType": "personal" if personal else "groupChat",
                         "tenantId": TENANT_ID},
        "recipient": BOT,
        "text": text,
        "textFormat": "plain",
        "entities": entities,
        "channelData": {"tenant": {"id": TENANT_ID}},
    }


def thread_cards(connector: FakeBotConnector, root: str, channel: str = REVIEW_CHANNEL) -> dict[str, str]:
    """The messages standing in the thread of post ``root``: activity id -> the card they show (JSON)."""
    thread = f"{channel};messageid={root}"
    return {activity: json.dumps(body, ensure_ascii=False)
            for activity, (conversation, body) in connector.messages.items() if conversation == thread}
