"""Slack front end benchmark: ack latency, and draft-to-review time against a fixed-latency LLM.

The real ASGI app (``bot.server``) runs under uvicorn in its own process on 127.0.0.1, pointed at
the fake Slack Web API and the fake OpenAI-compatible server (every chat completion waits L
seconds), both running in this process. Requests are Slack-signed, as in production.

    .venv/bin/python bench/bench_slack.py                 # L = 0.5 s, 1,000 acks at 50 concurrent
    .venv/bin/python bench/bench_slack.py --latency 1 --acks 2000 --drafts 100

Targets: ack p99 <= 50 ms; 100 drafts in flight reviewed within 1.1 x L.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.slack_harness import REVIEW_CHANNEL, SECRET, event_envelope, message_event, sign  # noqa: E402

DRAFT = "To the {n} people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.slack = FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review"}).start()
        self.llm = FakeOpenAI().start()
        self.counter = 0
        self.url = ""

    def next_draft(self) -> dict[str, object]:
        self.counter += 1
        # distinct texts: the service's answer cache must not shortcut the LLM
        return message_event(DRAFT.format(n=1000 + self.counter), ts=f"1750000000.{self.counter:06d}")

    def review_posted_at(self, ts: str) -> float | None:
        for call in self.slack.ok_calls_to("chat.postMessage"):
            if call.params.get("thread_ts") == ts:
                return call.at
        return None

    async def post(self, http: aiohttp.ClientSession, event: dict[str, object]) -> float:
        body = json.dumps(event_envelope(event)).encode()
        headers = {"Content-Type": "application/json", **sign(body)}
        start = time.perf_counter()
        async with http.post(self.url, data=body, headers=headers) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return time.perf_counter() - start

    async def wait_reviews(self, ts_list: list[str], timeout: float) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while True:
            done = {ts: at for ts in ts_list if (at := self.review_posted_at(ts)) is not None}
            if len(done) == len(ts_list) or time.monotonic() > deadline:
                return done
            await asyncio.sleep(0.005)

    async def run(self) -> None:
        a = self.args
        for _ in range(a.acks + a.drafts + a.single + 50):
            self.llm.enqueue(hang=a.latency)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/slack/events"
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": self.slack.base_url,
                "OPENAI_BASE_URL": self.llm.base_url,
                "OPENAI_API_KEY": "sk-bench",
                "REDTEAM_MODEL": self.llm.model,
                "REDTEAM_LLM_TIMEOUT_SECONDS": str(a.latency * 10 + 5),
                "REDTEAM_DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "REDTEAM_REVIEW_CHANNELS": "social-review",
                "REDTEAM_LOG_LEVEL": "WARNING",
            }
            # cwd=tmp: no developer .env leaks into the run
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve", str(port)],
                                    env=env, cwd=tmp)
            try:
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                    await self.wait_ready(http, port, proc)
                    await self.measure(http)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        self.slack.stop()
        self.llm.close()

    async def wait_ready(self, http: aiohttp.ClientSession, port: int, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("the app exited at startup")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise SystemExit("the app did not start within 30 s")

    async def measure(self, http: aiohttp.ClientSession) -> None:
        a, L = self.args, self.args.latency
        # warm-up: auth.test, channel name lookup, connection pools, first LLM client
        warm = [self.next_draft() for _ in range(3)]
        await asyncio.gather(*(self.post(http, e) for e in warm))
        await self.wait_reviews([str(e["ts"]) for e in warm], 30)

        # 1. ack latency: a.acks drafts, a.concurrency requests at a time (each also starts a review)
        sem = asyncio.Semaphore(a.concurrency)
        events = [self.next_draft() for _ in range(a.acks)]

        async def one(event: dict[str, object]) -> float:
            async with sem:
                return await self.post(http, event)

        acks = await asyncio.gather(*(one(e) for e in events))
        done = await self.wait_reviews([str(e["ts"]) for e in events], 60 + a.acks * 0.05)
        acks_ms = [x * 1000 for x in acks]

        # 2. one draft in flight at a time
        singles: list[float] = []
        for _ in range(a.single):
            event = self.next_draft()
            t0 = time.monotonic()
            await self.post(http, event)
            at = (await self.wait_reviews([str(event["ts"])], 30)).get(str(event["ts"]))
            if at is not None:
                singles.append(at - t0)

        # 3. a.drafts drafts posted together
        burst = [self.next_draft() for _ in range(a.drafts)]
        sent: dict[str, float] = {}

        async def send(event: dict[str, object]) -> None:
            sent[str(event["ts"])] = time.monotonic()
            await self.post(http, event)

        t0 = time.monotonic()
        await asyncio.gather(*(send(e) for e in burst))
        posted = await self.wait_reviews(list(sent), 60)
        per_draft = [posted[ts] - sent[ts] for ts in posted]
        all_done = max(posted.values()) - t0 if posted else float("nan")

        print(f"\nSlack front end, fake LLM latency L = {L:.2f} s, Python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs")
        print(f"{'measure':<52} {'value':>12}  target")
        print(f"{'ack latency p50 (' + str(a.acks) + ' signed events, ' + str(a.concurrency) + ' concurrent)':<52} "
              f"{pct(acks_ms, 50):>9.1f} ms")
        print(f"{'ack latency p99':<52} {pct(acks_ms, 99):>9.1f} ms  <= 50 ms")
        print(f"{'ack latency max':<52} {max(acks_ms):>9.1f} ms")
        print(f"{'reviews posted for those events':<52} {len(done):>6}/{len(events)}")
        if singles:
            print(f"{'draft -> review, 1 in flight (median of ' + str(len(singles)) + ')':<52} "
                  f"{statistics.median(singles) / L:>10.2f} x L")
        print(f"{'draft -> review, ' + str(a.drafts) + ' in flight: p50':<52} {pct(per_draft, 50) / L:>10.2f} x L")
        print(f"{'draft -> review, ' + str(a.drafts) + ' in flight: max':<52} {max(per_draft) / L:>10.2f} x L"
              "  <= 1.1 x L")
        print(f"{'all ' + str(a.drafts) + ' reviewed, from first post':<52} {all_done / L:>10.2f} x L")
        print(f"{'reviews posted':<52} {len(posted):>6}/{len(burst)}")
        print(f"{'most LLM calls in flight at once':<52} {self.llm.max_in_flight:>9}")


def serve(port: int) -> None:
    import logging

    from bot.server import serve as serve_app
    from bot.settings import Settings

    logging.basicConfig(level=logging.WARNING)
    serve_app(Settings(), "127.0.0.1", port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.5, help="fake LLM latency L in seconds (0.5)")
    parser.add_argument("--acks", type=int, default=1000, help="signed events for the ack measurement (1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent requests for acks (50)")
    parser.add_argument("--drafts", type=int, default=100, help="drafts posted together (100)")
    parser.add_argument("--single", type=int, default=5, help="single-draft runs (5)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the app process
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    asyncio.run(Bench(args).run())


if __name__ == "__main__":
    main()
