"""Posting to Teams through the Bot Connector: new cards, in-place updates, deletes, typing.

A reply goes to the conversation at the service URL the activity came from. In a channel, a
reply in a post's thread goes to the conversation id ``<channel id>;messageid=<post id>``: the
channel id alone would start a new post at the channel's root. Posts and updates are one
attempt each: the outbox (``bot.conversation.outbox``) paces them to Teams' per-conversation
limit and retries them after looking whether the last attempt landed. The HTTP client's
middleware (``bot.teams.retry``) retries only what is safe to repeat blindly (typing, deletes).
"""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_teams.api import ApiClient
from microsoft_teams.api.activities import MessageActivityInput, TypingActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.apps import to_threaded_conversation_id
from microsoft_teams.cards import AdaptiveCard

from bot.teams.cards import clip, plain
from bot.teams.graph import card_marker

#: Where an activity carries the idempotency key it was posted under.
KEY_FIELD = "redteamKey"


@dataclass(frozen=True)
class TeamsPlace:
    """Where replies go: a conversation (a chat, or a channel thread) at a Bot Connector."""

    service_url: str
    conversation_id: str

    @classmethod
    def thread(cls, service_url: str, channel_conversation_id: str, root_message_id: str) -> TeamsPlace:
        """The thread of the channel post ``root_message_id``."""
        return cls(service_url, to_threaded_conversation_id(channel_conversation_id, root_message_id))


class TeamsTransport:
    """Sends, updates and deletes the bot's own activities; ``api`` is the SDK app's client."""

    def __init__(self, api: ApiClient) -> None:
        self._api = api
        self._scoped: dict[str, ApiClient] = {}

    def _at(self, place: TeamsPlace) -> ApiClient:
        # One scoped client per service URL (Teams has a few, one per region): a clone sets up
        # its loggers and sub-clients, a measurable cost when every reply made one.
        scoped = self._scoped.get(place.service_url)
        if scoped is None:
            scoped = self._scoped[place.service_url] = self._api.clone(service_url=place.service_url)
        return scoped

    async def post(self, place: TeamsPlace, card: AdaptiveCard, *, summary: str | None = None,
                   key: str | None = None) -> str:
        """Post ``card`` as a new message, ``key`` in its ``channelData``; its activity id (to
        update or delete it later)."""
        message = _message(card, summary, key)
        sent = await self._at(place).conversations.create_activity(place.conversation_id, message)
        return sent.id

    async def update(self, place: TeamsPlace, activity_id: str, card: AdaptiveCard,
                     *, summary: str | None = None, key: str | None = None) -> None:
        """Replace the bot's message ``activity_id`` with ``card`` (the same message, edited)."""
        await self._at(place).conversations.update_activity(
            place.conversation_id, activity_id, _message(card, summary, key)
        )

    async def delete(self, place: TeamsPlace, activity_id: str) -> None:
        await self._at(place).conversations.delete_activity(place.conversation_id, activity_id)

    async def typing(self, place: TeamsPlace) -> None:
        """Show "… is typing" for a few seconds: a sign of work while a review runs."""
        await self._at(place).conversations.create_activity(place.conversation_id, TypingActivityInput())

    async def personal_chat(self, service_url: str, user_id: str, tenant_id: str) -> TeamsPlace:
        """The bot's one-to-one chat with ``user_id`` (``29:…``), opened if need be: where an
        answer goes when the bot cannot post where it was asked (a channel it is not in)."""
        params = CreateConversationParams.model_validate({
            "isGroup": False,
            "members": [{"id": user_id}],
            "tenantId": tenant_id,
            "channelData": {"tenant": {"id": tenant_id}},
        })
        conversation = await self._at(TeamsPlace(service_url, "")).conversations.create(params)
        return TeamsPlace(service_url, conversation.id)


def _message(card: AdaptiveCard, summary: str | None, key: str | None = None) -> MessageActivityInput:
    # The summary is what notifications and the chat list show instead of "sent a card"; the
    # SDK's input model does not declare it, but passes it on as the activity's ``summary``.
    text = summary if summary is not None else card.fallback_text
    fields: dict[str, object] = {"summary": clip(plain(text), 300)} if text else {}
    if key:
        fields["channelData"] = {KEY_FIELD: key}
        # Graph returns the card but not the channel data: the card carries a trace of the key.
        card = card.model_copy(update={"id": card_marker(key)})
    return MessageActivityInput.model_validate(fields).add_card(card)
