"""The review loop's hand-offs: work submitted from the acking thread while the review loop is
busy wakes it once, not once per event (each wake-up costs the acking thread the interpreter
lock), and every piece of work still runs, reports its result and can be cancelled."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from bot.runtime.worker import BackgroundLoop


@pytest.fixture
def worker() -> Iterator[BackgroundLoop]:
    loop = BackgroundLoop("loop-under-test").start()
    try:
        yield loop
    finally:
        loop.stop()


def count_wakeups(worker: BackgroundLoop) -> list[int]:
    wakeups = [0]
    original = worker.loop.call_soon_threadsafe

    def counting(*args: Any, **kwargs: Any) -> Any:
        wakeups[0] += 1
        return original(*args, **kwargs)

    worker.loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
    return wakeups


async def echo(value: int) -> int:
    await asyncio.sleep(0)
    return value


def test_a_burst_submitted_while_the_loop_is_busy_wakes_it_once(worker: BackgroundLoop) -> None:
    release = threading.Event()
    blocker_started = threading.Event()

    async def block() -> None:
        blocker_started.set()
        release.wait(5)  # the loop itself is stuck, as under a review's CPU-bound work

    worker.submit(block())
    assert blocker_started.wait(5)
    wakeups = count_wakeups(worker)
    futures = [worker.submit(echo(i)) for i in range(50)]
    release.set()
    assert [f.result(timeout=5) for f in futures] == list(range(50))
    assert wakeups[0] == 1


def test_results_errors_and_cancellation_reach_the_caller(worker: BackgroundLoop) -> None:
    async def fail() -> None:
        raise ValueError("boom")

    assert worker.submit(echo(7)).result(timeout=5) == 7
    with pytest.raises(ValueError):
        worker.submit(fail()).result(timeout=5)

    started = threading.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(60)

    future = worker.submit(forever())
    assert started.wait(5)
    assert future.cancel()  # not started on the caller's side: its task is cancelled
    with pytest.raises(concurrent.futures.CancelledError):
        future.result(timeout=5)

    async def tasks_besides_this_one() -> int:
        # The cancellation crosses threads: given a moment, the forever task is gone.
        for _ in range(500):
            others = asyncio.all_tasks() - {asyncio.current_task()}
            if not others:
                break
            await asyncio.sleep(0.01)
        return len(others)

    assert worker.run(tasks_besides_this_one(), timeout=10) == 0


async def test_drain_waits_for_submitted_work(worker: BackgroundLoop) -> None:
    done: list[int] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        done.append(1)

    for _ in range(5):
        worker.submit(slow())
    assert await worker.drain(5) == 0
    assert done == [1] * 5
