"""A burst of drafts into one Slack channel, against Slack's per-channel pace for posts.

The real app (``bot.server`` under uvicorn, offline reviews) and the fake Slack Web API run in
this process on 127.0.0.1; the fake answers posts beyond its token bucket (``--rate`` posts a
second, ``--burst`` at once) with 429 and ``Retry-After``, as Slack does. All drafts are sent
at once as signed events; the benchmark waits until every thread has its reply and reports the
time to the last one, and whether every thread got exactly one review.

    .venv/bin/python bench/bench_burst.py                      # 200 drafts, Slack's 1 post/s
    .venv/bin/python bench/bench_burst.py --drafts 40 --rate 4 --burst 2
    .venv/bin/python bench/bench_burst.py --unpaced            # the app posts as fast as it can

The time to the last review is bounded below by ``drafts / rate``: the pace is Slack's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.slack_harness import OTHER_CHANNEL, REVIEW_CHANNEL, message_event, running_app  # noqa: E402

DRAFT = "To the {n} people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"


def replies(fake: FakeSlackAPI, threads: set[str]) -> list[dict[str, Any]]:
    """The bot's messages stored in ``threads``."""
    return [m for m in list(fake.messages) if m.get("bot_id") and m.get("thread_ts") in threads]


async def burst(drafts: int, rate: float, burst_size: int, paced: bool) -> int:
    fake = FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review", OTHER_CHANNEL: "general"}).start()
    fake.limit_posts_per_channel(rate, burst=burst_size)
    # Unpaced: the app believes it may post 1,000 a second and learns the pace from 429s alone.
    app_rate, app_burst = (rate, burst_size) if paced else (1000.0, 1000)
    with tempfile.TemporaryDirectory() as tmp:
        async with running_app(
            Path(tmp),
            fake=fake,
            slack_posts_per_second=app_rate,
            slack_post_burst=app_burst,
        ) as slack:
            events = [message_event(DRAFT.format(n=i + 1)) for i in range(drafts)]
            started = time.monotonic()
            statuses = await asyncio.gather(*(slack.post_event(e) for e in events))
            acked = time.monotonic() - started
            threads = {e["ts"] for e in events}
            while True:
                done = {m["thread_ts"] for m in replies(fake, threads)}
                if done == threads:
                    break
                if time.monotonic() - started > 30 + 5 * drafts / rate:
                    break
                await asyncio.sleep(0.05)
            last = time.monotonic() - started
            await slack.settle(timeout=60)
            await asyncio.sleep(2.0)  # a late copy would land now
            per_thread = Counter(m["thread_ts"] for m in replies(fake, threads))
            notices = sum(1 for m in replies(fake, threads) if m["text"].startswith("Sorry"))
            limited = sum(1 for c in fake.calls_to("chat.postMessage") if c.status == 429)
    fake.stop()
    once = sum(1 for t in threads if per_thread[t] == 1)
    print(f"drafts: {drafts}; Slack's pace modelled: {rate:g} posts/s per channel, burst {burst_size}")
    all_acked = all(s == 200 for s, _ in statuses)
    print(f"app paced: {'yes' if paced else 'no (429s only)'}; all acked 200: {all_acked}")
    print(f"acks for the whole burst: {acked:.2f} s")
    floor = max(0, drafts - burst_size) / rate
    print(f"time to the last reply: {last:.1f} s (the pace alone needs {floor:.1f} s)")
    missing = drafts - len(per_thread)
    print(f"threads with exactly one reply: {once}/{drafts}; with none: {missing}; notices: {notices}")
    print(f"posts answered 429: {limited}")
    return 0 if once == drafts and notices == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1.0, help="posts per second per channel (Slack: ~1)")
    parser.add_argument("--burst", type=int, default=3)
    parser.add_argument("--unpaced", action="store_true", help="the app does not pace itself")
    args = parser.parse_args()
    return asyncio.run(burst(args.drafts, args.rate, args.burst, not args.unpaced))


if __name__ == "__main__":
    sys.exit(main())
