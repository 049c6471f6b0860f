"""The store's schema arrives by migrations: a store from the release before them is upgraded
with its data, the migrations build exactly the tables the code uses, and processes starting at
once upgrade one store without tripping over each other."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot.store import Store
from bot.store.engine import make_engine
from bot.store.migrate import VERSION_TABLE, current_revision, head_revision
from bot.store.tables import metadata
from tests.test_store import DRAFT, make_record, make_review

# The tables exactly as the release before migrations created them with metadata.create_all;
# frozen here so that changing bot/store/tables.py cannot change what this test starts from.
LEGACY = sa.MetaData()
_WHEN = sa.DateTime(timezone=True)
LEGACY_KEYS = sa.Table(
    "redteam_processed_keys", LEGACY,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("claimed_at", _WHEN, nullable=False, index=True),
)
LEGACY_OPEN_WORK = sa.Table(
    "redteam_open_work", LEGACY,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("thread_ts", sa.String(64), nullable=False),
    sa.Column("started_at", _WHEN, nullable=False, index=True),
)
LEGACY_REVIEWS = sa.Table(
    "redteam_reviews", LEGACY,
    sa.Column("review_id", sa.String(36), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("draft_ts", sa.String(64), nullable=False),
    sa.Column("thread_ts", sa.String(64), nullable=True),
    sa.Column("reply_ts", sa.String(64), nullable=True),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("review_json", sa.Text, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", _WHEN, nullable=False, index=True),
    sa.Index("ix_redteam_reviews_draft", "channel", "draft_ts"),
    sa.Index("ix_redteam_reviews_thread", "channel", "thread_ts"),
)
LEGACY_FEEDBACK = sa.Table(
    "redteam_feedback", LEGACY,
    sa.Column("review_id", sa.String(36), nullable=False),
    sa.Column("user_id", sa.String(64), nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("at", _WHEN, nullable=False),
    sa.UniqueConstraint("review_id", "user_id", name="uq_redteam_feedback_vote"),
)

NOW = datetime.now(UTC).replace(microsecond=0)


def _legacy_store(url: str) -> dict[str, str]:
    """A store as the previous release left it: a live review, a deleted one, votes, a key, a debt."""
    live = make_record(draft_ts="100.1", thread_ts="100.1", created_at=NOW)
    erased = make_review(text="")
    engine = make_engine(url)
    with engine.begin() as conn:
        LEGACY.create_all(conn)
        conn.execute(sa.insert(LEGACY_KEYS).values(key="event:Ev1", claimed_at=NOW))
        conn.execute(sa.insert(LEGACY_OPEN_WORK).values(key="draft:C1:1", channel="C1", thread_ts="1",
                                                       started_at=NOW))
        for rec_id, ts, review, deleted in (
            (live.review_id, "100.1", live.review.model_dump_json(), False),
            ("00000000-0000-0000-0000-00000000dead", "200.1", erased.model_dump_json(), True),
        ):
            conn.execute(sa.insert(LEGACY_REVIEWS).values(
                review_id=rec_id, channel="C1", draft_ts=ts, thread_ts=ts, reply_ts="9.9", user_id="U1",
                version=1, review_json=review, deleted=deleted, created_at=NOW,
            ))
        conn.execute(sa.insert(LEGACY_FEEDBACK).values(review_id=live.review_id, user_id="U2", helpful=True,
                                                      at=NOW))
    engine.dispose()
    return {"live": live.review_id, "erased": "00000000-0000-0000-0000-00000000dead"}


def test_a_store_from_the_previous_release_is_upgraded_and_keeps_its_data(database_url: str) -> None:
    ids = _legacy_store(database_url)
    store = Store(database_url, retention_days=30, audit_retention_days=365)
    assert store.schema_before == "unversioned"
    assert store.schema_revision == head_revision()

    live = store.get_review(ids["live"])
    assert live is not None and live.review.draft.text == DRAFT and live.reply_ts == "9.9"
    assert live.workspace is None
    assert store.feedback_counts(ids["live"]) == (1, 0)
    assert store.claim("event:Ev1") is False, "the keys handled before the upgrade stay handled"

    # The reviews already stored are in the audit, the erased one without a hash of its words.
    records = {d.review_id: d for d in store.decision_records()}
    assert set(records) == set(ids.values())
    kept = records[ids["live"]]
    assert kept.verdict == "revise" and kept.risk_level == "high"
    assert kept.categories == ["surveillance_creep"] and kept.engines == ["offline"]
    assert kept.text_sha256 is not None and len(kept.text_sha256) == 64
    assert kept.helpful == 1 and not kept.deleted
    assert records[ids["erased"]].deleted and records[ids["erased"]].text_sha256 is None

    # New writes work on the upgraded tables.
    rec = make_record(draft_ts="300.1", workspace="T1")
    store.save_review(rec)
    got = store.get_review(rec.review_id)
    assert got is not None and got.workspace == "T1"
    store.close()

    again = Store(database_url)
    assert again.schema_before == head_revision(), "a second start finds the store current"
    again.close()


def test_unfinished_work_survives_the_upgrade(database_url: str) -> None:
    from datetime import timedelta

    _legacy_store(database_url)
    store = Store(database_url, clock=lambda: NOW + timedelta(hours=1))
    # a row from before leases has none: it counts as expired, so the sweep takes it
    assert [(o.channel, o.thread) for o in store.take_unfinished()] == [("C1", "1")]
    store.close()


def test_migrations_build_exactly_the_tables_the_code_declares(database_url: str) -> None:
    Store(database_url).close()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}),
                                metadata)
        assert current_revision(conn) == head_revision()
    engine.dispose()
    assert diff == []


def test_an_upgraded_store_matches_a_new_one(database_url: str) -> None:
    _legacy_store(database_url)
    Store(database_url).close()
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}),
                                metadata)
    engine.dispose()
    assert diff == []


@pytest.mark.parametrize("legacy", [False, True], ids=["empty", "previous-release"])
def test_workers_starting_at_once_all_start_on_one_upgraded_store(database_url: str, legacy: bool) -> None:
    if legacy:
        _legacy_store(database_url)
    starters = 6
    barrier = threading.Barrier(starters)
    errors: list[BaseException] = []
    stores: list[Store] = []

    def start() -> None:
        barrier.wait()
        try:
            stores.append(Store(database_url))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(stores) == starters
    assert sum(s.schema_before != head_revision() for s in stores) == 1, "exactly one upgraded"
    rec = make_record(draft_ts="400.1")
    stores[0].save_review(rec)
    assert stores[-1].decision(rec.review_id) is not None
    for s in stores:
        s.close()


def test_db_upgrade_command_reports_the_revisions(database_url: str, monkeypatch, capsys) -> None:
    from bot.cli.main import main

    _legacy_store(database_url)
    monkeypatch.setenv("REDTEAM_DATABASE_URL", database_url)
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert head_revision() in out and "before migrations" in out
    assert main(["db", "upgrade"]) == 0
    assert "already" in capsys.readouterr().out
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
        row = conn.execute(sa.text("SELECT categories FROM redteam_decisions")).first()
    engine.dispose()
    assert row is not None and json.loads(row[0]) in (["surveillance_creep"], [])


def test_db_upgrade_on_a_store_it_cannot_open_says_why(tmp_path, monkeypatch, capsys) -> None:
    from bot.cli.main import main

    monkeypatch.setenv("REDTEAM_DATABASE_URL", f"sqlite:///{tmp_path / 'no-such-folder' / 'x.sqlite3'}")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "cannot open the store" in err and "REDTEAM_DATABASE_URL" in err and "Traceback" not in err
