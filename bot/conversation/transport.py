"""The port each platform implements to carry outcomes: post, update, read a thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.conversation.outcomes import Outcome
from bot.conversation.places import Place
from bot.review.models import ThreadMessage


class CannotTell(RuntimeError):
    """Raised by ``Transport.find_reply`` when the platform cannot say whether an earlier post
    under a key landed (it failed in a way that may have come after the platform took it, and the
    thread cannot be read back)."""


@dataclass(frozen=True)
class ChannelLimit:
    """A platform's pace for posts into one pace unit (a Slack channel, a Teams thread or chat):
    ``per_second`` on average with ``burst`` at once (``math.inf``: no pace of its own), and no
    more than ``count`` posts in any ``seconds`` for each ``(count, seconds)`` of ``windows``.
    ``margin``: seconds added to each window, since the platform counts a post when it arrives
    and the bot when it sends (one that must open a connection first arrives tens of ms later)."""

    per_second: float = 1.0
    burst: int = 1
    windows: tuple[tuple[int, float], ...] = ()
    margin: float = 0.0


class Transport(Protocol):
    """How outcomes reach a platform. Implementations render each outcome (Block Kit, an
    Adaptive Card) and send it within the platform's limits, retrying what the platform asks to
    be retried. Methods may raise on failure unless they say otherwise; the conversation layer
    turns a failure into a plain notice."""

    @property
    def platform(self) -> str:
        """The platform's name as it appears in keys: ``"slack"``, ``"teams"``."""
        ...

    @property
    def channel_limit(self) -> ChannelLimit:
        """The platform's pace for posts into one pace unit (the outbox keeps to it)."""
        ...

    @property
    def app_limit(self) -> ChannelLimit | None:
        """The platform's pace for all the bot's calls together, whatever their unit; None when
        the platform has none beyond its units' own."""
        ...

    def pace_key(self, channel: str, *, thread: str | None = None, message: str | None = None) -> str:
        """The pace unit a post in ``thread`` of ``channel`` (or an update of ``message``, an id
        this transport returned) counts against: the channel on Slack, the thread on Teams."""
        ...

    def over_app_limit(self, exc: BaseException) -> bool:
        """True when the failure ``exc`` means the bot's calls together went too fast (then every
        unit waits its ``retry_after``), not only the posts into that one unit."""
        ...

    async def post_in_thread(
        self, channel: str, thread: str, outcome: Outcome, *, key: str | None = None
    ) -> str:
        """Post ``outcome`` as a reply in ``thread`` of ``channel``; returns the new message's id.
        One attempt, no retries of its own: a failure may have posted the message, and only the
        outbox knows to look (``find_reply``) before trying again. ``key``: kept with the
        message so that ``find_reply`` finds it."""
        ...

    async def find_reply(self, channel: str, thread: str, key: str) -> str | None:
        """The id of the bot's message in ``thread`` posted with ``key``, or None when there is
        none; raises when the platform cannot tell (then the outbox does not post blindly)."""
        ...

    def route(self, channel: str) -> str | None:
        """What another process needs to post into ``channel`` when it has never seen it (kept
        with a reply owed there, opaque to the layer), or None when the channel id is enough."""
        ...

    def learn_route(self, channel: str, route: str) -> None:
        """Take ``route`` (from :meth:`route`, maybe in another process) as the way to ``channel``."""
        ...

    def retry_after(self, exc: BaseException) -> float | None:
        """For a failed call: None when retrying cannot help (not allowed in the channel, a
        message the platform refuses); else the seconds the platform asked to wait (its
        ``Retry-After``), 0.0 when it named none (a 5xx, a dropped connection, a timeout)."""
        ...

    async def post_in_channel(self, channel: str, outcome: Outcome, *, key: str | None = None) -> str:
        """Post ``outcome`` as a new top-level message in ``channel``; returns its id. One
        attempt, as ``post_in_thread``; ``key`` kept with the message for ``find_in_channel``."""
        ...

    async def find_in_channel(self, channel: str, key: str) -> str | None:
        """The id of the bot's recent top-level message in ``channel`` posted with ``key``, or
        None; raises :class:`CannotTell` when the platform cannot say."""
        ...

    async def update_message(self, channel: str, message: str, outcome: Outcome) -> None:
        """Replace the bot's own message ``message`` in ``channel`` with ``outcome``."""
        ...

    async def show_working(self, place: Place) -> None:
        """A visible sign that the draft at ``place`` is being reviewed (best effort)."""
        ...

    async def thread_messages(self, channel: str, thread: str, *, exclude: str) -> list[ThreadMessage]:
        """The thread's messages as plain text, oldest first, without the message ``exclude``;
        the bot's own messages have the author ``"redteam"``. Empty when the platform won't say;
        never raises."""
        ...

    async def is_review_channel(self, channel: str) -> bool:
        """True when every top-level post in ``channel`` is a draft to review."""
        ...

    def describe_failure(self, exc: BaseException) -> str | None:
        """A plain reason for a failure of this platform's own (``"Slack is rate-limiting me
        right now"``), or None when ``exc`` is not one; never the exception's text."""
        ...
