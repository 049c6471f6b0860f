"""`redteam serve --workers N`: several worker processes behind one port, sharing the store.

The end-to-end test runs the installed console script as a real process tree (uvicorn's
supervisor and two spawned workers) against the fake Slack Web API, and delivers one event to
each worker, as Slack's retries can: the store's claim lets exactly one of them review it.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.cli.bot_cmds import serve_workers
from bot.cli.context import UsageError, load_settings
from bot.cli.parser import build_parser
from bot.review.rule_files import RuleFileError
from bot.server import app_from_env, serve
from bot.settings import Settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_harness import REVIEW_CHANNEL, SECRET, event_envelope, make_settings, message_event, sign

REDTEAM = Path(sys.executable).parent / "redteam"
NETFLIX = (
    "To the 53 people who've watched A Christmas Prince every day for the past 18 days: Who hurt you?"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**values: str) -> dict[str, str]:
    """This environment without any redteam, LLM or Slack setting, plus ``values``."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("REDTEAM_", "OPENAI_", "AZURE_OPENAI_", "SLACK_")) and k != "WEB_CONCURRENCY"}
    env.update(values)
    return env


@pytest.fixture
def fake() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI(channels={REVIEW_CHANNEL: "social-review"}) as api:
        yield api


async def connection_per_worker(
    url: str, proc: subprocess.Popen[bytes], log: Path, workers: int, timeout: float = 40.0
) -> dict[int, aiohttp.ClientSession]:
    """One kept-alive connection to each worker: ``{worker pid: session}``.

    The workers share the listening socket and the kernel hands each new connection to one of
    them; /healthz says which. A session with a one-connection pool keeps talking to that worker.
    """
    sessions: dict[int, aiohttp.ClientSession] = {}
    deadline = time.monotonic() + timeout
    while len(sessions) < workers:
        if proc.poll() is not None:
            raise AssertionError(f"redteam serve exited ({proc.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"saw {len(sessions)} of {workers} workers:\n{log.read_text()}")
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
        pid = await healthz_pid(session, url)
        if pid is not None and pid not in sessions:
            sessions[pid] = session
        else:
            await session.close()
            await asyncio.sleep(0.05)
    return sessions


async def healthz_pid(session: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with session.get(url + "/healthz") as resp:
            body = await resp.json() if resp.status == 200 else {}
    except aiohttp.ClientError:
        return None
    return int(body["pid"]) if body.get("ok") else None


async def post_event(
    session: aiohttp.ClientSession, url: str, envelope: dict[str, object], retry_num: int | None
) -> int:
    body = json.dumps(envelope).encode()
    headers = {"Content-Type": "application/json", **sign(body)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    async with session.post(url + "/slack/events", data=body, headers=headers) as resp:
        await resp.read()
        return resp.status


async def test_two_workers_review_a_retried_event_once(tmp_path: Path, fake: FakeSlackAPI) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.base_url,
        REDTEAM_DATABASE_URL=f"sqlite:///{tmp_path / 'redteam.sqlite3'}",
        REDTEAM_REVIEW_CHANNELS="social-review",
    )
    log = tmp_path / "serve.log"
    assert REDTEAM.exists(), f"console script missing: {REDTEAM} (run scripts/bootstrap --dev)"
    with log.open("wb") as log_file:
        # cwd=tmp_path: no developer .env reaches the workers
        proc = subprocess.Popen(
            [str(REDTEAM), "serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    sessions: dict[int, aiohttp.ClientSession] = {}
    try:
        sessions = await connection_per_worker(url, proc, log, workers=2)
        first, second = sessions.values()
        event = message_event(NETFLIX)
        envelope = event_envelope(event, event_id="Ev0WORKERS1")

        # the first delivery and Slack's first retry arrive together, at different workers...
        statuses = await asyncio.gather(
            post_event(first, url, envelope, None), post_event(second, url, envelope, 1)
        )
        # ...and two later retries, one at each
        statuses += [await post_event(first, url, envelope, 2), await post_event(second, url, envelope, 3)]
        assert statuses == [200, 200, 200, 200], log.read_text()
        # each session still talks to the worker it started with
        assert [await healthz_pid(s, url) for s in sessions.values()] == list(sessions)

        deadline = time.monotonic() + 15
        while not any(c.params.get("thread_ts") == event["ts"] for c in fake.ok_calls_to("chat.postMessage")):
            assert time.monotonic() < deadline, f"no review was posted:\n{log.read_text()}"
            await asyncio.sleep(0.02)
    finally:
        for session in sessions.values():
            await session.close()
        # SIGTERM, as a platform stops a web process: each worker finishes its acked work first,
        # so once the process has exited every duplicate has been handled
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()

    replies = [
        c.params for c in fake.ok_calls_to("chat.postMessage") if c.params.get("thread_ts") == event["ts"]
    ]
    assert len(replies) == 1, "one review, however many workers the deliveries reached"
    assert replies[0]["channel"] == REVIEW_CHANNEL
    assert "Customer shaming or mockery" in json.dumps(replies[0]["blocks"])
    assert [c.params["timestamp"] for c in fake.calls_to("reactions.add")] == [event["ts"]]
    # each worker built its own Slack client at startup
    assert len(fake.calls_to("auth.test")) >= 2
    assert "Traceback" not in log.read_text()
    assert NETFLIX not in log.read_text(), "draft texts are not logged at INFO"


def test_the_worker_factory_reads_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlackAPI
) -> None:
    monkeypatch.chdir(tmp_path)
    for name, value in clean_env().items():
        monkeypatch.setenv(name, value)
    for name in set(os.environ) - set(clean_env()):
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SLACK_API_URL", fake.base_url)
    app = app_from_env()  # what uvicorn calls in each worker process

    assert [r.path for r in app.routes] == ["/slack/events", "/healthz"]  # type: ignore[attr-defined]


def test_workers_come_from_the_option_else_web_concurrency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = build_parser()
    from_env = Settings(_env_file=None, WEB_CONCURRENCY=3)  # type: ignore[call-arg]
    assert serve_workers(parser.parse_args(["serve"]), from_env) == 3
    assert serve_workers(parser.parse_args(["serve", "--workers", "2"]), from_env) == 2
    assert serve_workers(parser.parse_args(["serve"]), Settings(_env_file=None)) == 1  # type: ignore[call-arg]

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WEB_CONCURRENCY", "0")
    with pytest.raises(UsageError, match="WEB_CONCURRENCY"):
        load_settings()


def test_workers_option_rejects_zero(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["serve", "--workers", "0"])
    assert exc.value.code == 2
    assert "--workers: must be 1 or more" in capsys.readouterr().err


def test_several_workers_need_the_settings_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeSlackAPI
) -> None:
    # Each worker reads the environment; settings that exist only as an object would be lost.
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = make_settings(fake, tmp_path / "redteam.sqlite3")
    with pytest.raises(ValueError, match="environment"):
        serve(settings, "127.0.0.1", free_port(), workers=2)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_missing_rule_pack_is_reported_before_serving(
    tmp_path: Path, fake: FakeSlackAPI, workers: int
) -> None:
    # not as a failed startup's traceback in each worker: the command line shows this message
    settings = make_settings(fake, tmp_path / "redteam.sqlite3", rules_dir=tmp_path / "missing")
    with pytest.raises(RuleFileError, match=r"taxonomy\.yaml"):
        serve(settings, "127.0.0.1", free_port(), workers=workers)


def test_a_worker_that_cannot_start_tells_the_parent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The parent of `serve --workers N` names a folder in the environment; uvicorn.run itself
    # returns quietly when a worker fails, so this is how the parent learns of it.
    from bot import server
    from bot.slack.app import SlackConfigError

    monkeypatch.chdir(tmp_path)
    for name in set(os.environ) - set(clean_env()):
        monkeypatch.delenv(name)
    failures = tmp_path / "failures"
    failures.mkdir()
    monkeypatch.setenv(server._STARTUP_FAILURES_ENV, str(failures))
    with pytest.raises(SlackConfigError):
        app_from_env()  # no SLACK_BOT_TOKEN in this environment
    assert [p.name for p in failures.iterdir()] == [str(os.getpid())]
