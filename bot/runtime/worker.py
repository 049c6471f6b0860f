"""A second event loop, on its own thread, where reviews run.

Slack wants an ack within 3 seconds, and a burst of drafts means a burst of CPU work (the
offline checker, the LLM request and answer, Block Kit rendering) in many small chunks. On one
loop, a new request waits for every chunk ahead of it; with reviews on this loop instead, the
loop that acks gets the interpreter every few milliseconds, whatever the reviews are doing.
Reviews still run concurrently with each other: this is one more loop, not a queue. In HTTP
mode Bolt's dispatch of Events API deliveries runs here as well (``bot.slack.early_ack``), so
the loop that acks does little more than HTTP.

Checked with bench/bench_slack.py (100 drafts at once, L = 2 s): the hand-offs between the
two threads cost little; everything on one loop was slower (1.38-1.42 x L against 1.24-1.33 x L)
and its acks waited behind reviews.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

class BackgroundLoop:
    """``start()``, then ``submit(coro)`` from any thread; ``stop()`` when done."""

    def __init__(self, name: str = "redteam-reviews") -> None:
        self.name = name
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._ready = threading.Event()
        self.pending: set[concurrent.futures.Future[Any]] = set()
        self._lock = threading.Lock()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def start(self) -> BackgroundLoop:
        self._thread.start()
        self._ready.wait()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coro`` on this loop; the future is tracked until done (see ``drain``)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        with self._lock:
            self.pending.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self.pending.discard(future)
        if not future.cancelled() and future.exception() is not None:
            exc = future.exception()
            assert exc is not None
            log.error("background work failed: %s", type(exc).__name__)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on this loop and wait for it (from another thread, never from this one)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def drain(self, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for submitted work; returns how much did not finish."""
        with self._lock:
            pending = list(self.pending)
        if not pending:
            return 0
        _done, still = await asyncio.wait([asyncio.wrap_future(f) for f in pending], timeout=timeout)
        return len(still)

    def stop(self) -> None:
        """Cancel what is still running (callers drain first), then end the thread."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError, concurrent.futures.TimeoutError):
                self.run(_cancel_all(), timeout=5)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
        self.loop.close()


async def _cancel_all() -> None:
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
