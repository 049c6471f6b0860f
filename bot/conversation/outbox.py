"""Delivery that survives a platform's bad minutes: every reply is paced, retried and never doubled.

A reply (a review, an answer, a notice) is posted with an idempotency key the platform keeps with
the message (Slack: message metadata). A failed post may still have landed (a 500 after the
platform stored it, a timeout), so before each retry the thread is searched for that key: a
reply is posted at most once. Failures the platform says may pass (rate limits, 5xx, dropped
connections) are retried with exponential backoff, honouring ``Retry-After``, until the reply's
window ends; then the caller gets :class:`Undelivered` and posts a plain notice instead. A
notice that cannot be posted either is left owed in the store (``AsyncStore.leave_owed``), and
the sweep in ``bot.conversation.owed_replies`` gives it later.

Posts are paced per pace unit, the platform's own (``Transport.pace_key``: a Slack channel, a
Teams thread or chat), by a token bucket per unit shared by the whole process, at the
platform's limit for one unit (Slack: about one post per second per channel, short bursts
allowed; Teams: 7 a second, 60 in 30 s... per thread), and by one bucket for all units together
where the platform limits the whole app (Teams: 50 requests a second). A ``Retry-After`` from the
platform (another process posted there too) holds that unit for everyone in this process; one
that the transport says is about the app's calls together holds every unit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from collections import deque
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
#: How soon a turn that is not urgent asks again, when the free turn went to one that is.
LATER_SECONDS = 0.02


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


class _Budget:
    """One limit kept per key: a token bucket (GCRA: one timestamp per key) for the average pace,
    and the times of the last posts for the limit's windows."""

    def __init__(self, limit: ChannelLimit) -> None:
        self.interval = 0.0 if math.isinf(limit.per_second) else 1.0 / limit.per_second
        self.tolerance = (max(1, limit.burst) - 1) * self.interval
        self.windows = tuple((count, seconds + limit.margin) for count, seconds in sorted(limit.windows))
        self.span = max((seconds for _, seconds in self.windows), default=0.0)
        self.kept = max((count for count, _ in self.windows), default=0)
        self.next: dict[str, float] = {}
        self.sent: dict[str, deque[float]] = {}

    def earliest(self, key: str, now: float) -> float:
        at = self.next.get(key, now) - self.tolerance
        times = self.sent.get(key)
        if times:
            for count, seconds in self.windows:
                if len(times) >= count:
                    at = max(at, times[-count] + seconds)
        return at

    def take(self, key: str, slot: float, now: float) -> None:
        self.next[key] = max(self.next.get(key, slot), slot) + self.interval
        if self.kept:
            times = self.sent.get(key)
            if times is None:
                times = self.sent[key] = deque(maxlen=self.kept)
            times.append(slot)
        if len(self.next) > 10_000:  # forget idle keys
            horizon = now - self.span
            self.next = {k: t for k, t in self.next.items()
                         if t > now or (k in self.sent and self.sent[k][-1] > horizon)}
            self.sent = {k: t for k, t in self.sent.items() if k in self.next}

    def hold(self, key: str, until: float) -> None:
        self.next[key] = max(self.next.get(key, until), until)


class Pacer:
    """Token buckets per pace unit (a channel, a thread), and optionally one for all units
    together, shared by every task and thread of the process."""

    #: The key of the budget all units share.
    EVERYTHING = ""

    def __init__(
        self,
        limit: ChannelLimit,
        clock: Callable[[], float] = time.monotonic,
        *,
        app: ChannelLimit | None = None,
    ) -> None:
        self._unit = _Budget(limit)
        self._app = _Budget(app) if app is not None else None
        self.interval = self._unit.interval
        # A token bucket alone hands out turns in order, each fixed when asked for. Windows are
        # counted when a post is made: a turn fixed in advance and taken late (the loop busy)
        # would bunch up with the next ones, beyond the window. So those are taken when due.
        self._in_order = not limit.windows and app is None
        self._clock = clock
        self._lock = threading.Lock()
        #: Urgent callers waiting for the app-wide budget: the others wait behind them.
        self._urgent_waiting = 0

    def reserve(self, unit: str) -> float:
        """Take the unit's next slot (and the next of the app-wide budget); returns the seconds
        to wait before using it."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._unit.earliest(unit, now))
            if self._app is not None:
                slot = max(slot, self._app.earliest(self.EVERYTHING, now))
                self._app.take(self.EVERYTHING, slot, now)
            self._unit.take(unit, slot, now)
            return slot - now

    def admit(self, unit: str, *, urgent: bool = True) -> float:
        """Take a turn now when the unit (and the app-wide budget) allow one: returns 0.0; else
        takes nothing and returns the seconds until one may be free. A turn that is not
        ``urgent`` is not taken while an urgent one waits for the app-wide budget."""
        return self._admit(unit, urgent)[0]

    def _admit(self, unit: str, urgent: bool) -> tuple[float, bool]:
        """``admit``, and whether the app-wide budget is what a refused turn waits for."""
        with self._lock:
            now = self._clock()
            at = self._unit.earliest(unit, now)
            app_bound = False
            if self._app is not None:
                app_at = self._app.earliest(self.EVERYTHING, now)
                app_bound = app_at > now and app_at >= at
                at = max(at, app_at)
                if at <= now and not urgent and self._urgent_waiting:
                    return LATER_SECONDS, True  # the free turn is for a waiting reply
            if at > now:
                return at - now, app_bound
            if self._app is not None:
                self._app.take(self.EVERYTHING, now, now)
            self._unit.take(unit, now, now)
            return 0.0, False

    def hold(self, unit: str, seconds: float, *, everything: bool = False) -> None:
        """The platform asked for a pause: no slot for ``unit`` (for any unit, when
        ``everything``) before ``seconds`` from now."""
        with self._lock:
            until = self._clock() + seconds
            self._unit.hold(unit, until)
            if everything and self._app is not None:
                self._app.hold(self.EVERYTHING, until + self._app.tolerance)

    async def wait(self, unit: str, *, urgent: bool = True) -> None:
        """Until the caller may post into ``unit``; it posts at once. When the app-wide budget is
        spent, the turns that come free go to ``urgent`` callers first (replies), then to the
        others (signs of work: a "Reviewing…" card worth less than a review)."""
        if self._in_order:
            delay = self.reserve(unit)
            if delay > 0:
                await asyncio.sleep(delay)
            return
        counted = False
        try:
            while True:
                delay, app_bound = self._admit(unit, urgent)
                if delay <= 0:
                    return
                if urgent and app_bound and not counted:
                    counted = True
                    with self._lock:
                        self._urgent_waiting += 1
                await asyncio.sleep(delay)
        finally:
            if counted:
                with self._lock:
                    self._urgent_waiting -= 1


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
        self.pacer = Pacer(transport.channel_limit, app=transport.app_limit)

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
        unit = self.transport.pace_key(channel, thread=thread)

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
            await self.pacer.wait(unit)
            # From here a failure may have reached the platform: look before the next try.
            unsure = True
            return await self.transport.post_in_thread(channel, thread, outcome, key=key)

        return await self._retrying(unit, window, attempt)

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

        unit = self.transport.pace_key(channel, message=message)

        async def attempt() -> None:
            await self.pacer.wait(unit)
            await self.transport.update_message(channel, message, outcome)

        await self._retrying(unit, self.policy.window, attempt)

    async def _retrying(self, unit: str, window: float, attempt: Callable[[], Awaitable[T]]) -> T:
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
                    self.pacer.hold(unit, asked, everything=self.transport.over_app_limit(exc))
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
