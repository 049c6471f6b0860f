"""What the front-end benchmarks share: a free port, a process's CPU time, a percentile."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU used so far by a process and its live children (an app serving in worker processes)."""
    total = cpu_seconds(pid)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(cpu_seconds(int(child)) for child in children)


def pct(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def post_evenly(
    items: Sequence[T], gap: float, post: Callable[[T], Coroutine[Any, Any, float]]
) -> tuple[list[float], list[float]]:
    """Post ``items`` one every ``gap`` seconds, each without waiting for the last to be answered
    (drafts arriving evenly: ``gap`` = L / n keeps about n in flight, by Little's law). Returns
    when each was sent (monotonic time) and each one's answer time, in order."""
    sent: list[float] = []
    posting: list[asyncio.Task[float]] = []
    started = time.monotonic()
    for i, item in enumerate(items):
        delay = started + i * gap - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(time.monotonic())
        posting.append(asyncio.create_task(post(item)))
    return sent, list(await asyncio.gather(*posting))
