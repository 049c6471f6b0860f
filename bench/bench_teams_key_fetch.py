"""How long the serving event loop pauses while Teams requests are authenticated.

The Teams SDK validates each request's JWT with PyJWT's PyJWKClient, whose key fetch is a
blocking urllib call on the event loop: on the first request, every 5 minutes, and for each
token naming an unknown key id. bot/teams/signing_keys.py moves the fetches to a thread. This
measures the longest pause of a 5 ms ticker on the serving loop while (a) one valid request is
validated and (b) 20 tokens with made-up key ids arrive, with the key server answering after a
given delay. ``--sdk-keys`` measures the SDK's own key client instead, for comparison.

Run: .venv/bin/python bench/bench_teams_key_fetch.py [--delays 0,0.2,1.0] [--sdk-keys]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bot.teams.app
from tests.teams_harness import channel_post, identity, running_teams


async def _longest_pause(stop: asyncio.Event) -> float:
    worst = 0.0
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.005)
        worst = max(worst, time.perf_counter() - before - 0.005)
    return worst


async def _paused_while(action: Callable[[], Awaitable[object]]) -> float:
    stop = asyncio.Event()
    probe = asyncio.create_task(_longest_pause(stop))
    await asyncio.sleep(0.05)
    await action()
    stop.set()
    return await probe


async def measure(delay: float) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder, identity(Path(folder)) as ident:
        ident.keys.keys_delay = delay
        async with running_teams(ident, lambda teams: None) as h:
            async def valid() -> None:
                status, _ = await h.post(channel_post(ident.connector, "draft"))
                assert status == 200, status

            async def unknown_kids() -> None:
                for _ in range(20):
                    status, _ = await h.post(channel_post(ident.connector, "x"),
                                             token=ident.token(kid=uuid.uuid4().hex))
                    assert status == 401, status

            return await _paused_while(valid), await _paused_while(unknown_kids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delays", default="0,0.2,1.0", help="key server delays in seconds")
    parser.add_argument("--sdk-keys", action="store_true", help="use the SDK's own key client")
    args = parser.parse_args()
    if args.sdk_keys:
        # The app then keeps the SDK's own key client: the name it calls is replaced for this run.
        vars(bot.teams.app)["install"] = lambda server: None
    print(f"{'key server delay':>18} {'pause, 1 valid request':>24} {'pause, 20 unknown kids':>24}")
    for delay in (float(d) for d in args.delays.split(",")):
        valid, unknown = asyncio.run(measure(delay))
        print(f"{delay:>17.2f}s {valid * 1000:>22.1f}ms {unknown * 1000:>22.1f}ms")


if __name__ == "__main__":
    main()
