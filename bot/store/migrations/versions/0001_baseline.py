"""The store as the release before migrations created it (``metadata.create_all`` at start).

Revision ID: 0001
Revises:
Create Date: 2026-12-04

The tables are created only where missing, so a store from that release, or one an interrupted
start left half made, ends up the same. The definitions are frozen here on purpose: later
changes go in later revisions, never in this file.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _baseline() -> sa.MetaData:
    metadata = sa.MetaData()
    when = sa.DateTime(timezone=True)
    sa.Table(
        "redteam_processed_keys",
        metadata,
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("claimed_at", when, nullable=False, index=True),
    )
    sa.Table(
        "redteam_open_work",
        metadata,
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread_ts", sa.String(64), nullable=False),
        sa.Column("started_at", when, nullable=False, index=True),
    )
    sa.Table(
        "redteam_reviews",
        metadata,
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("draft_ts", sa.String(64), nullable=False),
        sa.Column("thread_ts", sa.String(64), nullable=True),
        sa.Column("reply_ts", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("review_json", sa.Text, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("created_at", when, nullable=False, index=True),
        sa.Index("ix_redteam_reviews_draft", "channel", "draft_ts"),
        sa.Index("ix_redteam_reviews_thread", "channel", "thread_ts"),
    )
    sa.Table(
        "redteam_feedback",
        metadata,
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("at", when, nullable=False),
        sa.UniqueConstraint("review_id", "user_id", name="uq_redteam_feedback_vote"),
    )
    return metadata


def upgrade() -> None:
    _baseline().create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    _baseline().drop_all(op.get_bind(), checkfirst=True)
