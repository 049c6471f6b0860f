"""The synchronous store: idempotency keys, posted reviews and feedback clicks.

Every method is one short transaction, so several processes (Socket Mode worker, HTTP
workers) can share one database. Callers on an event loop use :class:`bot.store.AsyncStore`.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Insert, Row, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.review.models import Evidence, Review
from bot.store.engine import WRITE_OPTION, StoreConfigError, make_engine
from bot.store.records import ReviewRecord
from bot.store.tables import feedback, metadata, open_work, processed_keys, reviews

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_KEY_CHARS = 255

#: Slack retries an unacknowledged event for about an hour; a week of keys is ample.
DEFAULT_KEY_DAYS = 7

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """``Store("sqlite:///redteam.sqlite3")`` creates the tables if needed and prunes old keys.

    ``retention_days``, when given, also purges reviews older than that on startup.
    """

    def __init__(
        self,
        database_url: str,
        *,
        retention_days: int | None = None,
        key_days: int = DEFAULT_KEY_DAYS,
        clock: Clock = utcnow,
    ) -> None:
        self._engine: Engine = make_engine(database_url)
        self._writer: Engine = self._engine.execution_options(**{WRITE_OPTION: True})
        # SQLite has one writer at a time. Threads of this process queue on a lock instead of in
        # SQLite's busy handler, which polls with sleeps of 1 to 100 ms; other processes still
        # meet the busy timeout.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self._engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )
        self._clock = clock
        self.retention_days = retention_days
        try:
            with self._write() as conn:
                metadata.create_all(conn)
        except OperationalError as exc:
            self._engine.dispose()
            where = self._engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "unknown error"
            raise StoreConfigError(
                f"cannot open the store at {where} (REDTEAM_DATABASE_URL): {reason}"
            ) from None
        self.prune_keys(key_days)
        if retention_days is not None:
            self.purge_older_than(retention_days)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(settings.database_url, retention_days=settings.retention_days)

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def close(self) -> None:
        self._engine.dispose()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction (BEGIN IMMEDIATE on SQLite), committed on success."""
        with self._write_lock, self._writer.begin() as conn:
            yield conn

    # --- idempotency -------------------------------------------------------------------

    def claim(self, key: str) -> bool:
        """True the first time ``key`` is seen by any process sharing this database, else False."""
        key = _storable_key(key)
        try:
            with self._write() as conn:
                conn.execute(insert(processed_keys).values(key=key, claimed_at=self._clock()))
        except IntegrityError:
            return False
        return True

    def claim_all(self, keys: Sequence[str], *, reply_in: tuple[str, str] | None = None) -> bool:
        """Claim every key in one transaction: True when none had been seen before.

        Each key is recorded either way (as ``claim`` would, one after the other), so a key seen
        here is never claimed later. A Slack event claims its delivery id and its draft together:
        one round trip to the database instead of two.

        ``reply_in=(channel, thread_ts)``: a successful claim also records that a reply is owed
        there, under the last key, until ``finish_work(that key)``.
        """
        stored = list(dict.fromkeys(_storable_key(k) for k in keys))
        if self.dialect not in ("sqlite", "postgresql"):
            fresh_all = all([self.claim(k) for k in stored])
            if fresh_all and reply_in is not None and stored:
                with self._write() as conn:
                    conn.execute(self._open_work_row(stored[-1], reply_in))
            return fresh_all
        now = self._clock()
        dialect_insert = sqlite.insert if self.dialect == "sqlite" else postgresql.insert
        fresh = 0
        with self._write() as conn:
            for key in stored:
                stmt = dialect_insert(processed_keys).values(key=key, claimed_at=now)
                # RETURNING, not rowcount: psycopg reports -1 as the rowcount of this statement.
                taken = conn.execute(stmt.on_conflict_do_nothing().returning(processed_keys.c.key))
                fresh += taken.first() is not None
            if fresh == len(stored) and reply_in is not None and stored:
                conn.execute(self._open_work_row(stored[-1], reply_in))
        return fresh == len(stored)

    def _open_work_row(self, key: str, reply_in: tuple[str, str]) -> Insert:
        channel, thread_ts = reply_in
        return insert(open_work).values(
            key=key, channel=channel, thread_ts=thread_ts, started_at=self._clock()
        )

    # --- replies owed ------------------------------------------------------------------

    def finish_work(self, key: str) -> None:
        """The reply owed under ``key`` (see ``claim_all``) was given."""
        with self._write() as conn:
            conn.execute(delete(open_work).where(open_work.c.key == _storable_key(key)))

    def take_unfinished(
        self, older_than: timedelta, *, only: Callable[[str], bool] | None = None
    ) -> list[tuple[str, str]]:
        """``(channel, thread_ts)`` of replies owed for longer than ``older_than``, each handed to
        exactly one caller across processes (its row is deleted by the caller that gets it).

        ``only(key)``: take only the debts whose key it accepts (one platform's, when several
        platforms share the store and each process can answer only on its own)."""
        cutoff = self._clock() - older_than
        query = select(open_work.c.key, open_work.c.channel, open_work.c.thread_ts).where(
            open_work.c.started_at < cutoff
        )
        with self._engine.connect() as conn:
            stale = list(conn.execute(query))
        taken: list[tuple[str, str]] = []
        for row in stale:
            if only is not None and not only(row.key):
                continue
            with self._write() as conn:
                if conn.execute(delete(open_work).where(open_work.c.key == row.key)).rowcount == 1:
                    taken.append((row.channel, row.thread_ts))
        return taken

    def prune_keys(self, older_than_days: int = DEFAULT_KEY_DAYS) -> int:
        cutoff = self._clock() - timedelta(days=older_than_days)
        with self._write() as conn:
            result = conn.execute(delete(processed_keys).where(processed_keys.c.claimed_at < cutoff))
        return int(result.rowcount)

    # --- reviews -----------------------------------------------------------------------

    def save_review(self, rec: ReviewRecord) -> str:
        """Insert ``rec``, or replace the stored record with the same ``review_id``."""
        values = _record_values(rec)
        with self._write() as conn:
            # Update first: on SQLite a write first holds the lock for the whole transaction.
            result = conn.execute(
                update(reviews).where(reviews.c.review_id == rec.review_id).values(**values)
            )
            if result.rowcount == 0:
                conn.execute(insert(reviews).values(review_id=rec.review_id, **values))
        return rec.review_id

    def get_review(self, review_id: str) -> ReviewRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(reviews).where(reviews.c.review_id == review_id)).first()
        return _record(row) if row is not None else None

    def latest_for_draft(self, channel: str, draft_ts: str) -> ReviewRecord | None:
        """The newest review of this draft message, deleted or not (see ``.deleted``)."""
        with self._engine.connect() as conn:
            return _latest_for_draft(conn, channel, draft_ts)

    def thread_reviews(self, channel: str, thread_ts: str) -> list[ReviewRecord]:
        """Every review in a thread, oldest first: the root draft's, then each revision's."""
        query = (
            select(reviews)
            .where(reviews.c.channel == channel, reviews.c.thread_ts == thread_ts)
            .order_by(reviews.c.version, reviews.c.created_at)
        )
        with self._engine.connect() as conn:
            return [_record(row) for row in conn.execute(query)]

    def set_reply_ts(self, review_id: str, reply_ts: str) -> None:
        with self._write() as conn:
            conn.execute(update(reviews).where(reviews.c.review_id == review_id).values(reply_ts=reply_ts))

    def mark_deleted(self, channel: str, draft_ts: str) -> ReviewRecord | None:
        """Mark every review of a deleted draft; returns the newest, or None if there is none.

        The author deleted the draft, so its words are erased from the store too: the
        returned record still carries the review (for the reply's final update), the stored
        one keeps only verdict, risk level and categories.
        """
        match = (reviews.c.channel == channel) & (reviews.c.draft_ts == draft_ts)
        with self._write() as conn:
            result = conn.execute(update(reviews).where(match).values(deleted=True))
            if result.rowcount == 0:
                return None
            latest = _latest_for_draft(conn, channel, draft_ts)
            for row in conn.execute(select(reviews.c.review_id, reviews.c.review_json).where(match)):
                redacted = redact(Review.model_validate_json(row.review_json))
                conn.execute(
                    update(reviews)
                    .where(reviews.c.review_id == row.review_id)
                    .values(review_json=redacted.model_dump_json())
                )
        return latest

    # --- feedback ----------------------------------------------------------------------

    def record_feedback(self, review_id: str, user_id: str, helpful: bool) -> None:
        """One vote per user per review; a second click replaces the first."""
        values = {"review_id": review_id, "user_id": user_id, "helpful": helpful, "at": self._clock()}
        stmt: Insert
        if self.dialect == "sqlite":
            stmt = sqlite.insert(feedback).values(**values)
            stmt = stmt.on_conflict_do_update(
                index_elements=["review_id", "user_id"], set_={"helpful": helpful, "at": values["at"]}
            )
        elif self.dialect == "postgresql":
            stmt = postgresql.insert(feedback).values(**values)
            stmt = stmt.on_conflict_do_update(
                constraint="uq_redteam_feedback_vote", set_={"helpful": helpful, "at": values["at"]}
            )
        else:
            self._replace_vote(values)
            return
        with self._write() as conn:
            conn.execute(stmt)

    def _replace_vote(self, values: dict[str, Any]) -> None:
        with self._write() as conn:
            conn.execute(
                delete(feedback).where(
                    feedback.c.review_id == values["review_id"], feedback.c.user_id == values["user_id"]
                )
            )
            conn.execute(insert(feedback).values(**values))

    def feedback_counts(self, review_id: str) -> tuple[int, int]:
        """``(helpful, not_helpful)`` votes for a review."""
        query = (
            select(feedback.c.helpful, func.count())
            .where(feedback.c.review_id == review_id)
            .group_by(feedback.c.helpful)
        )
        with self._engine.connect() as conn:
            counts = {bool(helpful): int(n) for helpful, n in conn.execute(query)}
        return counts.get(True, 0), counts.get(False, 0)

    # --- retention ---------------------------------------------------------------------

    def purge_older_than(self, days: int) -> int:
        """Delete reviews (draft text included) and their feedback older than ``days``; returns
        how many reviews went."""
        cutoff = self._clock() - timedelta(days=days)
        old = select(reviews.c.review_id).where(reviews.c.created_at < cutoff)
        with self._write() as conn:
            conn.execute(delete(feedback).where(feedback.c.review_id.in_(old)))
            result = conn.execute(delete(reviews).where(reviews.c.created_at < cutoff))
        return int(result.rowcount)


def _storable_key(key: str) -> str:
    if len(key) > MAX_KEY_CHARS:
        # Cutting would let two long keys collide; a digest keeps them apart.
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def redact(review: Review) -> Review:
    """The review without the draft's words: text, notes, quoted evidence and rewrites."""
    blank = Evidence(quote="", start=0, end=0)
    return review.model_copy(
        update={
            "draft": review.draft.model_copy(update={"text": "", "notes": None}),
            "risks": [r.model_copy(update={"evidence": blank}) for r in review.risks],
            "alternatives": [
                a.model_copy(update={"text": "", "residual_risks": []}) for a in review.alternatives
            ],
            "worst_reactions": [],
        }
    )


def _latest_for_draft(conn: Connection, channel: str, draft_ts: str) -> ReviewRecord | None:
    query = (
        select(reviews)
        .where(reviews.c.channel == channel, reviews.c.draft_ts == draft_ts)
        .order_by(reviews.c.version.desc(), reviews.c.created_at.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return _record(row) if row is not None else None


def _record_values(rec: ReviewRecord) -> dict[str, Any]:
    return {
        "channel": rec.channel,
        "draft_ts": rec.draft_ts,
        "thread_ts": rec.thread_ts,
        "reply_ts": rec.reply_ts,
        "user_id": rec.user_id,
        "version": rec.version,
        "review_json": rec.review.model_dump_json(),
        "deleted": rec.deleted,
        "created_at": rec.created_at,
    }


def _record(row: Row[Any]) -> ReviewRecord:
    return ReviewRecord(
        review_id=row.review_id,
        channel=row.channel,
        draft_ts=row.draft_ts,
        thread_ts=row.thread_ts,
        reply_ts=row.reply_ts,
        user_id=row.user_id,
        version=row.version,
        review=Review.model_validate_json(row.review_json),
        deleted=bool(row.deleted),
        created_at=row.created_at,
    )
