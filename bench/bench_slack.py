"""Slack front end benchmark: ack latency, and draft-to-review time against a fixed-latency LLM.

Three processes on 127.0.0.1: the real ASGI app (``bot.server`` under uvicorn, in N worker
processes with ``--workers N``); the fake Slack Web API (which answers posts beyond Slack's pace
for one channel, 1 a second with short bursts, with 429 and ``Retry-After``) and the fake
OpenAI-compatible server (every chat completion waits L seconds); and this one, which sends
Slack-signed requests as Slack would and reads back what the app posted.

    .venv/bin/python bench/bench_slack.py                 # L = 0.5 s, 1,000 acks at 50 concurrent
    .venv/bin/python bench/bench_slack.py --latency 1 --acks 2000 --drafts 100
    .venv/bin/python bench/bench_slack.py --latency 5 --workers 2

Targets: ack p99 <= 50 ms; 100 drafts in flight reviewed within 1.1 x L. Slack takes about one
post a second into one channel, so "100 in flight" are drafts in ``--channels`` review channels
(100 by default: many teams at once). A burst into one channel is reported on its own, against
the floor Slack's pace sets: L, then ``--one-channel`` posts at the app's pace.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measuring import cpu_seconds, free_port, pct, post_evenly  # noqa: E402

from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.fakes.slack_api import FakeSlackAPI  # noqa: E402
from tests.slack_harness import OTHER_CHANNEL, REVIEW_CHANNEL, SECRET, event_envelope, message_event, sign  # noqa: E402

DRAFT = "To the {n} people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"




def review_channel(i: int) -> str:
    """The id of the ``i``-th review channel the drafts in flight are spread over."""
    return f"C0REV{i:04d}"


def draft_ts(counter: int) -> str:
    return f"1750000000.{counter:06d}"




def descendants(pid: int) -> list[int]:
    """``pid``'s child processes, their children and so on (Linux /proc)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""




class Bench:
    def __init__(self, args: argparse.Namespace, fakes: dict[str, str]) -> None:
        self.args = args
        self.fakes = fakes
        self.counter = 0
        self.url = ""
        self.app_pid = 0
        self.app_pids: list[int] = []  # the app process and, with --workers, every process it started
        self.worker_pids: list[int] = []  # with --workers: uvicorn's worker processes
        self.posted: dict[str, float] = {}  # draft ts -> when its review reached the fake Slack
        self.seen_posts = 0  # chat.postMessage calls already read from the fake
        self.refused_posts = 0  # of those, answered 429 (beyond Slack's pace)
        self.channels = [review_channel(i) for i in range(args.channels)]

    def next_draft(self, channel: str = REVIEW_CHANNEL) -> dict[str, object]:
        self.counter += 1
        # distinct texts: the service's answer cache must not shortcut the LLM
        return message_event(DRAFT.format(n=1000 + self.counter), ts=draft_ts(self.counter), channel=channel)

    async def refresh_posted(self, http: aiohttp.ClientSession) -> None:
        params = {"method": "chat.postMessage", "since": str(self.seen_posts)}
        async with http.get(self.fakes["calls"], params=params) as resp:
            calls = await resp.json()
        self.seen_posts += len(calls)
        for call in calls:
            self.refused_posts += call["status"] == 429
            if call["ok"] and call["status"] == 200 and call["thread_ts"]:
                self.posted.setdefault(call["thread_ts"], call["at"])

    async def post(self, http: aiohttp.ClientSession, event: dict[str, object]) -> float:
        body = json.dumps(event_envelope(event)).encode()
        headers = {"Content-Type": "application/json", **sign(body)}
        start = time.perf_counter()
        async with http.post(self.url, data=body, headers=headers) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return time.perf_counter() - start

    async def wait_reviews(
        self, http: aiohttp.ClientSession, ts_list: list[str], timeout: float
    ) -> dict[str, float]:
        deadline = time.monotonic() + timeout
        while True:
            await self.refresh_posted(http)
            done = {ts: self.posted[ts] for ts in ts_list if ts in self.posted}
            if len(done) == len(ts_list) or time.monotonic() > deadline:
                return done
            await asyncio.sleep(0.02)

    async def run(self) -> None:
        a = self.args
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/slack/events"
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": self.fakes["slack"],
                "OPENAI_BASE_URL": self.fakes["llm"],
                "OPENAI_API_KEY": "sk-bench",
                "REDTEAM_MODEL": self.fakes["model"],
                "REDTEAM_LLM_TIMEOUT_SECONDS": str(a.latency * 10 + 5),
                "REDTEAM_DATABASE_URL": a.database_url or f"sqlite:///{tmp}/bench.sqlite3",
                # by id: no name lookups to warm up for the many channels
                "REDTEAM_REVIEW_CHANNELS": ",".join(["social-review", *self.channels]),
                "REDTEAM_LOG_LEVEL": "WARNING",
            }
            # cwd=tmp: no developer .env leaks into the run
            proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--serve", str(port),
                 "--workers", str(a.workers)],
                env=env,
                cwd=tmp,
            )
            try:
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                    self.app_pid = proc.pid
                    pinned = await self.wait_ready(port, proc)
                    self.app_pids = [proc.pid, *descendants(proc.pid)]
                    # multiprocessing's resource tracker is a child too, but serves nothing
                    self.worker_pids = [p for p in self.app_pids[1:] if b"spawn_main" in cmdline(p)]
                    try:
                        await self.warm_up(pinned, http)
                    finally:
                        for session in pinned:
                            await session.close()
                    # The load generator's own full collections would show up as slow acks.
                    gc.freeze()
                    await self.measure(http)
            finally:
                proc.terminate()
                proc.wait(timeout=30)

    async def wait_ready(self, port: int, proc: subprocess.Popen[bytes]) -> list[aiohttp.ClientSession]:
        """Until every worker answers /healthz; returns a session whose one connection goes to
        each worker (the kernel hands each new connection to one worker; /healthz says which)."""
        deadline = time.monotonic() + 60
        pinned: dict[int, aiohttp.ClientSession] = {}
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("the app exited at startup")
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
            pid = None
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        pid = int((await resp.json())["pid"])
            except aiohttp.ClientError:
                pass
            if pid is not None and pid not in pinned:
                pinned[pid] = session
            else:
                await session.close()
                await asyncio.sleep(0.02)
            if len(pinned) >= self.args.workers:
                return list(pinned.values())
        for session in pinned.values():
            await session.close()
        raise SystemExit(f"{len(pinned)} of {self.args.workers} workers started within 60 s")

    def app_cpu_seconds(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.app_pids)

    def cpu_snapshot(self) -> tuple[float, float, float]:
        """CPU seconds so far of the app (all its processes), the fakes and this load generator."""
        return self.app_cpu_seconds(), cpu_seconds(int(self.fakes["pid"])), time.process_time()

    def worker_cpu(self) -> list[float]:
        """CPU seconds so far of the supervisor and each worker (how the load split)."""
        return [cpu_seconds(pid) for pid in [self.app_pid, *self.worker_pids]]

    async def llm_phases(
        self, http: aiohttp.ClientSession, sent: dict[str, float], posted: dict[str, float]
    ) -> tuple[list[float], list[float]]:
        """Per draft: seconds from posting it to its LLM request arriving, and from the LLM's
        answer to the review reaching Slack (the app's work before and after the LLM call)."""
        async with http.get(self.fakes["llm_timings"]) as resp:
            timings = (await resp.json())["timings"]
        to_llm: list[float] = []
        after_llm: list[float] = []
        for t in timings:
            found = re.search(r"To the (\d+) people", t["draft"])
            if not found:
                continue
            ts = draft_ts(int(found.group(1)) - 1000)
            if ts in sent and ts in posted and t["answered"]:
                to_llm.append(t["arrived"] - sent[ts])
                after_llm.append(posted[ts] - t["answered"])
        return to_llm, after_llm

    async def warm_up(self, pinned: list[aiohttp.ClientSession], http: aiohttp.ClientSession) -> None:
        """In each worker: auth.test, channel name lookups, connection pools, the LLM client."""
        async def warm(session: aiohttp.ClientSession) -> list[str]:
            drafts = [self.next_draft() for _ in range(3)]
            for event in [*drafts, self.next_draft(OTHER_CHANNEL)]:
                await self.post(session, event)
            return [str(e["ts"]) for e in drafts]

        drafts = [ts for batch in await asyncio.gather(*(warm(s) for s in pinned)) for ts in batch]
        await self.wait_reviews(http, drafts, 30)

    async def measure(self, http: aiohttp.ClientSession) -> None:
        a, L = self.args, self.args.latency

        # 1. ack latency: a.acks drafts, a.concurrency requests at a time (each also starts a review)
        c = a.concurrency
        # Spread over the review channels, as drafts from many teams are: in one channel the
        # reviews would wait for Slack's pace (a post a second), long after this phase.
        events = [self.next_draft(self.channels[i % len(self.channels)]) for i in range(a.acks)]
        quiet = [self.next_draft(OTHER_CHANNEL) for _ in range(a.acks)]

        async def at_concurrency(batch: list[dict[str, object]]) -> list[float]:
            # c senders, each posting its next event as soon as the last one is acked. (A task per
            # event behind a semaphore would put the start-up of every waiting task into the
            # first requests' timings: 60-90 ms of the load generator's own work.)
            timings = [0.0] * len(batch)
            todo = iter(enumerate(batch))

            async def sender() -> None:
                for i, event in todo:
                    timings[i] = await self.post(http, event)

            await asyncio.gather(*(sender() for _ in range(c)))
            return timings

        # The first wave also opens c connections at once (c accepts, c handshakes on 2 cores):
        # reported on its own, as the cost of a cold burst, and kept out of the percentiles,
        # which measure the app answering on open (keep-alive) connections.
        opening = [self.next_draft(OTHER_CHANNEL) for _ in range(c)]
        cold_ms = [x * 1000 for x in await at_concurrency(opening)]
        # first events the app only acks (a channel that is not a review channel)...
        quiet_ms = [x * 1000 for x in await at_concurrency(quiet)]
        # ...then drafts, each acked and then reviewed while later requests arrive
        acks = await at_concurrency(events)
        done = await self.wait_reviews(http, [str(e["ts"]) for e in events], 60 + a.acks * 0.05)
        acks_ms = [x * 1000 for x in acks]

        # 2. one draft in flight at a time
        singles: list[float] = []
        for _ in range(a.single):
            event = self.next_draft()
            t0 = time.monotonic()
            await self.post(http, event)
            at = (await self.wait_reviews(http, [str(event["ts"])], 30)).get(str(event["ts"]))
            if at is not None:
                singles.append(at - t0)

        # 3. a.drafts drafts posted together (after a.extra_bursts unmeasured ones, for profiling)
        for _ in range(a.extra_bursts):
            extra = [self.next_draft() for _ in range(a.drafts)]
            await asyncio.gather(*(self.post(http, e) for e in extra))
            await self.wait_reviews(http, [str(e["ts"]) for e in extra], 60)
        burst = [self.next_draft(self.channels[i % len(self.channels)]) for i in range(a.drafts)]
        sent: dict[str, float] = {}

        async def send(event: dict[str, object]) -> None:
            sent[str(event["ts"])] = time.monotonic()
            await self.post(http, event)

        cpu0, split0 = self.cpu_snapshot(), self.worker_cpu()
        t0 = time.monotonic()
        await asyncio.gather(*(send(e) for e in burst))
        posted = await self.wait_reviews(http, list(sent), 60)
        cpu1, split1 = self.cpu_snapshot(), self.worker_cpu()
        split_ms = [(b - a) / len(burst) * 1000 for a, b in zip(split0, split1, strict=True)]
        app_ms, fakes_ms, loader_ms = ((b - a) / len(burst) * 1000 for a, b in zip(cpu0, cpu1, strict=True))
        per_draft = [posted[ts] - sent[ts] for ts in posted]
        to_llm, after_llm = await self.llm_phases(http, sent, posted)
        all_done = max(posted.values()) - t0 if posted else float("nan")
        refused_in_flight = self.refused_posts

        # 4. a.one_channel drafts posted together into one review channel: Slack's pace decides
        one = [self.next_draft(REVIEW_CHANNEL) for _ in range(a.one_channel)]
        one_sent = time.monotonic()
        await asyncio.gather(*(self.post(http, e) for e in one))
        pace_floor = L + max(0, a.one_channel - a.app_burst) / a.app_rate
        one_posted = await self.wait_reviews(http, [str(e["ts"]) for e in one], pace_floor * 1.5 + 60)
        one_done = max(one_posted.values()) - one_sent if one_posted else float("nan")
        threads = {str(e["ts"]) for e in one}
        async with http.get(self.fakes["calls"], params={"method": "chat.postMessage"}) as resp:
            per_thread = [c["thread_ts"] for c in await resp.json() if c["ok"] and c["status"] == 200]
        replies = {ts: per_thread.count(ts) for ts in threads}

        # 5. a.drafts drafts in flight, arriving evenly (one every L / a.drafts s, Little's law)
        steady: list[float] = []
        steady_count = round(a.steady * a.drafts)
        if steady_count:
            gap = L / a.drafts
            batch = [self.next_draft(self.channels[i % len(self.channels)]) for i in range(steady_count)]
            times, _ = await post_evenly(batch, gap, lambda event: self.post(http, event))
            steady_sent = {str(event["ts"]): at for event, at in zip(batch, times, strict=True)}
            steady_posted = await self.wait_reviews(http, list(steady_sent), 60 + L * 5)
            steady = [steady_posted[ts] - steady_sent[ts] for ts in steady_posted]

        rows: list[tuple[str, str, str]] = []
        if a.acks:
            rows += [
                (f"ack, first {c} on new connections: max", f"{max(cold_ms):.1f} ms", ""),
                (
                    f"ack, events only acked ({a.acks}, {c} concurrent): p50",
                    f"{pct(quiet_ms, 50):.1f} ms",
                    "",
                ),
                ("ack, events only acked: p99", f"{pct(quiet_ms, 99):.1f} ms", "<= 50 ms"),
                (
                    f"ack, drafts reviewed meanwhile ({a.acks}, {c} concurrent): p50",
                    f"{pct(acks_ms, 50):.1f} ms",
                    "",
                ),
                ("ack, drafts reviewed meanwhile: p99", f"{pct(acks_ms, 99):.1f} ms", "<= 50 ms"),
                ("ack, drafts reviewed meanwhile: max", f"{max(acks_ms):.1f} ms", "< 3000 ms"),
                ("reviews posted for those drafts", f"{len(done)}/{len(events)}", ""),
            ]
        if singles:
            rows.append(
                (
                    f"draft -> review, 1 in flight (median of {len(singles)})",
                    f"{statistics.median(singles) / L:.2f} x L",
                    "",
                )
            )
        if per_draft:
            rows += [
                (f"draft -> review, {a.drafts} in flight: p50", f"{pct(per_draft, 50) / L:.2f} x L", ""),
                (
                    f"draft -> review, {a.drafts} in flight: max",
                    f"{max(per_draft) / L:.2f} x L",
                    "<= 1.1 x L",
                ),
            ]
        if to_llm and after_llm:
            rows += [
                (
                    "  of which draft -> LLM request: p50 / max",
                    f"{pct(to_llm, 50) * 1000:.0f} / {max(to_llm) * 1000:.0f} ms",
                    "",
                ),
                (
                    "  of which LLM answer -> review posted: p50 / max",
                    f"{pct(after_llm, 50) * 1000:.0f} / {max(after_llm) * 1000:.0f} ms",
                    "",
                ),
            ]
        rows += [
            (f"all {a.drafts} reviewed, from first post", f"{all_done / L:.2f} x L", ""),
            (
                f"reviews posted ({len(set(self.channels[: a.drafts]))} channels)",
                f"{len(posted)}/{len(burst)}",
                "",
            ),
            ("posts answered 429 (Slack's pace) so far", f"{refused_in_flight}", ""),
            ("app CPU per draft in that burst", f"{app_ms:.1f} ms", ""),
        ]
        if a.workers > 1:
            rows.append(
                (
                    "  by process: supervisor / each worker",
                    " / ".join(f"{ms:.1f}" for ms in split_ms) + " ms",
                    "",
                )
            )
        rows += [
            ("fakes' and load generator's CPU per draft", f"{fakes_ms:.1f} + {loader_ms:.1f} ms", ""),
        ]
        if one:
            rows += [
                (
                    f"{a.one_channel} drafts in one channel: last review, from first post",
                    f"{one_done:.1f} s",
                    f">= {pace_floor:.1f} s (pace)",
                ),
                (
                    "  reviews posted, exactly one per thread",
                    f"{sum(n == 1 for n in replies.values())}/{len(one)}",
                    "",
                ),
                ("  posts answered 429, whole run", f"{self.refused_posts}", ""),
            ]
        if steady_count:
            rows += [
                (
                    f"{a.drafts} in flight, arriving evenly ({steady_count} drafts): reviewed",
                    f"{len(steady)}/{steady_count}",
                    "",
                ),
            ]
        if steady:
            rows += [
                ("  draft -> review: p50", f"{pct(steady, 50) / L:.2f} x L", ""),
                ("  draft -> review: max", f"{max(steady) / L:.2f} x L", "<= 1.1 x L"),
            ]
        print(
            f"\nSlack front end: fake LLM latency L = {L:.2f} s, {a.workers} app worker(s), "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
        )
        width = max(len(r[0]) for r in rows) + 2
        print(f"{'measure':<{width}}{'value':>12}  target")
        for name, value, target in rows:
            print(f"{name:<{width}}{value:>12}  {target}")


def serve(port: int, workers: int) -> None:
    import logging

    from bot.server import serve as serve_app
    from bot.settings import Settings

    logging.basicConfig(level=logging.WARNING)
    serve_app(Settings(), "127.0.0.1", port, workers=workers)


def run_fakes(latency: float, replies: int, channels: int, rate: float, burst: int) -> None:
    """The fake Slack and LLM servers, until stdin closes; their URLs go to stdout as JSON."""
    # Slack only sends a bot events from channels it is in, so it can name them all.
    names = {review_channel(i): f"social-review-{i}" for i in range(channels)}
    slack = FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review", OTHER_CHANNEL: "general", **names})
    slack.limit_posts_per_channel(rate, burst=burst)
    slack.start()
    llm = FakeOpenAI().start()
    for _ in range(replies):
        llm.enqueue(hang=latency)
    urls = {
        "slack": slack.base_url,
        "llm": llm.base_url,
        "model": llm.model,
        "calls": f"http://127.0.0.1:{slack.port}/_fake/calls",
        "llm_timings": f"{llm.root_url}/_fake/timings",
        "pid": str(os.getpid()),
    }
    print(json.dumps(urls), flush=True)
    sys.stdin.read()
    slack.stop()
    llm.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=0.5, help="fake LLM latency L in seconds (0.5)")
    parser.add_argument("--acks", type=int, default=1000, help="signed events for the ack measurement (1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent requests for acks (50)")
    parser.add_argument("--drafts", type=int, default=100, help="drafts posted together (100)")
    parser.add_argument(
        "--channels", type=int, default=100, help="review channels the drafts are spread over (100)"
    )
    parser.add_argument(
        "--one-channel", type=int, default=100, help="drafts posted together into one channel (100)"
    )
    parser.add_argument(
        "--slack-rate", type=float, default=1.0, help="Slack's posts a second into one channel (1)"
    )
    parser.add_argument("--slack-burst", type=int, default=3, help="Slack's burst into one channel (3)")
    parser.add_argument("--single", type=int, default=5, help="single-draft runs (5)")
    parser.add_argument(
        "--steady",
        type=float,
        default=0.0,
        metavar="N",
        help="last, keep --drafts drafts in flight, arriving evenly over the channels, for N x L seconds (0)",
    )
    parser.add_argument("--extra-bursts", type=int, default=0, help="unmeasured bursts first (profiling)")
    parser.add_argument("--workers", type=int, default=1, help="app worker processes (1)")
    parser.add_argument("--database-url", help="the app's store (default: a new SQLite file)")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the app process
    parser.add_argument("--fakes", action="store_true", help=argparse.SUPPRESS)  # the fakes process
    args = parser.parse_args()
    # The app paces itself by its defaults (REDTEAM_SLACK_POSTS_PER_SECOND, _POST_BURST).
    from bot.settings import Settings

    defaults = Settings(_env_file=None)
    args.app_rate, args.app_burst = defaults.slack_posts_per_second, defaults.slack_post_burst
    replies = (
        args.acks + args.drafts * (1 + args.extra_bursts + math.ceil(args.steady)) + args.single
        + args.one_channel + 50
    )
    if args.serve:
        serve(args.serve, args.workers)
        return
    if args.fakes:
        run_fakes(args.latency, replies, args.channels, args.slack_rate, args.slack_burst)
        return
    fakes_proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--fakes",
            "--latency",
            str(args.latency),
            "--acks",
            str(args.acks),
            "--drafts",
            str(args.drafts),
            "--single",
            str(args.single),
            "--steady",
            str(args.steady),
            "--extra-bursts",
            str(args.extra_bursts),
            "--one-channel",
            str(args.one_channel),
            "--channels",
            str(args.channels),
            "--slack-rate",
            str(args.slack_rate),
            "--slack-burst",
            str(args.slack_burst),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert fakes_proc.stdout is not None
        fakes = json.loads(fakes_proc.stdout.readline())
        asyncio.run(Bench(args, fakes).run())
    finally:
        if fakes_proc.stdin is not None:
            fakes_proc.stdin.close()
        fakes_proc.wait(timeout=30)


if __name__ == "__main__":
    main()
