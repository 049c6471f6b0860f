"""How long the serving event loop stalls while the Teams SDK fetches token signing keys.

The SDK validates each request's JWT with PyJWT's PyJWKClient, which fetches the keys with a
blocking urllib call on the event loop (first request, then every 5 minutes, and on an unknown
key id). This measures the longest pause of a 5 ms ticker on that loop while one Teams request
is validated, with the key server answering after a given delay.

Run: .venv/bin/python bench/bench_teams_key_fetch.py [--delays 0,0.2,1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.teams_harness import channel_post, identity, running_teams


async def _longest_pause(stop: asyncio.Event) -> float:
    worst = 0.0
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - before - 0.005)
    return worst


async def measure(delay: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder, identity(Path(folder)) as ident:
        ident.keys.keys_delay = delay
        async with running_teams(ident, lambda teams: None) as h:
            stop = asyncio.Event()
            probe = asyncio.create_task(_longest_pause(stop))
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            status, _ = await h.post(channel_post(ident.connector, "draft"))
            took = time.perf_counter() - started
            stop.set()
            pause = await probe
            assert status == 200, status
    return pause, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", default="0,0.2,1.0", help="key server delays in seconds")
    args = parser.parse_args()
    print(f"{'key server delay':>18} {'longest loop pause':>20} {'request took':>14}")
    for delay in (float(d) for d in args.delays.split(",")):
        pause, took = asyncio.run(measure(delay))
        print(f"{delay:>17.2f}s {pause * 1000:>18.1f}ms {took * 1000:>12.1f}ms")


if __name__ == "__main__":
    main()
