"""Leases on replies owed: the process working on one, until when, and a notice left to give.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

Rows left by the previous release have no lease: the sweep takes them as already expired.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("redteam_open_work") as batch:
        batch.add_column(sa.Column("owner", sa.String(64), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("notice", sa.Text, nullable=True))
    op.create_index("ix_redteam_open_work_lease_until", "redteam_open_work", ["lease_until"])


def downgrade() -> None:
    op.drop_index("ix_redteam_open_work_lease_until", "redteam_open_work")
    with op.batch_alter_table("redteam_open_work") as batch:
        batch.drop_column("notice")
        batch.drop_column("lease_until")
        batch.drop_column("owner")
