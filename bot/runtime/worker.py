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

Hand-offs are batched: ``submit`` queues the work and wakes this loop only when nothing is
queued yet. Waking it is a write to its self-pipe, a system call that lets go of the interpreter
lock; with reviews running on this thread, getting the lock back took the acking thread up to
a switch interval (5 ms) per event, and a third of its time under load (py-spy, see
docs/performance.md). Work queued while a wake-up is pending rides along with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
from collections import deque
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
        #: Work submitted and not yet started on this loop; a wake-up is pending while non-empty.
        self._inbox: deque[tuple[Coroutine[Any, Any, Any], concurrent.futures.Future[Any]]] = deque()

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
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            self.pending.add(future)
            wake = not self._inbox
            self._inbox.append((coro, future))
        future.add_done_callback(self._done)
        if wake:
            try:
                self.loop.call_soon_threadsafe(self._start_queued)
            except RuntimeError:  # the loop is closed: nothing will run it
                with self._lock:
                    self._inbox.clear()
                coro.close()
                future.cancel()
        return future

    def _start_queued(self) -> None:
        with self._lock:
            queued = list(self._inbox)
            self._inbox.clear()
        for coro, future in queued:
            self._start(coro, future)

    def _start(self, coro: Coroutine[Any, Any, Any], future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled():
            coro.close()
            return
        task = self.loop.create_task(coro)

        def settle(task: asyncio.Task[Any]) -> None:
            if task.cancelled():
                future.cancel()
            if not future.set_running_or_notify_cancel():
                return
            exc = task.exception()
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(task.result())

        def cancel_task(done: concurrent.futures.Future[Any]) -> None:
            if done.cancelled() and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(task.cancel)

        task.add_done_callback(settle)
        future.add_done_callback(cancel_task)

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
