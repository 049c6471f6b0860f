"""Alembic's environment: migrations run on the connection ``bot.store.migrate`` hands over,
inside its transaction (and, on PostgreSQL, under its lock)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.store.migrate import VERSION_TABLE

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run the store's migrations with `redteam db upgrade`, not the alembic command")

context.configure(connection=connection, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
