"""Where an owed reply goes, for a process that never saw the conversation; and, with a key, what
its handling left (the id of a message posted under it).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05

Rows left by the previous release have neither: a debt without a route is given where the
process can find the conversation, as before.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("redteam_open_work") as batch:
        batch.add_column(sa.Column("route", sa.Text, nullable=True))
    with op.batch_alter_table("redteam_processed_keys") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("redteam_processed_keys") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("redteam_open_work") as batch:
        batch.drop_column("route")
