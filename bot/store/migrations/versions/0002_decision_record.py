"""The decision record: a row per reviewed version without its words, and clearances.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Reviews already in the store get their decision record here, so the audit covers them too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("redteam_reviews", sa.Column("workspace", sa.String(64), nullable=True))
    decisions = op.create_table(
        "redteam_decisions",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("workspace", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("thread_ts", sa.String(64), nullable=True),
        sa.Column("draft_ts", sa.String(64), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("risk_level", sa.String(32), nullable=False),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("engines", sa.Text, nullable=False),
        sa.Column("created_at", _WHEN, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("deleted_at", _WHEN, nullable=True),
    )
    op.create_index("ix_redteam_decisions_created_at", "redteam_decisions", ["created_at"])
    op.create_index("ix_redteam_decisions_channel", "redteam_decisions", ["channel", "created_at"])
    op.create_table(
        "redteam_clearances",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("cleared_by", sa.String(64), nullable=False),
        sa.Column("cleared_at", _WHEN, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("voided_at", _WHEN, nullable=True),
        sa.Column("void_reason", sa.Text, nullable=True),
    )
    assert decisions is not None
    _record_existing_reviews(decisions)


def _record_existing_reviews(decisions: sa.Table) -> None:
    reviews = sa.table(
        "redteam_reviews",
        sa.column("review_id", sa.String),
        sa.column("channel", sa.String),
        sa.column("thread_ts", sa.String),
        sa.column("draft_ts", sa.String),
        sa.column("user_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("review_json", sa.Text),
        sa.column("deleted", sa.Boolean),
        sa.column("created_at", _WHEN),
    )
    bind = op.get_bind()
    batch: list[dict[str, Any]] = []
    for row in bind.execute(sa.select(reviews)):
        batch.append(_decision(row))
        if len(batch) >= 500:
            bind.execute(decisions.insert(), batch)
            batch = []
    if batch:
        bind.execute(decisions.insert(), batch)


def _decision(row: Any) -> dict[str, Any]:
    try:
        review = json.loads(row.review_json)
    except ValueError:
        review = {}
    text = str((review.get("draft") or {}).get("text") or "")
    categories = sorted({str(r.get("category")) for r in review.get("risks") or [] if r.get("category")})
    return {
        "review_id": row.review_id,
        "workspace": None,
        "channel": row.channel,
        "thread_ts": row.thread_ts,
        "draft_ts": row.draft_ts,
        "author": row.user_id,
        "version": row.version,
        # A deleted draft's text was already erased: no hash rather than the hash of "".
        "text_sha256": hashlib.sha256(text.encode()).hexdigest() if text and not row.deleted else None,
        "verdict": str(review.get("verdict") or "unknown"),
        "risk_level": str(review.get("risk_level") or "unknown"),
        "categories": json.dumps(categories),
        "engines": json.dumps([str(e) for e in review.get("engines") or []]),
        "created_at": row.created_at,
        "deleted": bool(row.deleted),
        # The previous release kept no time of deletion.
        "deleted_at": None,
    }


def downgrade() -> None:
    op.drop_table("redteam_clearances")
    op.drop_index("ix_redteam_decisions_channel", "redteam_decisions")
    op.drop_index("ix_redteam_decisions_created_at", "redteam_decisions")
    op.drop_table("redteam_decisions")
    with op.batch_alter_table("redteam_reviews") as batch:
        batch.drop_column("workspace")
