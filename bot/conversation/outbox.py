"""Delivery that survives a platform's bad minutes: every reply is paced, retried and never doubled.

A reply (a review, an answer, a notice) is posted with an idempotency key the platform keeps with
the message (Slack: message metadata). A failed post may still have landed (a 500 after the
platform stored it, a timeout), so before each retry the thread is searched for that key: a
reply is posted at most once. Failures the platform says may pass (rate limits, 5xx, dropped
connections) are retried with exponential backoff, honouring ``Retry-After``, until the reply's
window ends; then the caller gets :class:`Undelivered` and posts a plain notice instead. A
notice that cannot be posted either is left owed in the store (``AsyncStore.leave_owed``), and
the sweep in ``bot.conversation.owed_replies`` gives it later.

Posts to one channel are paced by a token bucket per channel, shared by the whole process, at
the platform's own limit (Slack: about one post per second per channel, short bursts allowed);
a ``Retry-After`` from the platform (another process posted there too) holds that channel for
everyone in this process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bot.conversation.outcomes import Notice, Outcome
from bot.conversation.transport import CannotTell, ChannelLimit, Transport

if TYPE_CHECKING:
    from bot.settings import Settings
    from bot.store import AsyncStore

log = logging.getLogger(__name__)

T = TypeVar("T")

#: The first pause after a failed post, doubled after each further failure up to the cap.
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 15.0


@dataclass(frozen=True)
class DeliveryPolicy:
    """How long a reply is retried (``window`` seconds) before the notice that says it failed;
    the notice itself gets ``notice_window`` seconds before it is left to the sweep."""

    window: float = 120.0
    notice_window: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliveryPolicy:
        window = settings.reply_retry_seconds
        return cls(window=window, notice_window=max(1.0, window / 4))


class Undelivered(Exception):
    """A reply could not be posted before its window ended; ``__cause__`` is the last failure."""


class Pacer:
    """Token buckets per channel (GCRA: one timestamp per channel), shared by every task and
    thread of the process."""

    def __init__(self, limit: ChannelLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / limit.per_second
        self.tolerance = (max(1, limit.burst) - 1) * self.interval
        self._clock = clock
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, channel: str) -> float:
        """Take the channel's next slot; returns the seconds to wait before using it."""
        with self._lock:
            now = self._clock()
            due = max(self._next.get(channel, now), now)
            self._next[channel] = due + self.interval
            if len(self._next) > 10_000:  # forget idle channels
                self._next = {c: t for c, t in self._next.items() if t > now}
            return max(0.0, due - self.tolerance - now)

    def hold(self, channel: str, seconds: float) -> None:
        """The platform asked for a pause on this channel: no slot before ``seconds`` from now."""
        with self._lock:
            until = self._clock() + seconds
            self._next[channel] = max(self._next.get(channel, until), until)

    async def wait(self, channel: str) -> None:
        delay = self.reserve(channel)
        if delay > 0:
            await asyncio.sleep(delay)


def notice_key(owed: str) -> str:
    """The key of the notice given in place of the reply owed under ``owed``."""
    return f"{owed}:notice"


def backoff(attempt: int) -> float:
    """The pause after the ``attempt``-th failure: exponential, capped, with jitter so that
    many replies failing together do not retry together."""
    ceiling = min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


class Outbox:
    """Posts and updates through ``transport``, paced, retried, at most once per key."""

    def __init__(self, transport: Transport, policy: DeliveryPolicy | None = None) -> None:
        self.transport = transport
        self.policy = policy or DeliveryPolicy()
        self.pacer = Pacer(transport.channel_limit)

    async def post_in_thread(
        self,
        channel: str,
        thread: str,
        outcome: Outcome,
        *,
        key: str,
        window: float | None = None,
        checked: bool = False,
    ) -> str:
        """Post ``outcome`` in ``thread`` once, tagged ``key``; returns its message id.

        ``checked=True``: an earlier process may already have posted under ``key``; look
        first. Raises :class:`Undelivered` when the window ends, or the transport's own
        failure when retrying cannot help (the bot is not in that channel)."""
        if window is None:
            window = self.policy.notice_window if isinstance(outcome, Notice) else self.policy.window
        unsure = checked

        async def attempt() -> str:
            nonlocal unsure
            if unsure:
                try:
                    found = await self.transport.find_reply(channel, thread, key)
                except CannotTell:
                    if not isinstance(outcome, Notice):
                        raise
                    # A notice that may arrive twice is better than a thread left silent.
                    log.info("cannot tell whether an earlier notice landed; posting it again")
                    found = None
                if found is not None:
                    log.info("a reply found posted by an earlier attempt; not posting it again")
                    return found
            await self.pacer.wait(channel)
            # From here a failure may have reached the platform: look before the next try.
            unsure = True
            return await self.transport.post_in_thread(channel, thread, outcome, key=key)

        return await self._retrying(channel, window, attempt)

    async def post_in_channel(self, channel: str, outcome: Outcome, *, key: str) -> str:
        """Post ``outcome`` at the top of ``channel`` once, tagged ``key`` (a shared review):
        paced and retried as a reply is, looking for an earlier try before each retry. A
        platform that cannot look (``CannotTell``) gets no second try: the caller says so."""
        unsure = False

        async def attempt() -> str:
            nonlocal unsure
            if unsure:
                found = await self.transport.find_in_channel(channel, key)
                if found is not None:
                    log.info("a message found posted by an earlier attempt; not posting it again")
                    return found
            await self.pacer.wait(channel)
            unsure = True
            return await self.transport.post_in_channel(channel, outcome, key=key)

        return await self._retrying(channel, self.policy.window, attempt)

    async def update_message(self, channel: str, message: str, outcome: Outcome) -> None:
        """Replace the bot's ``message`` with ``outcome``; an update is idempotent, so a retry
        needs no look first."""

        async def attempt() -> None:
            await self.pacer.wait(channel)
            await self.transport.update_message(channel, message, outcome)

        await self._retrying(channel, self.policy.window, attempt)

    async def _retrying(self, channel: str, window: float, attempt: Callable[[], Awaitable[T]]) -> T:
        # The window opens at the first failure: time queued behind the channel's pace is no
        # failure, and a burst's last post may wait minutes for its turn.
        deadline = math.inf
        failures = 0
        while True:
            try:
                return await attempt()
            except Exception as exc:
                asked = self.transport.retry_after(exc)
                if asked is None:
                    raise  # a refusal that will not change: say so now
                if failures == 0:
                    deadline = time.monotonic() + window
                failures += 1
                if asked > 0:
                    self.pacer.hold(channel, asked)
                pause = max(asked, backoff(failures))
                log.info(
                    "posting failed (%s, try %d); retrying in %.1fs", type(exc).__name__, failures, pause
                )
                if time.monotonic() + pause > deadline:
                    raise Undelivered(f"not posted after {failures} tries") from exc
                await asyncio.sleep(pause)


async def leave_owed_on_failure(store: AsyncStore, key: str, notice: str, post: Awaitable[str]) -> str:
    """Await ``post`` (a notice in the thread owed under ``key``); when its window ended (the
    platform may recover), leave the notice in the store for the sweep before re-raising. A flat
    refusal (the bot removed from the channel) leaves nothing: no later try would land."""
    try:
        return await post
    except Undelivered:
        try:
            await store.leave_owed(key, notice)
        except Exception as exc:  # the lease runs out and the sweep apologises anyway
            log.warning("could not leave a notice owed: %s", type(exc).__name__)
        raise
