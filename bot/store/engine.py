"""Engines for SQLite (development, one host) and PostgreSQL (several stateless workers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

#: Seconds a SQLite writer waits for another process's lock before giving up.
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0

#: Execution option that makes a SQLite transaction take the write lock at BEGIN.
WRITE_OPTION = "redteam_write"


class StoreConfigError(ValueError):
    """The database URL cannot be used; the message says why in plain words."""


def normalise_url(database_url: str) -> URL:
    """``postgres://`` and ``postgresql://`` (as hosting platforms hand them out) use psycopg 3."""
    try:
        url = make_url(database_url)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with its own wording
        raise StoreConfigError(f"REDTEAM_DATABASE_URL is not a database URL: {exc}") from None
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def make_engine(database_url: str) -> Engine:
    url = normalise_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    try:
        return create_engine(url, pool_pre_ping=True)
    except ModuleNotFoundError as exc:
        raise StoreConfigError(
            f"the database driver for {url.drivername} is not installed ({exc.name}); "
            "for PostgreSQL install the extra: pip install 'redteam-reviewer[postgres]'"
        ) from None


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}}
    if in_memory:
        # One shared connection, or every thread (asyncio.to_thread) would see its own empty DB.
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # We issue BEGIN ourselves (below); pysqlite's implicit BEGIN would defer the write lock
        # and turn a read-then-write race between processes into an immediate "database is locked".
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        try:
            if not in_memory:
                # WAL: readers never block the writer, so several processes can share the file.
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
