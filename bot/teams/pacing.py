"""Teams' per-thread rate limits, kept before the Bot Connector has to answer 429.

Teams limits what one bot sends to one conversation (a chat, or a channel thread): 7 messages
a second, 8 in 2 seconds, 60 in 30 seconds, 1,800 in an hour. :class:`ThreadPacer` delays a
send until every window has room; the 429 retries (``bot.teams.retry``) remain for what still
gets through (other instances of the bot, Teams' own changes).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

#: (seconds, messages) per conversation, as Teams documents them for bots.
TEAMS_THREAD_LIMITS: tuple[tuple[float, int], ...] = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


class ThreadPacer:
    """Holds back, per conversation, a send until it fits every ``(seconds, messages)`` window.

    A send counts from when it is let through until it completes (``async with
    pacer.slot(id)``): Teams counts arrivals, and a request may take a while to arrive (the
    first one of a process waits for the bot's token), so the pace is kept from the later time.
    """

    def __init__(
        self,
        limits: Sequence[tuple[float, int]] = TEAMS_THREAD_LIMITS,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_conversations: int = 10_000,
    ) -> None:
        self.limits = tuple(limits)
        self._longest = max((seconds for seconds, _ in self.limits), default=0.0)
        self._keep = max((count for _, count in self.limits), default=0)
        self._clock = clock
        self._sleep = sleep
        self._max = max_conversations
        # per conversation: [time] of each recent send, updated when the send completes
        self._sent: dict[str, deque[list[float]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def slot(self, conversation_id: str) -> AsyncIterator[float]:
        """Wait until one more send to ``conversation_id`` fits (yielding the seconds waited);
        the send is made inside the block."""
        entry, waited = await self._reserve(conversation_id)
        try:
            yield waited
        finally:
            entry[0] = max(entry[0], self._clock())

    async def wait(self, conversation_id: str) -> float:
        """Count a send made now, once it fits; the seconds waited."""
        async with self.slot(conversation_id) as waited:
            return waited

    async def _reserve(self, conversation_id: str) -> tuple[list[float], float]:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        waited = 0.0
        async with lock:
            sent = self._sent.setdefault(conversation_id, deque())
            while (delay := self._delay(sent, self._clock())) > 0:
                await self._sleep(delay)
                waited += delay
            entry = [self._clock()]
            sent.append(entry)
            if len(sent) > self._keep:
                sent.popleft()
        self._forget_idle()
        return entry, waited

    def _delay(self, sent: deque[list[float]], now: float) -> float:
        while sent and now - sent[0][0] >= self._longest:
            sent.popleft()
        times = sorted(entry[0] for entry in sent)
        delay = 0.0
        for seconds, count in self.limits:
            if len(times) >= count:
                # The send `count` back must have left the window before one more fits.
                delay = max(delay, times[-count] + seconds - now)
        return delay

    def _forget_idle(self) -> None:
        # Bounded memory: conversations idle for the longest window hold nothing worth keeping.
        if len(self._sent) <= self._max:
            return
        now = self._clock()
        for key in [k for k, v in self._sent.items() if not v or now - v[-1][0] >= self._longest]:
            lock = self._locks.get(key)
            if lock is None or not lock.locked():
                self._sent.pop(key, None)
                self._locks.pop(key, None)
