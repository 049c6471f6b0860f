"""Fixtures shared by the tests: the shipped rules' checker, and the store's databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.review.checker import OfflineChecker
from bot.store.engine import normalise_url

#: A PostgreSQL server for the store's tests (``scripts/with-postgres`` starts one; CI does).
POSTGRES_URL = os.environ.get("REDTEAM_TEST_POSTGRES_URL")


# PostgreSQL runs are opt-in: the tests must pass on a machine without a server.
@pytest.fixture(params=["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite3'}"
        return
    assert POSTGRES_URL
    # A schema of its own per test, so runs never see each other's rows.
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(normalise_url(POSTGRES_URL))
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()




@pytest.fixture(scope="session")
def checker() -> OfflineChecker:
    """The checker of the shipped rules, shared: it holds no state between drafts."""
    return OfflineChecker()
