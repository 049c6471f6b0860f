"""The Slack app end to end on each store backend the tests have (SQLite always; PostgreSQL when
``scripts/with-postgres`` provides one, as in CI): one review per draft, none for a retry."""

from __future__ import annotations

from pathlib import Path

from tests.drafts import NETFLIX as DRAFT
from tests.slack_harness import message_event, running_app


async def test_one_review_per_draft_and_none_for_a_retry(tmp_path: Path, database_url: str) -> None:
    async with running_app(tmp_path, database_url=database_url) as slack:
        event = message_event(DRAFT)
        assert (await slack.post_event(event, event_id="EvOnce"))[0] == 200
        assert (await slack.post_event(event, event_id="EvOnce", retry_num=1))[0] == 200
        await slack.settle()
        posted = slack.fake.ok_calls_to("chat.postMessage")
        assert [c.params.get("thread_ts") for c in posted] == [event["ts"]]
        stored = await slack.store.thread_reviews(event["channel"], event["ts"])
        assert len(stored) == 1 and stored[0].reply_ts
