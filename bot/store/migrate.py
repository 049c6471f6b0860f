"""Bring a store's schema to the newest revision with Alembic (at start, and ``redteam db upgrade``).

A store made before migrations existed has the tables but no version table: it is stamped at
the baseline revision (``0001``, the schema that release created) and upgraded from there.

Several processes may start at once against one database. On PostgreSQL the upgrade holds a
transaction-scoped advisory lock, so one process migrates and the others wait, then find the
schema current. On SQLite the upgrade runs in a ``BEGIN IMMEDIATE`` transaction (the caller's),
which serialises writers the same way. Both backends run DDL inside that transaction, so an
upgrade that fails half-way leaves the schema as it was.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.exc import OperationalError

from bot.store.engine import WRITE_OPTION, StoreConfigError, make_engine

log = logging.getLogger(__name__)

#: The version table, prefixed like the store's tables so it never meets another app's Alembic.
VERSION_TABLE = "redteam_alembic_version"

#: The schema of the release before migrations, which created its tables at start.
BASELINE = "0001"

#: Tables that release created: finding one means the store predates migrations.
BASELINE_TABLES = ("redteam_processed_keys", "redteam_open_work", "redteam_reviews", "redteam_feedback")

#: Key of the PostgreSQL advisory lock held while upgrading (any fixed 64-bit number).
ADVISORY_LOCK_KEY = 0x7265_6474_6561_6D00

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "the store has no migrations"
    return head


def current_revision(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(conn: Connection) -> tuple[str | None, str]:
    """Upgrade to the newest revision in the caller's transaction; ``(before, after)``.

    ``before`` is None for an empty database, ``"unversioned"`` for a store from the release
    before migrations.
    """
    head = head_revision()
    before = current_revision(conn)
    if before == head:
        return before, head
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ADVISORY_LOCK_KEY})")
        before = current_revision(conn)  # another process may have upgraded while we waited
        if before == head:
            return before, head
    config = _config(conn)
    if before is None and set(BASELINE_TABLES) & set(inspect(conn).get_table_names()):
        log.warning("The store predates schema migrations: stamping it at revision %s", BASELINE)
        # The baseline creates only what is missing, so a partial store is completed, not stamped.
        command.upgrade(config, BASELINE)
        before = "unversioned"
    log.info("Upgrading the store's schema from %s to %s", before or "empty", head)
    command.upgrade(config, "head")
    return before, head


def upgrade_database(database_url: str) -> tuple[str | None, str]:
    """``redteam db upgrade``: upgrade the store at ``database_url``; ``(before, after)``."""
    engine = make_engine(database_url)
    try:
        with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
            return upgrade(conn)
    except OperationalError as exc:
        raise unreachable(engine.url.render_as_string(hide_password=True), exc) from None
    finally:
        engine.dispose()


def unreachable(where: str, exc: OperationalError) -> StoreConfigError:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
    return StoreConfigError(f"cannot open the store at {where} (REDTEAM_DATABASE_URL): {reason}")
