"""Slack's message markup, turned back into the words a person typed.

Event text arrives with ``&amp; &lt; &gt;`` escaped and mentions/links as ``<...>`` tokens;
the reviewer must see the post as it would be published (``@channel``, not ``<!channel>``).
"""

from __future__ import annotations

import re
from typing import Any

from bot.conversation import SLACK, Place

_TOKEN = re.compile(r"<([^<>]*)>")
_SPECIAL = {"channel": "@channel", "here": "@here", "everyone": "@everyone"}


def _token_to_text(match: re.Match[str]) -> str:
    inner = match.group(1)
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        return "@" + (label or target[1:])
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        if name.startswith("subteam"):
            return "@" + (label.lstrip("@") or "group")
        if name in _SPECIAL:
            return _SPECIAL[name]
        return label or "@" + name
    return label or target


def plain_text(slack_text: str) -> str:
    """``slack_text`` (as found in an event) as plain text."""
    text = _TOKEN.sub(_token_to_text, slack_text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def strip_mention(slack_text: str, bot_user_id: str | None) -> str:
    """``slack_text`` without mentions of the bot (``<@UBOT>`` or ``<@UBOT|redteam>``)."""
    if not bot_user_id:
        return slack_text
    return re.sub(r"<@" + re.escape(bot_user_id) + r"(?:\|[^>]*)?>", "", slack_text).strip()


def mentions(slack_text: str, user_id: str | None) -> bool:
    return (
        bool(user_id)
        and re.search(r"<@" + re.escape(user_id or "") + r"(?:\|[^>]*)?>", slack_text) is not None
    )


def is_from_bot(message: dict[str, Any], bot_user_id: str | None) -> bool:
    return (
        bool(message.get("bot_id"))
        or message.get("subtype") == "bot_message"
        or (bot_user_id is not None and message.get("user") == bot_user_id)
    )


def has_files(message: dict[str, Any]) -> bool:
    return bool(message.get("files")) or message.get("subtype") == "file_share"


def event_place(body: dict[str, Any], event: dict[str, Any], *, ts: str | None = None) -> Place:
    """Where an Events API message lives; its reply goes into its thread (itself at the top)."""
    ts = ts if ts is not None else str(event.get("ts") or "")
    return Place(
        platform=SLACK,
        workspace=str(body.get("team_id") or event.get("team") or ""),
        channel=str(event.get("channel") or ""),
        message=ts,
        thread=str(event.get("thread_ts") or ts),
        user=str(event.get("user") or ""),
    )


def draft_text(event: dict[str, Any], bot_user_id: str | None) -> str:
    """The words of a message as a draft: plain text, without mentions of the bot."""
    return plain_text(strip_mention(str(event.get("text") or ""), bot_user_id))
