"""bot.server and bot.runtime.worker on their own: clear configuration errors, the review loop."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from bot.runtime.worker import BackgroundLoop
from bot.server import create_asgi_app
from bot.slack.app import SlackConfigError
from tests.fakes.slack_api import FakeSlackAPI
from tests.slack_harness import make_settings, running_app


@pytest.mark.parametrize(
    ("missing", "named"),
    [("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"), ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET")],
)
def test_http_mode_names_a_missing_setting(tmp_path: Path, missing: str, named: str) -> None:
    with FakeSlackAPI() as fake:
        settings = make_settings(fake, tmp_path / "db.sqlite3", **{missing: None})
        with pytest.raises(SlackConfigError, match=named):
            create_asgi_app(settings)


async def test_background_loop_runs_work_on_its_own_thread_and_drains() -> None:
    worker = BackgroundLoop().start()
    try:
        seen: list[str] = []

        async def work(name: str) -> str:
            seen.append(threading.current_thread().name)
            await asyncio.sleep(0.01)
            return name

        futures = [worker.submit(work(str(i))) for i in range(5)]
        assert await worker.drain(5) == 0
        assert [f.result() for f in futures] == ["0", "1", "2", "3", "4"]
        assert set(seen) == {"redteam-reviews"}

        async def blocked() -> None:
            await asyncio.sleep(5)

        worker.submit(blocked())
        assert await worker.drain(0.05) == 1, "unfinished work is counted, not waited for forever"
    finally:
        worker.stop()


@pytest.mark.parametrize("missing", ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])
def test_a_missing_setting_is_explained_the_same_way_by_every_mode(tmp_path: Path, missing: str) -> None:
    from bot.slack.app import build_app
    from bot.slack.socket_mode import check_socket_settings

    with FakeSlackAPI() as fake:
        settings = make_settings(fake, tmp_path / "db.sqlite3", **{missing: None})
        messages = set()
        with pytest.raises(SlackConfigError) as http_mode:
            create_asgi_app(settings)
        messages.add(str(http_mode.value))
        with pytest.raises(SlackConfigError) as bolt_app:
            build_app(settings, None, None)  # type: ignore[arg-type]  # fails before using them
        messages.add(str(bolt_app.value))
        if missing == "SLACK_BOT_TOKEN":
            with pytest.raises(SlackConfigError) as socket_mode:
                check_socket_settings(settings)
            messages.add(str(socket_mode.value))
    (message,) = messages
    assert message.startswith(f"{missing} is not set: ")


async def test_what_startup_built_is_left_out_of_full_collections(tmp_path: Path) -> None:
    """A full collection over every object the server built at start-up pauses every thread,
    acks included (tens of milliseconds): start-up's objects are frozen out of it."""
    import gc

    gc.unfreeze()
    async with running_app(tmp_path):
        assert gc.get_freeze_count() > 10_000
    gc.unfreeze()
