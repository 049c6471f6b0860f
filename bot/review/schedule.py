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

One schedule belongs to one event loop (the review loop).
"""

from __future__ import annotations

import asyncio
import contextlib

#: The longest that work which can wait is held back for LLM requests still to leave.
MAX_WAIT_SECONDS = 0.5


class Ticket:
    """One draft on its way to its LLM request; :meth:`sent` once it left (idempotent)."""

    __slots__ = ("_schedule", "open")

    def __init__(self, schedule: Schedule) -> None:
        self._schedule = schedule
        self.open = True

    def sent(self) -> None:
        if self.open:
            self.open = False
            self._schedule._closed()


class Schedule:
    def __init__(self) -> None:
        self._open = 0
        self._out: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def waiting(self) -> int:
        """Drafts whose LLM request has not left yet."""
        return self._open

    def arriving(self) -> Ticket:
        """A draft arrived: its LLM request goes before the work that waits on ``requests_out``."""
        self._open += 1
        if self._out is not None:
            self._out.clear()
        return Ticket(self)

    def _closed(self) -> None:
        self._open -= 1
        if self._open == 0 and self._out is not None:
            self._out.set()

    async def requests_out(self, max_wait: float = MAX_WAIT_SECONDS) -> None:
        """Return once every arrived draft's LLM request has left, or after ``max_wait`` seconds."""
        if self._open == 0:
            return
        loop = asyncio.get_running_loop()
        if self._out is None or self._loop is not loop:  # a service may outlive a loop (the CLI, tests)
            self._out, self._loop = asyncio.Event(), loop
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._out.wait(), max_wait)
