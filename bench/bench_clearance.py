""" "Cleared to post" benchmark: how fast a click is acked, and how long until the review shows
who cleared it, with many clicks at once.

The real app (uvicorn on 127.0.0.1, in this process), the fake Slack Web API and a SQLite store;
drafts are reviewed offline first, then every review gets one click at the same moment (half of
them on reviews a second approver clicks too), sent as Slack-signed requests.

    .venv/bin/python bench/bench_clearance.py               # 100 reviews
    .venv/bin/python bench/bench_clearance.py --reviews 300

Targets: ack p99 well under Slack's 3 s; each click's update within a second at 100 at once.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.slack import ids  # noqa: E402
from tests.fakes.slack_api import TEAM_ID  # noqa: E402
from tests.slack_harness import REVIEW_CHANNEL, Harness, message_event, running_app  # noqa: E402

DRAFT = "We can see you reading this at 3am, all {n} of you. Go to bed!"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def click(h: Harness, user: str, review_id: str) -> float:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user},
        "channel": {"id": REVIEW_CHANNEL},
        "trigger_id": f"trigger.{user}",
        "container": {"type": "message"},
        "response_url": h.fake.response_url(user),
        "actions": [
            {"action_id": ids.CLEAR_ACTION_ID, "value": review_id, "type": "button", "action_ts": "1"}
        ],
    }
    start = time.monotonic()
    status, _ = await h.post_interaction(payload)
    assert status == 200
    return time.monotonic() - start


async def run(reviews: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_app(Path(tmp)) as h:
            events = [message_event(DRAFT.format(n=n)) for n in range(reviews)]
            await asyncio.gather(*(h.post_event(e) for e in events))
            await h.settle(120)
            recs = [await h.store.latest_for_draft(REVIEW_CHANNEL, e["ts"]) for e in events]
            targets = [(r.review_id, r.reply_ts) for r in recs if r is not None and r.reply_ts]
            assert len(targets) == reviews, "every draft was reviewed"
            h.fake.reset_calls()

            started = time.monotonic()
            clicks = [click(h, f"U0APPROVE{i:03d}", rid) for i, (rid, _) in enumerate(targets)]
            clicks += [click(h, f"U0SECOND{i:04d}", rid) for i, (rid, _) in enumerate(targets[::2])]
            acks = await asyncio.gather(*clicks)
            await h.settle(120)
            updates = {c.params["ts"]: c.at - started for c in h.fake.ok_calls_to("chat.update")}
            told = len(h.fake.calls_to("response_url"))
            cleared = [await h.store.clearance(rid) for rid, _ in targets]

    shown = [updates[ts] for _, ts in targets if ts in updates]
    print(f"reviews: {reviews}, clicks: {len(acks)} at once ({len(targets[::2])} reviews clicked twice)")
    print(f"ack: median {statistics.median(acks) * 1000:.0f} ms, p99 {pct(acks, 0.99) * 1000:.0f} ms")
    print(
        f"click to review updated: median {statistics.median(shown) * 1000:.0f} ms, "
        f"p99 {pct(shown, 0.99) * 1000:.0f} ms, max {max(shown) * 1000:.0f} ms"
    )
    print(
        f"updates: {len(updates)}; clearances recorded: {sum(c is not None for c in cleared)}; "
        f"second clickers told who was first: {told}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(run(args.reviews))


if __name__ == "__main__":
    main()
