"""The synchronous store: idempotency keys, posted reviews, feedback clicks, clearances and the
decision record the audit reads.

Every method is one short transaction, so several processes (Socket Mode worker, HTTP
workers) can share one database. Callers on an event loop use :class:`bot.store.AsyncStore`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Row,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.review.models import Evidence, Review
from bot.store import migrate
from bot.store.engine import WRITE_OPTION, make_engine
from bot.store.records import (
    Claim,
    Clearance,
    ClearOutcome,
    ClearResult,
    DecisionRecord,
    OwedReply,
    ReviewRecord,
)
from bot.store.tables import clearances, decisions, feedback, open_work, processed_keys, reviews

if TYPE_CHECKING:
    from bot.settings import Settings

MAX_KEY_CHARS = 255

#: Tries of a store's first write at start when another process holds SQLite's file (see _upgrade).
STARTUP_LOCK_RETRIES = 20

#: Slack retries an unacknowledged event for about an hour; a week of keys is ample.
DEFAULT_KEY_DAYS = 7

#: ``REDTEAM_AUDIT_RETENTION_DAYS``'s default: decision records are kept a year.
DEFAULT_AUDIT_RETENTION_DAYS = 365

#: Verdicts whose clearance needs a written reason.
REASON_REQUIRED_VERDICTS = frozenset({"do_not_post"})

#: How long a reply owed stays with the process working on it without a renewal. That process
#: renews it every third of this while the work runs, so a lease that runs out means the process
#: stopped; a sweep elsewhere then takes the debt.
DEFAULT_LEASE = timedelta(seconds=30)

Clock = Callable[[], datetime]


def process_id() -> str:
    """This process's name as an owner of leases: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """``Store("sqlite:///redteam.sqlite3")`` upgrades the schema to the newest migration (creating
    the tables in an empty database) and prunes old keys.

    ``retention_days`` and ``audit_retention_days``, when given, also purge what is older on
    startup (see ``purge_expired``).
    """

    def __init__(
        self,
        database_url: str,
        *,
        retention_days: int | None = None,
        audit_retention_days: int | None = None,
        key_days: int = DEFAULT_KEY_DAYS,
        clock: Clock = utcnow,
        lease: timedelta = DEFAULT_LEASE,
    ) -> None:
        #: The owner of the leases this store takes (see ``claim_all(reply_in=)``).
        self.owner = process_id()
        self.lease = lease
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
        self.audit_retention_days = audit_retention_days
        try:
            self.schema_before, self.schema_revision = self._upgrade()
        except OperationalError as exc:
            self._engine.dispose()
            raise migrate.unreachable(self._engine.url.render_as_string(hide_password=True), exc) from None
        self.prune_keys(key_days)
        self.purge_expired()

    def _upgrade(self) -> tuple[str | None, str]:
        """``migrate.upgrade`` in a write transaction. On SQLite, workers that open a brand-new
        file at the same moment can be refused at once ("database is locked": switching the file
        to WAL needs it to themselves, and SQLite does not wait for that), so a refusal is retried
        for a few seconds; any other error, or one that persists, is raised."""
        for attempt in range(STARTUP_LOCK_RETRIES + 1):
            try:
                with self._write() as conn:
                    return migrate.upgrade(conn)
            except OperationalError as exc:
                locked = self.dialect == "sqlite" and "locked" in str(exc.orig or "")
                if not locked or attempt == STARTUP_LOCK_RETRIES:
                    raise
                self._engine.dispose()  # a fresh connection retries the journal-mode switch
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        return cls(
            settings.database_url,
            retention_days=settings.retention_days,
            audit_retention_days=settings.audit_retention_days,
            lease=timedelta(seconds=settings.owed_lease_seconds),
        )

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

    def seen(self, key: str) -> bool:
        """True when ``key`` has been claimed (by any process sharing this database)."""
        with self._engine.connect() as conn:
            return conn.execute(_SEEN, {"b_key": _storable_key(key)}).first() is not None

    def claim_all(
        self, keys: Sequence[str], *, reply_in: tuple[str, str] | None = None, route: str | None = None
    ) -> bool:
        """Claim every key in one transaction: True when none had been seen before.

        Each key is recorded either way (as ``claim`` would, one after the other), so a key seen
        here is never claimed later. A Slack event claims its delivery id and its draft together:
        one round trip to the database instead of two.

        ``reply_in=(channel, thread_ts)``: a successful claim also records that a reply is owed
        there, under the last key, until ``finish_work(that key)``; ``route``: what the platform
        needs to post there, kept with the debt for a process that never saw that conversation.
        """
        stored = list(dict.fromkeys(_storable_key(k) for k in keys))
        if self.dialect not in ("sqlite", "postgresql"):
            fresh_all = all([self.claim(k) for k in stored])
            if fresh_all and reply_in is not None and stored:
                with self._write() as conn:
                    conn.execute(self._open_work_row(stored[-1], reply_in, route))
            return fresh_all
        with self._write() as conn:
            return self._claim_in(conn, stored, reply_in, route)

    def claim_many(self, claims: Sequence[Claim]) -> list[bool]:
        """``claim_all`` for each of ``claims``, in order, in one transaction: one commit for a
        burst of drafts instead of one each. Each answer is what ``claim_all`` would have given,
        called for each in turn."""
        if self.dialect not in ("sqlite", "postgresql"):
            return [self.claim_all(c.keys, reply_in=c.reply_in, route=c.route) for c in claims]
        keys = [list(dict.fromkeys(_storable_key(k) for k in c.keys)) for c in claims]
        now = self._clock()
        answers: list[bool] = []
        owed: list[dict[str, Any]] = []
        with self._write() as conn:
            # All the keys in one statement (a few, for many keys): each trip to the database
            # from a worker thread waits for the interpreter, and the review loop keeps it busy.
            rows = [{"key": k, "claimed_at": now} for k in dict.fromkeys(k for ks in keys for k in ks)]
            fresh = {row.key for row in conn.execute(_CLAIM_KEY[self.dialect], rows)} if rows else set()
            for claim, stored in zip(claims, keys, strict=True):
                answers.append(all(k in fresh for k in stored))
                fresh.difference_update(stored)  # a key listed again later in the batch is taken
                if answers[-1] and claim.reply_in is not None and stored:
                    owed.append(self._open_work_values(stored[-1], claim.reply_in, claim.route))
            if owed:
                conn.execute(insert(open_work), owed)
        return answers

    def _claim_in(
        self, conn: Connection, stored: list[str], reply_in: tuple[str, str] | None, route: str | None
    ) -> bool:
        now = self._clock()
        stmt = _CLAIM_KEY[self.dialect]
        fresh = 0
        for key in stored:
            fresh += conn.execute(stmt, {"key": key, "claimed_at": now}).first() is not None
        if fresh == len(stored) and reply_in is not None and stored:
            conn.execute(insert(open_work), self._open_work_values(stored[-1], reply_in, route))
        return fresh == len(stored)

    def _open_work_row(self, key: str, reply_in: tuple[str, str], route: str | None) -> Insert:
        return insert(open_work).values(**self._open_work_values(key, reply_in, route))

    def _open_work_values(self, key: str, reply_in: tuple[str, str], route: str | None) -> dict[str, Any]:
        channel, thread_ts = reply_in
        now = self._clock()
        return {"key": key, "channel": channel, "thread_ts": thread_ts, "started_at": now,
                "owner": self.owner, "lease_until": now + self.lease, "route": route}

    def note(self, key: str, note: str) -> None:
        """Keep ``note`` with ``key`` (claimed now if it was not): what a later look needs to find
        what the key's handling did, such as the id of the message posted under it."""
        stored = _storable_key(key)
        with self._write() as conn:
            if not conn.execute(_NOTE, {"b_key": stored, "note": note}).rowcount:
                row = {"key": stored, "claimed_at": self._clock(), "note": note}
                conn.execute(insert(processed_keys), row)

    def noted(self, key: str) -> tuple[bool, str | None]:
        """Whether ``key`` was claimed, and the note kept with it (None when none)."""
        query = select(processed_keys.c.note).where(processed_keys.c.key == _storable_key(key))
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        return (False, None) if row is None else (True, row.note)

    # --- replies owed ------------------------------------------------------------------

    def finish_work(self, key: str) -> None:
        """The reply owed under ``key`` (see ``claim_all``) was given; a debt ``leave_owed`` left
        for the sweep stays until ``forget_work``."""
        with self._write() as conn:
            conn.execute(_FINISH_WORK, {"b_key": _storable_key(key)})

    def forget_work(self, key: str) -> None:
        """The debt under ``key`` is settled, whatever it was."""
        with self._write() as conn:
            conn.execute(delete(open_work).where(open_work.c.key == _storable_key(key)))

    def owes(self, key: str) -> bool:
        """True while a reply is owed under ``key`` (its work is running, or left to the sweep)."""
        query = select(open_work.c.key).where(open_work.c.key == _storable_key(key))
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def renew_lease(self, key: str) -> bool:
        """Extend this process's lease on ``key``; False when it no longer holds it."""
        with self._write() as conn:
            result = conn.execute(
                update(open_work)
                .where(open_work.c.key == _storable_key(key), open_work.c.owner == self.owner)
                .values(lease_until=self._clock() + self.lease)
            )
        return bool(result.rowcount)

    def leave_owed(self, key: str, notice: str) -> None:
        """The reply owed under ``key`` could not be posted: leave ``notice`` for the sweep to give,
        and let the lease go so the next sweep takes it."""
        with self._write() as conn:
            conn.execute(
                update(open_work)
                .where(open_work.c.key == _storable_key(key))
                .values(notice=notice, owner=None, lease_until=self._clock())
            )

    def take_unfinished(self, *, only: Callable[[str], bool] | None = None) -> list[OwedReply]:
        """Replies owed whose lease ran out (their process stopped, or left a notice to give),
        each leased to exactly one caller across processes. The caller gives the reply and then
        ``forget_work``; if it cannot, the lease runs out again and a later sweep retries.

        ``only(key)``: take only the debts whose key it accepts (one platform's, when several
        platforms share the store and each process can answer only on its own)."""
        now = self._clock()
        expired = or_(open_work.c.lease_until.is_(None), open_work.c.lease_until <= now)
        query = select(
            open_work.c.key, open_work.c.channel, open_work.c.thread_ts, open_work.c.notice,
            open_work.c.started_at, open_work.c.route,
        ).where(expired)
        with self._engine.connect() as conn:
            stale = list(conn.execute(query))
        taken: list[OwedReply] = []
        for row in stale:
            if only is not None and not only(row.key):
                continue
            with self._write() as conn:
                # Compare and set: of two sweepers, the one whose update matches takes it.
                took = conn.execute(
                    update(open_work)
                    .where(open_work.c.key == row.key, expired)
                    .values(owner=self.owner, lease_until=now + self.lease)
                )
            if took.rowcount == 1:
                taken.append(
                    OwedReply(
                        key=row.key,
                        channel=row.channel,
                        thread=row.thread_ts,
                        notice=row.notice,
                        started_at=row.started_at,
                        route=row.route,
                    )
                )
        return taken

    def prune_keys(self, older_than_days: int = DEFAULT_KEY_DAYS) -> int:
        cutoff = self._clock() - timedelta(days=older_than_days)
        with self._write() as conn:
            result = conn.execute(delete(processed_keys).where(processed_keys.c.claimed_at < cutoff))
        return int(result.rowcount)

    # --- reviews -----------------------------------------------------------------------

    def save_review(self, rec: ReviewRecord) -> str:
        """Insert ``rec``, or replace the stored record with the same ``review_id``; its decision
        record is written in the same transaction."""
        values = _record_values(rec)
        decision = _decision_values(rec)
        digest = decision.pop("text_sha256")
        now = self._clock()
        with self._write() as conn:
            # Update first: on SQLite a write first holds the lock for the whole transaction.
            if conn.execute(_SAVE_REVIEW.update, {**values, "b_review_id": rec.review_id}).rowcount == 0:
                conn.execute(_SAVE_REVIEW.insert, {**values, "review_id": rec.review_id})
            changed = {**decision, "b_review_id": rec.review_id, "b_digest": digest, "b_now": now}
            if conn.execute(_SAVE_REVIEW.update_decision[rec.deleted], changed).rowcount == 0:
                conn.execute(_SAVE_REVIEW.insert_decision, {
                    **decision, "review_id": rec.review_id, "text_sha256": digest,
                    "deleted_at": now if rec.deleted else None,
                })
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
            conn.execute(
                update(decisions)
                .where(decisions.c.channel == channel, decisions.c.draft_ts == draft_ts)
                .where(decisions.c.deleted_at.is_(None))
                .values(deleted=True, deleted_at=self._clock())
            )
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

    # --- clearance ---------------------------------------------------------------------

    def clear(self, review_id: str, user_id: str, *, reason: str | None = None) -> ClearResult:
        """Record that ``user_id`` cleared this version of a draft to post.

        Safe under races: the clearance's primary key admits one row per version, so of two
        approvers clicking at once exactly one is recorded and the other gets ``taken`` with the
        first one's clearance. A repeated click by the same person is ``already_cleared`` and
        changes nothing. The store also refuses what no policy may allow: the author clearing
        their own draft, a ``do_not_post`` verdict without a reason, a deleted draft, and a
        version that an edit has replaced. Who else may clear (``REDTEAM_APPROVERS``) is the
        caller's to decide.
        """
        reason = (reason or "").strip() or None
        with self._write() as conn:
            decision = conn.execute(select(decisions).where(decisions.c.review_id == review_id)).first()
            if decision is None:
                return ClearResult(outcome=ClearOutcome.unknown)
            if decision.deleted:
                return ClearResult(outcome=ClearOutcome.deleted)
            existing = _clearance_of(conn, review_id)
            if existing is not None:
                return _settled(existing, user_id)
            if decision.author == user_id or _wrote_an_earlier_version(conn, decision, user_id):
                return ClearResult(outcome=ClearOutcome.own_draft)
            if decision.verdict in REASON_REQUIRED_VERDICTS and reason is None:
                return ClearResult(outcome=ClearOutcome.reason_required)
            if _superseded(conn, decision):
                return ClearResult(outcome=ClearOutcome.superseded)
            mine = Clearance(review_id=review_id, cleared_by=user_id, cleared_at=self._clock(), reason=reason)
            values = mine.model_dump(include={"review_id", "cleared_by", "cleared_at", "reason"})
            if self.dialect in ("sqlite", "postgresql"):
                dialect_insert = sqlite.insert if self.dialect == "sqlite" else postgresql.insert
                stmt = dialect_insert(clearances).values(**values).on_conflict_do_nothing()
                won = conn.execute(stmt.returning(clearances.c.review_id)).first() is not None
            else:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(clearances).values(**values))
                    won = True
                except IntegrityError:
                    won = False
            if won:
                return ClearResult(outcome=ClearOutcome.cleared, clearance=mine)
            first = _clearance_of(conn, review_id)
        assert first is not None  # the row that beat ours
        return _settled(first, user_id)

    def void_clearance(self, review_id: str, why: str) -> Clearance | None:
        """Void the clearance of this version (it was edited): returns the voided clearance, or
        None when it had no clearance in force. The version can't be cleared again."""
        with self._write() as conn:
            done = conn.execute(
                update(clearances)
                .where(clearances.c.review_id == review_id, clearances.c.voided_at.is_(None))
                .values(voided_at=self._clock(), void_reason=why)
                .returning(clearances.c.review_id)
            ).first()
            return _clearance_of(conn, review_id) if done is not None else None

    def clearance(self, review_id: str) -> Clearance | None:
        """This version's clearance, in force or voided (see ``.voided``); None if never cleared."""
        with self._engine.connect() as conn:
            return _clearance_of(conn, review_id)

    # --- the decision record ------------------------------------------------------------

    def decision(self, review_id: str) -> DecisionRecord | None:
        found = self._decisions(decisions.c.review_id == review_id)
        return found[0] if found else None

    def decision_records(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        channel: str | None = None,
        verdict: str | None = None,
        limit: int | None = None,
    ) -> list[DecisionRecord]:
        """Decision records, newest first: ``since <= created_at < until``, in ``channel``, with
        ``verdict``, at most ``limit``."""
        where = []
        if since is not None:
            where.append(decisions.c.created_at >= since)
        if until is not None:
            where.append(decisions.c.created_at < until)
        if channel:
            where.append(decisions.c.channel == channel)
        if verdict:
            where.append(decisions.c.verdict == verdict)
        return self._decisions(and_(true(), *where), limit=limit)

    def _decisions(self, where: Any, *, limit: int | None = None) -> list[DecisionRecord]:
        votes = (
            select(
                feedback.c.review_id,
                func.sum(case((feedback.c.helpful, 1), else_=0)).label("helpful"),
                func.sum(case((feedback.c.helpful, 0), else_=1)).label("not_helpful"),
            )
            .group_by(feedback.c.review_id)
            .subquery()
        )
        query = (
            select(
                decisions,
                votes.c.helpful,
                votes.c.not_helpful,
                clearances.c.cleared_by,
                clearances.c.cleared_at,
                clearances.c.reason,
                clearances.c.voided_at,
                clearances.c.void_reason,
            )
            .outerjoin(votes, votes.c.review_id == decisions.c.review_id)
            .outerjoin(clearances, clearances.c.review_id == decisions.c.review_id)
            .where(where)
            .order_by(decisions.c.created_at.desc(), decisions.c.version.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as conn:
            return [_decision_record(row) for row in conn.execute(query)]

    # --- retention ---------------------------------------------------------------------

    def purge_expired(self) -> tuple[int, int]:
        """Apply both retention periods; returns ``(reviews, decision records)`` deleted.

        Reviews (the draft's words) go after ``retention_days``; decision records, with their
        feedback and clearance, after ``audit_retention_days``. A review also carries its
        verdict and categories, so it never outlives the audit's period either. Called at start;
        a long-running process calls it now and then (the Slack app's sweep does, every minute).
        """
        periods = [d for d in (self.retention_days, self.audit_retention_days) if d is not None]
        texts = 0
        if periods:
            cutoff = self._clock() - timedelta(days=min(periods))
            with self._write() as conn:
                texts = int(conn.execute(delete(reviews).where(reviews.c.created_at < cutoff)).rowcount)
        records = 0
        if self.audit_retention_days is not None:
            records = self._purge_decisions(self._clock() - timedelta(days=self.audit_retention_days))
        return texts, records

    def _purge_decisions(self, cutoff: datetime) -> int:
        old = select(decisions.c.review_id).where(decisions.c.created_at < cutoff)
        with self._write() as conn:
            conn.execute(delete(feedback).where(or_(feedback.c.review_id.in_(old), feedback.c.at < cutoff)))
            conn.execute(
                delete(clearances).where(
                    or_(clearances.c.review_id.in_(old), clearances.c.cleared_at < cutoff)
                )
            )
            return int(conn.execute(delete(decisions).where(decisions.c.created_at < cutoff)).rowcount)

    def purge_older_than(self, days: int) -> int:
        """Delete everything about reviews older than ``days``: the reviews (draft text
        included), their decision records, feedback and clearances; returns how many reviews
        went."""
        cutoff = self._clock() - timedelta(days=days)
        with self._write() as conn:
            result = conn.execute(delete(reviews).where(reviews.c.created_at < cutoff))
        self._purge_decisions(cutoff)
        return int(result.rowcount)


def _storable_key(key: str) -> str:
    if len(key) > MAX_KEY_CHARS:
        # Cutting would let two long keys collide; a digest keeps them apart.
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def text_sha256(text: str) -> str | None:
    """The hex SHA-256 of a draft's words (UTF-8); None for no words (an erased draft)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None


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


# The statements run for every draft, built once (see _SaveReview).
_CLAIM_KEY = {
    # RETURNING, not rowcount: psycopg reports -1 as the rowcount of this statement.
    name: dialect.insert(processed_keys).on_conflict_do_nothing().returning(processed_keys.c.key)
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}
_NOTE = update(processed_keys).where(processed_keys.c.key == bindparam("b_key"))
_FINISH_WORK = delete(open_work).where(open_work.c.key == bindparam("b_key"), open_work.c.notice.is_(None))
_SEEN = select(processed_keys.c.key).where(processed_keys.c.key == bindparam("b_key"))


class _SaveReview:
    """``save_review``'s statements, built once, their values given when run: built per call
    (``.values(**row)``), making their bound parameters took most of a save's time, more than the
    database did. The columns set are the ones named in the values given."""

    def __init__(self) -> None:
        self.update = update(reviews).where(reviews.c.review_id == bindparam("b_review_id"))
        self.insert = insert(reviews)
        by_id = update(decisions).where(decisions.c.review_id == bindparam("b_review_id"))
        # A redacted review (text "") never replaces the hash of the words it had; a deletion keeps
        # the time it was first recorded.
        kept: Any = func.coalesce(bindparam("b_digest"), decisions.c.text_sha256)
        self.update_decision = {
            False: by_id.values(text_sha256=kept, deleted_at=None),
            True: by_id.values(text_sha256=kept,
                               deleted_at=func.coalesce(decisions.c.deleted_at, bindparam("b_now"))),
        }
        self.insert_decision = insert(decisions)


_SAVE_REVIEW = _SaveReview()


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
        "workspace": rec.workspace,
    }


def _decision_values(rec: ReviewRecord) -> dict[str, Any]:
    review = rec.review
    return {
        "workspace": rec.workspace,
        "channel": rec.channel,
        "thread_ts": rec.thread_ts,
        "draft_ts": rec.draft_ts,
        "author": rec.user_id,
        "version": rec.version,
        "text_sha256": text_sha256(review.draft.text),
        "verdict": review.verdict.value,
        "risk_level": review.risk_level.value,
        "categories": json.dumps(sorted({r.category for r in review.risks})),
        "engines": json.dumps(list(review.engines)),
        "created_at": rec.created_at,
        "deleted": rec.deleted,
    }


def _clearance_of(conn: Connection, review_id: str) -> Clearance | None:
    row = conn.execute(select(clearances).where(clearances.c.review_id == review_id)).first()
    return Clearance.model_validate(row._asdict()) if row is not None else None


def _settled(existing: Clearance, user_id: str) -> ClearResult:
    if existing.voided:
        return ClearResult(outcome=ClearOutcome.voided, clearance=existing)
    same = existing.cleared_by == user_id
    return ClearResult(outcome=ClearOutcome.already_cleared if same else ClearOutcome.taken,
                       clearance=existing)


def _superseded(conn: Connection, decision: Row[Any]) -> bool:
    """An edit of the same message made a newer version: this one's words are gone."""
    newer = select(decisions.c.review_id).where(
        decisions.c.channel == decision.channel,
        decisions.c.draft_ts == decision.draft_ts,
        decisions.c.version > decision.version,
    )
    return conn.execute(newer.limit(1)).first() is not None


def _wrote_an_earlier_version(conn: Connection, decision: Row[Any], user_id: str) -> bool:
    """``user_id`` wrote a version before this one in its thread (the draft a revision revises)."""
    if decision.thread_ts is None:
        return False
    earlier = select(decisions.c.review_id).where(
        decisions.c.channel == decision.channel,
        decisions.c.thread_ts == decision.thread_ts,
        decisions.c.version < decision.version,
        decisions.c.author == user_id,
    )
    return conn.execute(earlier.limit(1)).first() is not None


def _decision_record(row: Row[Any]) -> DecisionRecord:
    clearance = None
    if row.cleared_by is not None:
        clearance = Clearance(
            review_id=row.review_id,
            cleared_by=row.cleared_by,
            cleared_at=row.cleared_at,
            reason=row.reason,
            voided_at=row.voided_at,
            void_reason=row.void_reason,
        )
    return DecisionRecord(
        review_id=row.review_id,
        created_at=row.created_at,
        workspace=row.workspace,
        channel=row.channel,
        thread_ts=row.thread_ts,
        draft_ts=row.draft_ts,
        author=row.author,
        version=row.version,
        text_sha256=row.text_sha256,
        verdict=row.verdict,
        risk_level=row.risk_level,
        categories=json.loads(row.categories),
        engines=json.loads(row.engines),
        helpful=int(row.helpful or 0),
        not_helpful=int(row.not_helpful or 0),
        clearance=clearance,
        deleted=bool(row.deleted),
        deleted_at=row.deleted_at,
    )


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
        workspace=row.workspace,
    )
