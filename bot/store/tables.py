"""The store's tables, as the newest migration leaves them.

A change here needs a migration in ``bot/store/migrations/versions`` too; a test compares the
two on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        # SQLite compares these as text: drop the offset so every stored value sorts alike.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

#: Idempotency keys: a row here means "this event/message has been handled". The primary key
#: is what makes ``claim()`` safe across processes: the second INSERT of a key fails.
processed_keys = Table(
    "redteam_processed_keys",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("claimed_at", UTCDateTime(), nullable=False, index=True),
    # What handling the key left, when it must be found again: the id of a message posted under it.
    Column("note", Text, nullable=True),
)

#: Replies owed: a draft claimed but not yet answered in its thread. The process working on one
#: holds a lease on it (``owner`` until ``lease_until``) and renews it while the work runs; a row
#: whose lease ran out means that process stopped mid-way (a crash, a deploy that outran the
#: shutdown grace), and a sweep finds it and says so in the thread instead of leaving silence.
#: ``notice``: a reply that could not be posted in time left this notice for the sweep to give.
#: ``route``: what the platform needs to post there (a Teams service URL and conversation id).
open_work = Table(
    "redteam_open_work",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("thread_ts", String(64), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False, index=True),
    Column("owner", String(64), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True, index=True),
    Column("notice", Text, nullable=True),
    # Where the platform posts in that conversation, for a process that never saw it (opaque here).
    Column("route", Text, nullable=True),
)

reviews = Table(
    "redteam_reviews",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("draft_ts", String(64), nullable=False),
    Column("thread_ts", String(64), nullable=True),
    Column("reply_ts", String(64), nullable=True),
    Column("user_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    # The whole Review as JSON, draft text included: a thread re-review or answer needs it.
    Column("review_json", Text, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    # The Slack workspace (team id) or Teams tenant the draft was posted in, when known.
    Column("workspace", String(64), nullable=True),
    Index("ix_redteam_reviews_draft", "channel", "draft_ts"),
    Index("ix_redteam_reviews_thread", "channel", "thread_ts"),
)

feedback = Table(
    "redteam_feedback",
    metadata,
    Column("review_id", String(36), nullable=False),
    Column("user_id", String(64), nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    UniqueConstraint("review_id", "user_id", name="uq_redteam_feedback_vote"),
)

#: The decision record: one row per reviewed version of a draft, without its words. It outlives
#: the review (``REDTEAM_AUDIT_RETENTION_DAYS`` against ``REDTEAM_RETENTION_DAYS``), so it keeps
#: its own copy of what the audit shows rather than reading ``review_json``.
decisions = Table(
    "redteam_decisions",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("workspace", String(64), nullable=True),
    Column("channel", String(64), nullable=False),
    Column("thread_ts", String(64), nullable=True),
    Column("draft_ts", String(64), nullable=False),
    Column("author", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    # SHA-256 of the draft's text: proves which words were cleared without keeping them.
    Column("text_sha256", String(64), nullable=True),
    Column("verdict", String(32), nullable=False),
    Column("risk_level", String(32), nullable=False),
    # JSON lists of strings.
    Column("categories", Text, nullable=False),
    Column("engines", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("deleted_at", UTCDateTime(), nullable=True),
    Index("ix_redteam_decisions_channel", "channel", "created_at"),
)

#: Who cleared a version to post. The primary key is what makes a clearance safe under races:
#: of two approvers clicking at once, one INSERT wins and the other learns who was first. A
#: voided clearance stays (voided_at set): the version it cleared can never be cleared again.
clearances = Table(
    "redteam_clearances",
    metadata,
    Column("review_id", String(36), primary_key=True),
    Column("cleared_by", String(64), nullable=False),
    Column("cleared_at", UTCDateTime(), nullable=False),
    Column("reason", Text, nullable=True),
    Column("voided_at", UTCDateTime(), nullable=True),
    Column("void_reason", Text, nullable=True),
)
