"""What the store remembers about one review posted in Slack."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from bot.review.models import Review


def new_review_id() -> str:
    return str(uuid.uuid4())


class ReviewRecord(BaseModel):
    """One review of one version of a draft, and where its reply lives in Slack.

    ``draft_ts`` is the draft message's ts (for a slash command, whatever id the caller
    chose); ``thread_ts`` is the thread the review belongs to, equal to ``draft_ts`` for a
    top-level draft and to the root's ts for a revision posted in the thread. ``version`` counts
    the drafts of one thread, 1 for the first.
    """

    review_id: str = Field(default_factory=new_review_id)
    channel: str
    draft_ts: str
    thread_ts: str | None = None
    reply_ts: str | None = None
    user_id: str
    version: int = 1
    review: Review
    deleted: bool = False
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
