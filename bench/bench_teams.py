"""Teams front end benchmark: HTTP answer time to activities and invokes, and draft-to-review time
against a fixed-latency LLM.

Three processes on 127.0.0.1: the real ASGI app (``redteam serve``'s, Teams alone, under
uvicorn); the fakes (Bot Framework signing keys, Entra ID over TLS, the Bot Connector, the
OpenAI-compatible server whose every chat completion waits L seconds); and this one, which posts
activities signed as Teams signs them (a real JWT, checked by the SDK) and reads back from the
fake connector when each review arrived.

    .venv/bin/python bench/bench_teams.py                      # L = 0.5 s, 50 concurrent
    .venv/bin/python bench/bench_teams.py --latency 2 --requests 1000 --drafts 100
    .venv/bin/python bench/bench_teams.py --latency 5 --requests 1 --steady 3   # 100 in flight
    REDTEAM_TEAMS_APP_REQUESTS_PER_SECOND=25 .venv/bin/python bench/bench_teams.py --latency 5 \
        --requests 1 --steady 3 --workers 2 --spread   # two workers, each draft on a new connection

Targets: invoke p99 <= 1 s at 50 concurrent; 100 drafts in flight reviewed within 1.1 x L.
"In flight" is measured with ``--steady``: drafts arriving evenly, one every L / 100 s, so that
100 are under review at any moment. 100 posted in the same instant are measured too; there
Teams' budget of 50 calls a second for the app puts the last card at L + 1 s or later.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from measuring import cpu_seconds, free_port, pct, post_evenly, tree_cpu_seconds  # noqa: E402

from tests.teams_harness import (  # noqa: E402
    APP_ID,
    CLIENT_SECRET,
    OTHER_CHANNEL,
    REVIEW_CHANNEL,
    TENANT_ID,
    channel_post,
    message_action_invoke,
)

DRAFT = "To the {n} people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"








def summary(name: str, ms: list[float]) -> str:
    return (f"{name:<44} n={len(ms):<5} p50 {pct(ms, 50):7.1f} ms  p95 {pct(ms, 95):7.1f} ms  "
            f"p99 {pct(ms, 99):7.1f} ms  max {max(ms):7.1f} ms")


# --- the fakes' process -------------------------------------------------------------------------


def _kind(call: Any) -> str:
    """The call's kind, with a "Reviewing…" card told apart (``working``) from a review posted
    as a new card: under Teams' budget a placeholder still waiting when its review is ready is
    dropped, and the review is sent in its place."""
    if call.kind == "send" and "Reviewing…" in json.dumps(call.card or {}, ensure_ascii=False):
        return "working"
    return str(call.kind)



def run_fakes(latency: float, replies: int, folder: str) -> None:
    """The fakes, until stdin closes. Prints their URLs and a signed token as one JSON line; each
    line ``calls N`` read on stdin is answered with the connector's calls from the N-th on, and
    ``llm`` with the LLM's request timings, as JSON."""
    from tests.fakes.bot_auth import BotFrameworkKeys, FakeEntra
    from tests.fakes.bot_auth import TestCertificates as Certificates
    from tests.fakes.bot_connector import FakeBotConnector
    from tests.fakes.openai_server import FakeOpenAI

    certificates = Certificates(Path(folder))
    keys = BotFrameworkKeys(APP_ID).start()
    entra = FakeEntra(certificates, APP_ID, CLIENT_SECRET).start()
    connector = FakeBotConnector().start()
    llm = FakeOpenAI().start()
    for _ in range(replies):
        llm.enqueue(hang=latency)
    print(json.dumps({
        "service_url": connector.service_url,
        "openid": keys.openid_metadata_url,
        "login": entra.login_url,
        "ca": str(certificates.ca_file),
        "llm": llm.base_url,
        "model": llm.model,
        "token": keys.token(connector.service_url, expires_in=3 * 3600),
    }), flush=True)
    for line in sys.stdin:
        if line.startswith("calls "):
            since = int(line.split()[1])
            with connector._lock:
                calls = [[_kind(c), c.conversation_id, c.status, c.at] for c in connector.calls[since:]]
            print(json.dumps(calls), flush=True)
        elif line.strip() == "llm":
            print(json.dumps(llm.timings()), flush=True)
    connector.stop()
    entra.stop()
    keys.stop()
    llm.close()


# --- the app's process --------------------------------------------------------------------------


def serve(port: int, profile: str | None, workers: int = 1) -> None:
    import logging

    from bot.server import serve as serve_app
    from bot.settings import Settings

    logging.basicConfig(level=logging.WARNING)
    if not profile:
        serve_app(Settings(), "127.0.0.1", port, workers=workers)
        return
    import cProfile

    from bot.runtime.worker import BackgroundLoop

    # One profiler per thread: the loop that answers Teams (here) and the review loop.
    serving, reviewing = cProfile.Profile(), cProfile.Profile()
    run_loop = BackgroundLoop._run

    def profiled_run(self: BackgroundLoop) -> None:
        reviewing.enable()
        try:
            run_loop(self)
        finally:
            reviewing.disable()
            reviewing.dump_stats(profile + ".review")

    BackgroundLoop._run = profiled_run  # type: ignore[method-assign]
    serving.enable()
    try:
        serve_app(Settings(), "127.0.0.1", port, workers=1)
    finally:
        serving.disable()
        serving.dump_stats(profile + ".serve")


# --- this process -------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace, fakes: dict[str, str], fakes_proc: subprocess.Popen[str]):
        self.args = args
        self.fakes = fakes
        self.fakes_proc = fakes_proc
        self.connector = SimpleNamespace(service_url=fakes["service_url"])
        self.url = ""
        self.app_pid = 0
        self.counter = 0
        self.seen: list[list[Any]] = []
        self.headers = {"Authorization": f"Bearer {fakes['token']}", "Content-Type": "application/json"}

    def draft(self, channel: str = REVIEW_CHANNEL) -> dict[str, Any]:
        self.counter += 1  # distinct texts: the service's answer cache must not shortcut the LLM
        return channel_post(self.connector, DRAFT.format(n=1000 + self.counter), channel=channel)  # type: ignore[arg-type]

    def action(self) -> dict[str, Any]:
        self.counter += 1
        post = channel_post(self.connector, "", channel=OTHER_CHANNEL)  # type: ignore[arg-type]
        return message_action_invoke(self.connector, post["id"],  # type: ignore[arg-type]
                                     f"<p>{DRAFT.format(n=5000 + self.counter)}</p>")

    def calls(self) -> list[list[Any]]:
        assert self.fakes_proc.stdin is not None and self.fakes_proc.stdout is not None
        self.fakes_proc.stdin.write(f"calls {len(self.seen)}\n")
        self.fakes_proc.stdin.flush()
        self.seen += json.loads(self.fakes_proc.stdout.readline())
        return self.seen

    def llm_timings(self) -> list[dict[str, Any]]:
        assert self.fakes_proc.stdin is not None and self.fakes_proc.stdout is not None
        self.fakes_proc.stdin.write("llm\n")
        self.fakes_proc.stdin.flush()
        return list(json.loads(self.fakes_proc.stdout.readline()))

    async def post(self, http: aiohttp.ClientSession, activity: dict[str, Any]) -> float:
        body = json.dumps(activity).encode()
        start = time.perf_counter()
        async with http.post(self.url, data=body, headers=self.headers) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return time.perf_counter() - start

    async def at_concurrency(self, http: aiohttp.ClientSession, batch: list[dict[str, Any]]) -> list[float]:
        # c senders, each posting its next activity as soon as the last one was answered
        timings = [0.0] * len(batch)
        todo = iter(enumerate(batch))

        async def sender() -> None:
            for i, activity in todo:
                timings[i] = await self.post(http, activity)

        await asyncio.gather(*(sender() for _ in range(self.args.concurrency)))
        return timings

    async def reviewed(self, threads: set[str], timeout: float,
                       kinds: tuple[str, ...] = ("update", "send")) -> dict[str, float]:
        """When each thread got its review (the placeholder's update, or a new card in its
        place), by monotonic time."""
        deadline = time.monotonic() + timeout
        while True:
            done: dict[str, float] = {}
            for call, conversation, status, at in await asyncio.to_thread(self.calls):
                if call in kinds and status < 300 and conversation in threads:
                    done.setdefault(conversation, at)
            if len(done) == len(threads) or time.monotonic() > deadline:
                return done
            await asyncio.sleep(0.05)

    def signs_of_work(self, sent: dict[str, float]) -> list[float]:
        """Per thread, seconds from its draft to the first card in it: "Reviewing…", or the
        review itself when that came first."""
        shown: dict[str, float] = {}
        for kind, conversation, status, at in self.seen:
            if kind in ("working", "send", "update") and status < 300 and conversation in sent:
                shown.setdefault(conversation, at)
        return [shown[t] - sent[t] for t in shown]

    def call_counts(self, sent: dict[str, float]) -> dict[str, int]:
        """The connector's calls into these threads, by kind and status."""
        kinds: dict[str, int] = {}
        for kind, conversation, status, _ in self.seen:
            if conversation in sent:
                kinds[f"{kind} {status}"] = kinds.get(f"{kind} {status}", 0) + 1
        return kinds

    async def run(self) -> None:
        a, port = self.args, free_port()
        self.url = f"http://127.0.0.1:{port}/api/messages"
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "PYTHONPATH": str(ROOT),
                "TEAMS_CLIENT_ID": APP_ID,
                "TEAMS_CLIENT_SECRET": CLIENT_SECRET,
                "TEAMS_TENANT_ID": TENANT_ID,
                "TEAMS_OPENID_METADATA_URL": self.fakes["openid"],
                "TEAMS_LOGIN_URL": self.fakes["login"],
                "REQUESTS_CA_BUNDLE": self.fakes["ca"],
                "REDTEAM_TEAMS_REVIEW_CHANNELS": REVIEW_CHANNEL,
                "OPENAI_BASE_URL": self.fakes["llm"],
                "OPENAI_API_KEY": "sk-bench",
                "REDTEAM_MODEL": self.fakes["model"],
                "REDTEAM_LLM_TIMEOUT_SECONDS": str(a.latency * 10 + 5),
                "REDTEAM_DATABASE_URL": a.database_url or f"sqlite:///{tmp}/bench.sqlite3",
                "REDTEAM_LOG_LEVEL": "WARNING",
                "TEAMS_GRAPH_URL": "",
            }
            for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
                env.pop(name, None)
            command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)]
            if a.profile:
                command += ["--profile", str(Path(a.profile).resolve())]
            if a.workers > 1:
                command += ["--workers", str(a.workers)]
            proc = subprocess.Popen(command, env=env, cwd=tmp)  # cwd: no developer .env leaks into the run
            self.app_pid = proc.pid
            try:
                async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                    await self.wait_ready(http, port, proc)
                    await self.measure(http)
            finally:
                proc.terminate()
                proc.wait(timeout=30)

    async def wait_ready(self, http: aiohttp.ClientSession, port: int, proc: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + 60
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
        raise SystemExit("the app did not become ready")

    def spy_on_burst(self, latency: float) -> subprocess.Popen[bytes] | None:
        """py-spy on the app for the burst (L + 3 s), every thread, as collapsed stacks."""
        if not self.args.py_spy:
            return None
        spy = subprocess.Popen(["py-spy", "record", "--threads", "--nonblocking", "--rate", "250",
                                "--format", "raw", "--duration", str(math.ceil(latency + 3)),
                                "--pid", str(self.app_pid), "-o", str(Path(self.args.py_spy).resolve())])
        time.sleep(0.5)  # py-spy attaches
        return spy

    async def measure(self, http: aiohttp.ClientSession) -> None:
        a, L = self.args, self.args.latency
        # Warm up: the first request loads the signing keys' use, the bot's token, the LLM client.
        await self.at_concurrency(http, [self.draft() for _ in range(a.concurrency)])
        await asyncio.sleep(L * 2 + 1)

        quiet = await self.at_concurrency(http, [self.draft(OTHER_CHANNEL) for _ in range(a.requests)])
        drafts = [self.draft() for _ in range(a.requests)]
        loaded = await self.at_concurrency(http, drafts)
        threads = {f"{REVIEW_CHANNEL};messageid={d['id']}" for d in drafts}
        await self.reviewed(threads, 120 + a.requests * 0.1)
        actions = [self.action() for _ in range(a.requests)]
        invokes = await self.at_concurrency(http, actions)
        # The burst below starts once every review the invokes started is out.
        targets = {f"{OTHER_CHANNEL};messageid={x['value']['messagePayload']['id']}" for x in actions}
        await self.reviewed(targets, 120 + a.requests * 0.1, kinds=("send",))

        burst = [self.draft() for _ in range(a.drafts)]
        sent: dict[str, float] = {}
        first_lines: dict[str, str] = {}

        async def send(activity: dict[str, Any]) -> None:
            first_lines[activity["text"]] = f"{REVIEW_CHANNEL};messageid={activity['id']}"
            sent[f"{REVIEW_CHANNEL};messageid={activity['id']}"] = time.monotonic()
            await self.post(http, activity)

        spy = self.spy_on_burst(L)
        cpu = tree_cpu_seconds(self.app_pid), cpu_seconds(self.fakes_proc.pid), time.process_time()
        started = time.monotonic()
        await asyncio.gather(*(send(d) for d in burst))
        done = await self.reviewed(set(sent), 60 + L * 5)
        app_cpu = tree_cpu_seconds(self.app_pid) - cpu[0]
        fakes_cpu, own_cpu = cpu_seconds(self.fakes_proc.pid) - cpu[1], time.process_time() - cpu[2]
        if spy is not None:
            await asyncio.to_thread(spy.wait)
        per_draft = [done[t] - sent[t] for t in done]
        working = self.signs_of_work(sent)
        to_llm, after_llm = [], []
        for timing in self.llm_timings():
            thread = first_lines.get(timing["draft"])
            if thread in sent and thread in done and timing["answered"]:
                to_llm.append(timing["arrived"] - sent[thread])
                after_llm.append(done[thread] - timing["answered"])
        if not per_draft:
            raise SystemExit(f"no draft of the burst was reviewed; the connector saw "
                             f"{self.call_counts(sent)}")
        wall = max(done.values()) - started if done else float("nan")

        print(f"\nTeams front end: fake LLM latency L = {L:.2f} s, {a.concurrency} concurrent requests\n")
        print(summary("activity, not for the bot (other channel)", [x * 1000 for x in quiet]))
        print(summary("activity, a draft (review channel)", [x * 1000 for x in loaded]))
        print(summary("invoke, Red-team this message", [x * 1000 for x in invokes]))
        print(f"\n{a.drafts} drafts posted together: {len(done)} reviewed; slowest draft-to-review "
              f"{max(per_draft):.2f} s = {max(per_draft) / L:.2f} x L; all done {wall:.2f} s after the "
              f"first was sent = {wall / L:.2f} x L")
        if to_llm:
            print(f"  of which draft -> LLM request: p50 {pct(to_llm, 50):.2f} s, max {max(to_llm):.2f} s; "
                  f"LLM answer -> review shown: p50 {pct(after_llm, 50):.2f} s, max {max(after_llm):.2f} s")
        print(f"  CPU per draft in the burst: app {app_cpu / a.drafts * 1000:.1f} ms, fakes "
              f"{fakes_cpu / a.drafts * 1000:.1f} ms, load generator {own_cpu / a.drafts * 1000:.1f} ms; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        if working:
            print(f"'Reviewing…' card shown: p50 {pct(working, 50):.2f} s, max {max(working):.2f} s after "
                  "its draft was sent")
        ok_invoke = pct([x * 1000 for x in invokes], 99) <= 1000
        ok_burst = len(done) == a.drafts and wall <= 1.1 * L
        ok_steady = await self.steady(http) if a.steady else None
        print(f"targets: invoke p99 <= 1 s: {'met' if ok_invoke else 'MISSED'}; "
              f"{a.drafts} drafts posted together within 1.1 x L: {'met' if ok_burst else 'MISSED'}"
              + ("" if ok_steady is None else
                 f"; {a.drafts} in flight, steady, each within 1.1 x L: {'met' if ok_steady else 'MISSED'}"))

    async def steady(self, http: aiohttp.ClientSession) -> bool:
        """Drafts arriving evenly, ``--drafts`` of them in flight at any moment (one every L / drafts
        seconds, Little's law), for ``--steady`` x L seconds: each one's time to its review card."""
        a, L = self.args, self.args.latency
        await asyncio.sleep(L + 2)  # the burst's calls have left Teams' one-second window
        gap = L / a.drafts
        count = max(1, round(a.steady * a.drafts))
        batch = [self.draft() for _ in range(count)]
        cpu = tree_cpu_seconds(self.app_pid)
        # One request a connection with --spread: drafts reach the workers as the kernel hands
        # out new connections, not all down the one kept-alive connection a sender reuses.
        fresh = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) if a.spread else None
        try:
            times, answered = await post_evenly(batch, gap, lambda x: self.post(fresh or http, x))
        finally:
            if fresh is not None:
                await fresh.close()
        sent = {f"{REVIEW_CHANNEL};messageid={x['id']}": at for x, at in zip(batch, times, strict=True)}
        done = await self.reviewed(set(sent), 60 + L * 5)
        app_cpu = tree_cpu_seconds(self.app_pid) - cpu
        per_draft = [done[t] - sent[t] for t in done]
        working = self.signs_of_work(sent)
        print(f"\nSteady: {a.drafts} drafts in flight (one every {gap * 1000:.0f} ms for "
              f"{count * gap:.0f} s, {count} drafts): {len(done)} reviewed")
        if per_draft:
            print(f"  draft -> review card: p50 {pct(per_draft, 50):.2f} s, p99 {pct(per_draft, 99):.2f} s, "
                  f"max {max(per_draft):.2f} s = {max(per_draft) / L:.2f} x L")
        if working:
            print(f"  'Reviewing…' card shown: p50 {pct(working, 50):.2f} s, max {max(working):.2f} s")
        calls = self.call_counts(sent)
        posted = calls.get("working 200", 0)
        dropped = "" if posted >= count else " (the others' reviews were ready first and went in their place)"
        print(f"  'Reviewing…' cards posted: {posted} of {count}{dropped}")
        if len(done) < count:
            print(f"  NOT ALL REVIEWED: the connector saw {calls} for these drafts")
        print(f"  activity answered: p99 {pct([x * 1000 for x in answered], 99):.0f} ms; app CPU per draft "
              f"{app_cpu / count * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f}")
        return len(done) == count and bool(per_draft) and max(per_draft) <= 1.1 * L


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=0.5, help="fake LLM latency L in seconds (0.5)")
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind timed (200)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent requests (50)")
    parser.add_argument("--drafts", type=int, default=100, help="drafts posted together (100)")
    parser.add_argument("--steady", type=float, default=0.0, metavar="N",
                        help="then keep --drafts drafts in flight, arriving evenly, for N x L seconds "
                             "(0: skip)")
    parser.add_argument("--spread", action="store_true",
                        help="with --steady, post each draft on a new connection (spread over workers)")
    parser.add_argument("--profile", help="write the app's profiles (pstats) to FILE.serve and FILE.review")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="record the app with py-spy (installed separately) during the burst, to FILE")
    parser.add_argument("--workers", type=int, default=1,
                        help="app worker processes, as several web workers run in production (1)")
    parser.add_argument("--database-url", metavar="URL",
                        help="the app's store (default: a new SQLite file); a PostgreSQL URL, as "
                             "production uses: scripts/with-postgres sets $REDTEAM_TEST_POSTGRES_URL")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fakes", help=argparse.SUPPRESS)
    args = parser.parse_args()
    replies = (args.requests * 2 + args.concurrency + args.drafts * (1 + math.ceil(args.steady))) * 2 + 50
    if args.serve:
        serve(args.serve, args.profile, args.workers)
        return
    if args.fakes:
        run_fakes(args.latency, replies, args.fakes)
        return
    with tempfile.TemporaryDirectory() as folder:
        fakes_proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--fakes", folder, "--latency", str(args.latency),
             "--requests", str(args.requests), "--drafts", str(args.drafts),
             "--concurrency", str(args.concurrency), "--steady", str(args.steady)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert fakes_proc.stdout is not None and fakes_proc.stdin is not None
        fakes = json.loads(fakes_proc.stdout.readline())
        try:
            asyncio.run(Bench(args, fakes, fakes_proc).run())
        finally:
            fakes_proc.stdin.close()
            fakes_proc.wait(timeout=30)


if __name__ == "__main__":
    main()
