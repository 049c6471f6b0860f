"""The store for code on an event loop: the same methods, run in worker threads.

SQLAlchemy's sync engine is used on purpose: the calls are short, and ``asyncio.to_thread``
keeps one code path for SQLite and PostgreSQL without async drivers.

Claims are grouped: those made while one is on its way to the database go together, in one
transaction, as soon as it is back (``Store.claim_many``). A burst of 100 drafts then takes a few
commits instead of 100, each a trip to a worker thread and, on SQLite, a turn at the one writer's
lock; the threads' work competes with the review loop for the interpreter, so fewer is faster
for every draft, not just for the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.store.records import Claim, Clearance, ClearResult, DecisionRecord, OwedReply, ReviewRecord
from bot.store.store import DEFAULT_KEY_DAYS, DEFAULT_LEASE, Clock, Store, utcnow

if TYPE_CHECKING:
    from bot.settings import Settings


class AsyncStore:
    """``AsyncStore(database_url)``; creating it upgrades the schema (a blocking call, at startup)."""

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
        self.sync = Store(
            database_url,
            retention_days=retention_days,
            audit_retention_days=audit_retention_days,
            key_days=key_days,
            clock=clock,
            lease=lease,
        )
        # Claims waiting for the one on its way to the database, per event loop (see above).
        self._claims: dict[asyncio.AbstractEventLoop, list[tuple[Claim, asyncio.Future[bool]]]] = {}
        self._claiming: set[asyncio.Task[None]] = set()

    @classmethod
    def from_settings(cls, settings: Settings) -> AsyncStore:
        return cls(
            settings.database_url,
            retention_days=settings.retention_days,
            audit_retention_days=settings.audit_retention_days,
            lease=timedelta(seconds=settings.owed_lease_seconds),
        )

    async def claim(self, key: str) -> bool:
        return await asyncio.to_thread(self.sync.claim, key)

    async def claim_all(
        self, keys: Sequence[str], *, reply_in: tuple[str, str] | None = None, route: str | None = None
    ) -> bool:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[bool] = loop.create_future()
        queued = self._claims.get(loop)
        self._claims[loop] = [*(queued or []), (Claim(keys, reply_in, route), answer)]
        if queued is None:  # nothing on its way from this loop: this one goes now, others join later
            self._claiming.add(asyncio.ensure_future(self._claim_queued(loop)))
        return await answer

    async def _claim_queued(self, loop: asyncio.AbstractEventLoop) -> None:
        batch: list[tuple[Claim, asyncio.Future[bool]]] = []
        try:
            while batch := self._claims.get(loop) or []:
                self._claims[loop] = []
                claims = [claim for claim, _ in batch]
                try:
                    answers = await asyncio.to_thread(self.sync.claim_many, claims)
                except Exception:
                    # Rolled back whole: each claim alone, so one that fails fails alone.
                    answers = None
                for i, (claim, answer) in enumerate(batch):
                    if answer.done():
                        continue
                    if answers is not None:
                        answer.set_result(answers[i])
                        continue
                    try:
                        [alone] = await asyncio.to_thread(self.sync.claim_many, [claim])
                        answer.set_result(alone)
                    except Exception as exc:
                        answer.set_exception(exc)
        finally:
            for _, answer in [*batch, *(self._claims.pop(loop, None) or [])]:
                answer.cancel()  # cancelled with the loop's shutdown: nothing will claim them
            task = asyncio.current_task()
            if task is not None:
                self._claiming.discard(task)

    async def note(self, key: str, note: str) -> None:
        await asyncio.to_thread(self.sync.note, key, note)

    async def noted(self, key: str) -> tuple[bool, str | None]:
        return await asyncio.to_thread(self.sync.noted, key)

    async def seen(self, key: str) -> bool:
        return await asyncio.to_thread(self.sync.seen, key)

    async def owes(self, key: str) -> bool:
        return await asyncio.to_thread(self.sync.owes, key)

    async def finish_work(self, key: str) -> None:
        await asyncio.to_thread(self.sync.finish_work, key)

    async def forget_work(self, key: str) -> None:
        await asyncio.to_thread(self.sync.forget_work, key)

    async def renew_lease(self, key: str) -> bool:
        return await asyncio.to_thread(self.sync.renew_lease, key)

    async def leave_owed(self, key: str, notice: str) -> None:
        await asyncio.to_thread(self.sync.leave_owed, key, notice)

    async def take_unfinished(self, *, only: Callable[[str], bool] | None = None) -> list[OwedReply]:
        return await asyncio.to_thread(lambda: self.sync.take_unfinished(only=only))

    @property
    def lease(self) -> timedelta:
        return self.sync.lease

    async def prune_keys(self, older_than_days: int = DEFAULT_KEY_DAYS) -> int:
        return await asyncio.to_thread(self.sync.prune_keys, older_than_days)

    async def save_review(self, rec: ReviewRecord) -> str:
        return await asyncio.to_thread(self.sync.save_review, rec)

    async def get_review(self, review_id: str) -> ReviewRecord | None:
        return await asyncio.to_thread(self.sync.get_review, review_id)

    async def latest_for_draft(self, channel: str, draft_ts: str) -> ReviewRecord | None:
        return await asyncio.to_thread(self.sync.latest_for_draft, channel, draft_ts)

    async def thread_reviews(self, channel: str, thread_ts: str) -> list[ReviewRecord]:
        return await asyncio.to_thread(self.sync.thread_reviews, channel, thread_ts)

    async def set_reply_ts(self, review_id: str, reply_ts: str) -> None:
        await asyncio.to_thread(self.sync.set_reply_ts, review_id, reply_ts)

    async def mark_deleted(self, channel: str, draft_ts: str) -> ReviewRecord | None:
        return await asyncio.to_thread(self.sync.mark_deleted, channel, draft_ts)

    async def record_feedback(self, review_id: str, user_id: str, helpful: bool) -> None:
        await asyncio.to_thread(self.sync.record_feedback, review_id, user_id, helpful)

    async def feedback_counts(self, review_id: str) -> tuple[int, int]:
        return await asyncio.to_thread(self.sync.feedback_counts, review_id)

    async def clear(self, review_id: str, user_id: str, *, reason: str | None = None) -> ClearResult:
        return await asyncio.to_thread(lambda: self.sync.clear(review_id, user_id, reason=reason))

    async def void_clearance(self, review_id: str, why: str) -> Clearance | None:
        return await asyncio.to_thread(self.sync.void_clearance, review_id, why)

    async def clearance(self, review_id: str) -> Clearance | None:
        return await asyncio.to_thread(self.sync.clearance, review_id)

    async def decision(self, review_id: str) -> DecisionRecord | None:
        return await asyncio.to_thread(self.sync.decision, review_id)

    async def purge_expired(self) -> tuple[int, int]:
        return await asyncio.to_thread(self.sync.purge_expired)

    async def purge_older_than(self, days: int) -> int:
        return await asyncio.to_thread(self.sync.purge_older_than, days)

    async def aclose(self) -> None:
        await asyncio.to_thread(self.sync.close)
