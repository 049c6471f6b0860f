"""What an incoming Teams activity says, in plain terms: where it was posted, whether the bot was
mentioned, the text without that mention, where replies go; and the answers Teams expects to
its invokes. No decisions here: the conversation layer makes them from these facts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any, Literal

from microsoft_teams.api import ActivityBase
from microsoft_teams.api.activities.message import MessageActivity
from microsoft_teams.api.models import (
    AdaptiveCardActionMessageResponse,
    MessagingExtensionActionResponse,
    TaskModuleMessageResponse,
)

from bot.review.models import Draft
from bot.review.platforms import PLATFORM_VALUES
from bot.teams.transport import TeamsPlace

#: The message action declared in the app manifest ("Red-team this message").
MESSAGE_ACTION_COMMAND = "redteamMessage"
#: The form declared in the app manifest ("Red-team a draft": the draft, its platform, notes),
#: from the compose box or the command box: Teams' counterpart of Slack's ``/redteam`` form.
DRAFT_FORM_COMMAND = "redteamDraft"

Scope = Literal["channel", "groupChat", "personal"]
_MESSAGE_ID = re.compile(r";messageid=(\d+)")
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Where:
    """Where an activity happened."""

    scope: Scope
    service_url: str
    conversation_id: str
    #: the channel id (``19:…@thread.tacv2``) and name when known, in a channel
    channel_id: str | None = None
    channel_name: str | None = None
    #: the id of the thread's first post, in a channel
    thread_root: str | None = None
    #: the activity is that first post (a new top-level post, not a reply in a thread)
    is_thread_root: bool = False
    #: the team's Microsoft 365 group id, in a channel (what Microsoft Graph names the team by)
    team_group_id: str | None = None

    @property
    def reply_place(self) -> TeamsPlace:
        """Where replies go: the post's thread in a channel, the chat elsewhere."""
        if self.scope == "channel" and self.channel_id and self.thread_root:
            return TeamsPlace.thread(self.service_url, self.channel_id, self.thread_root)
        return TeamsPlace(self.service_url, self.conversation_id)

    @property
    def is_top_level_post(self) -> bool:
        return self.scope == "channel" and self.is_thread_root


def where(activity: ActivityBase) -> Where:
    """Where ``activity`` happened, from its conversation and channel data."""
    conversation = activity.conversation
    kind = (conversation.conversation_type or "").lower() if conversation else ""
    scope: Scope = "channel" if kind == "channel" else "groupChat" if kind == "groupchat" else "personal"
    data = activity.channel_data
    channel = data.channel if data else None
    channel_id = channel.id if channel and channel.id else None
    if scope == "channel" and channel_id is None and conversation:
        channel_id = conversation.id.split(";")[0]
    root: str | None = None
    if scope == "channel" and conversation:
        found = _MESSAGE_ID.search(conversation.id)
        root = found.group(1) if found else (getattr(activity, "reply_to_id", None) or activity.id)
    return Where(
        scope=scope,
        service_url=activity.service_url or "",
        conversation_id=conversation.id if conversation else "",
        channel_id=channel_id,
        channel_name=channel.name if channel and channel.name else None,
        thread_root=root,
        is_thread_root=root is not None and root == activity.id,
        team_group_id=(data.team.aad_group_id or None) if data and data.team and scope == "channel" else None,
    )


def in_channels(place: Where, channels: Sequence[str]) -> bool:
    """True when ``place`` is one of ``channels`` (ids, or names in any case)."""
    if place.scope != "channel":
        return False
    for entry in channels:
        wanted = entry.strip()
        if place.channel_id and wanted == place.channel_id:
            return True
        if place.channel_name and wanted.lstrip("#").casefold() == place.channel_name.casefold():
            return True
    return False


def mentions_bot(activity: MessageActivity) -> bool:
    return activity.is_recipient_mentioned()


def draft_text(activity: MessageActivity) -> str:
    """The message's text without the bot's own mention, as the author wrote it: Teams sends
    channel posts as HTML, so tags go and entities are decoded."""
    text = activity.text or ""
    recipient = activity.recipient
    mention = activity.get_account_mention(recipient.id) if recipient else None
    if mention is not None and mention.text:
        text = text.replace(mention.text, " ")
    if (activity.text_format or "").lower() != "plain" or _TAGS.search(text):
        text = _TAGS.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", text))
        text = unescape(text)
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()


def message_action_text(value: Any) -> tuple[str, str | None]:
    """``(text, message id)`` of the message a "Red-team this message" action was run on."""
    payload = getattr(value, "message_payload", None)
    if payload is None:
        return "", None
    body = getattr(payload, "body", None)
    content = (getattr(body, "content", None) or "") if body else ""
    if (getattr(body, "content_type", None) or "html").lower() == "html":
        content = unescape(_TAGS.sub(" ", re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", content)))
    text = "\n".join(" ".join(line.split()) for line in content.strip().splitlines()).strip()
    return text, getattr(payload, "id", None)


def draft_form_fields(value: Any) -> Draft:
    """The draft, platform and notes typed into the "Red-team a draft" form. A platform Teams
    did not offer (an old manifest, a hand-made request) is left out rather than trusted."""
    data = getattr(value, "data", None)
    fields = data if isinstance(data, dict) else {}

    def field(name: str) -> str:
        raw = fields.get(name)
        return raw.strip() if isinstance(raw, str) else ""

    platform = field("platform").lower()
    return Draft(text=field("draft"), platform=platform if platform in PLATFORM_VALUES else None,
                 notes=field("notes") or None)


# --- answers to invokes -------------------------------------------------------------------------


def message_action_answer(message: str) -> MessagingExtensionActionResponse:
    """What Teams shows at once when the message action is run (it allows 5 s): a short note."""
    return MessagingExtensionActionResponse(task=TaskModuleMessageResponse(value=message))


def card_action_answer(message: str) -> AdaptiveCardActionMessageResponse:
    """The answer to an ``Action.Execute`` click: a short message Teams shows by the button."""
    return AdaptiveCardActionMessageResponse(value=message)
