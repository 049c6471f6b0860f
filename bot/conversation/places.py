"""Where a message lives, and the keys that make each piece of work happen once.

Keys are shared by every platform in one store, so each carries its platform: ``<platform>:…``.
Slack's keys predate the others and keep their original, unprefixed form
(``<team>:<channel>:<ts>`` for a message, ``event:<event_id>`` for a delivery), so a delivery
Slack retries across an upgrade still meets its earlier claim. No other platform's key can look
like a Slack key: those begin with an upper-case team id, ``event:`` or ``sha256:``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

SLACK = "slack"

#: The store keeps keys up to 255 characters; longer ones are hashed here, keeping the platform.
MAX_KEY_CHARS = 255
_SLACK_ONLY_HEADS = frozenset({"event", "sha256"})


@dataclass(frozen=True)
class Place:
    """A message on a platform, and the thread its reply goes into.

    ``workspace`` is the Slack team or the Teams tenant; ``channel`` the conversation;
    ``message`` the message's own id (a Slack ts, a Teams activity id); ``thread`` the thread
    the reply goes into (``message`` itself for a top-level post).
    """

    platform: str
    workspace: str
    channel: str
    message: str
    thread: str
    user: str

    @property
    def key(self) -> str:
        """The message's claim key (also the draft id its review carries)."""
        return message_key(self.platform, self.workspace, self.channel, self.message)

    @property
    def in_a_thread(self) -> bool:
        """True for a reply inside a thread, False for a top-level post."""
        return bool(self.thread) and self.thread != self.message

    @property
    def reply_in(self) -> tuple[str, str]:
        return self.channel, self.thread


def message_key(platform: str, workspace: str, channel: str, message: str, *what: str) -> str:
    """The key for a message (``what``: e.g. ``("edit", edit id)`` for one edit of it)."""
    key = ":".join((workspace, channel, message, *what))
    if platform == SLACK:
        return key
    key = f"{platform}:{key}"
    if len(key) > MAX_KEY_CHARS:
        return f"{platform}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def delivery_key(platform: str, delivery_id: str) -> str:
    """The key for one delivery of an event (a platform retries a delivery it thinks was lost)."""
    if platform == SLACK:
        return f"event:{delivery_id}"
    key = f"{platform}:delivery:{delivery_id}"
    if len(key) > MAX_KEY_CHARS:
        return f"{platform}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"
    return key


def platform_of(key: str) -> str:
    """Which platform a key belongs to (see the module's docstring for why Slack's are bare)."""
    head, sep, _ = key.partition(":")
    if sep and head.isalpha() and head.islower() and head not in _SLACK_ONLY_HEADS:
        return head
    return SLACK
