"""Which work goes first when many drafts arrive together.

A review waits on the LLM for seconds; everything else it does takes milliseconds of CPU. So when
100 drafts arrive in the same instant, the last review lands soonest when every draft's LLM
request leaves first, and the rest (signs of work such as a "Reviewing…" card, the merge, the
rendering and delivery of answers that are already in) runs while the requests are out. Run in
arrival order instead, the requests leave all together at the end of everyone's work, their
answers come back together and queue again for the rest.

``Schedule`` counts the drafts whose LLM request has not left yet. A draft takes a
:class:`Ticket` when it arrives and gives it back when its request leaves (or when it needs none);
work that can wait awaits :meth:`Schedule.requests_out`, which returns once no ticket is open,
or after ``max_wait`` seconds so a steady stream of drafts never holds it back for long.

The requests themselves leave in arrival order, one after the other (:meth:`Ticket.turn`: a
draft starts building its request once the draft before it has sent its own). Built side by
side, every request would be sent only once all were built (the HTTP client writes a request's
body in a task of its own, queued behind the other drafts' work), so their answers would come
back together too, and queue again for the rest of the work; one after the other, the first
leave at once and the answers come back spread out, each handled as it comes.

One schedule belongs to one event loop (the review loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

#: The longest that work which can wait is held back for LLM requests still to leave.
MAX_WAIT_SECONDS = 0.5


class Ticket:
    """One draft on its way to its LLM request; :meth:`sent` once it left (idempotent)."""

    __slots__ = ("_gone", "_schedule", "ahead", "arrived", "open")

    def __init__(self, schedule: Schedule, ahead: Ticket | None) -> None:
        self._schedule = schedule
        self.open = True
        #: The draft that arrived just before, while its request has not left.
        self.ahead = ahead
        self._gone: asyncio.Future[None] | None = None
        #: When the draft arrived (time.monotonic()): waits are bounded from then.
        self.arrived = time.monotonic()

    def sent(self) -> None:
        if self.open:
            self.open = False
            self.ahead = None
            if self._gone is not None and not self._gone.done():
                self._gone.set_result(None)
            self._schedule._closed()

    async def turn(self, max_wait: float = MAX_WAIT_SECONDS) -> None:
        """Return once the draft that arrived before this one has sent its request (or needs
        none), or after ``max_wait`` seconds."""
        ahead = self.ahead
        if ahead is None or not ahead.open:
            return
        loop = asyncio.get_running_loop()
        if ahead._gone is None or ahead._gone.get_loop() is not loop:
            ahead._gone = loop.create_future()
        await asyncio.wait({ahead._gone}, timeout=max_wait)


class Schedule:
    def __init__(self) -> None:
        self._open = 0
        self._out: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last: Ticket | None = None

    @property
    def waiting(self) -> int:
        """Drafts whose LLM request has not left yet."""
        return self._open

    def arriving(self) -> Ticket:
        """A draft arrived: its LLM request goes before the work that waits on ``requests_out``."""
        self._open += 1
        if self._out is not None:
            self._out.clear()
        last = self._last
        self._last = Ticket(self, last if last is not None and last.open else None)
        return self._last

    def _closed(self) -> None:
        self._open -= 1
        if self._open == 0 and self._out is not None:
            self._out.set()

    async def requests_out(self, max_wait: float = MAX_WAIT_SECONDS, *, since: Ticket | None = None) -> None:
        """Return once every arrived draft's LLM request has left, or after ``max_wait`` seconds
        (counted from ``since``'s arrival when given)."""
        if since is not None:
            max_wait -= time.monotonic() - since.arrived
        if self._open == 0 or max_wait <= 0:
            return
        loop = asyncio.get_running_loop()
        if self._out is None or self._loop is not loop:  # a service may outlive a loop (the CLI, tests)
            self._out, self._loop = asyncio.Event(), loop
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._out.wait(), max_wait)
