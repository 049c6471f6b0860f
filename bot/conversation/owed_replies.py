"""Replies owed and never given: say so in the thread, so a user is never left with silence.

A draft's claim records that a reply is owed in its thread (``AsyncStore.claim_all(reply_in=)``)
and the handler settles it once the review, answer or failure notice is out. A process that
stops in between (killed, out of memory, a deploy that outran the shutdown grace) leaves the
debt behind; every running process sweeps for its platform's debts now and then, and the one
that takes a debt posts ``RESTARTED`` in that thread. The draft is not reviewed again on its
own: if the draft itself was what brought the process down, doing it again would bring it down
again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.conversation.notices import log_failure
from bot.conversation.outcomes import Notice
from bot.conversation.places import platform_of
from bot.conversation.transport import Transport
from bot.store import AsyncStore

if TYPE_CHECKING:
    from bot.settings import Settings

log = logging.getLogger(__name__)

RESTARTED = (
    "Sorry — I was stopped (a restart) before I could finish here, so this draft has no review "
    "from me. Post it again, or mention me in this thread, and I'll review it."
)

#: Seconds between sweeps in each process.
SWEEP_INTERVAL_SECONDS = 60.0


def owed_for_too_long(settings: Settings) -> timedelta:
    """How old an unsettled reply must be before it counts as abandoned: longer than any review
    can take (the LLM's timeout and retry budget, twice for a repair call, plus the platform's
    share)."""
    seconds = 2 * (settings.llm_timeout_seconds + settings.llm_retry_seconds) + 120
    return timedelta(seconds=seconds)


async def claim(store: AsyncStore, keys: Sequence[str], *, reply_in: tuple[str, str] | None = None) -> bool:
    """True the first time every one of ``keys`` is seen, across processes sharing the store."""
    if not await store.claim_all(keys, reply_in=reply_in):
        log.info("already handled: %d key(s)", len(keys))
        return False
    return True


async def settle_after(store: AsyncStore, key: str, reply: Awaitable[None]) -> None:
    """Await ``reply`` (the work a claim with ``reply_in`` promised), then settle the debt.

    An exception still settles it: the caller's guard posts the failure notice. Cancellation
    (a shutdown that outran its grace) does not, so the sweep says so later.
    """
    try:
        await reply
    finally:
        if not _cancelling():
            try:
                await store.finish_work(key)
            except Exception as exc:  # the reply is out; a stale row only means a late apology
                log.warning("could not record a finished reply: %s", type(exc).__name__)


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def sweep_once(store: AsyncStore, transport: Transport, older_than: timedelta) -> int:
    """Apologise in every thread of ``transport``'s platform whose reply was abandoned."""
    platform = transport.platform
    taken = await store.take_unfinished(older_than, only=lambda key: platform_of(key) == platform)
    for channel, thread in taken:
        try:
            await transport.post_in_thread(channel, thread, Notice(RESTARTED))
        except Exception as exc:
            log_failure("posting an apology for an unfinished review", exc)
    if taken:
        log.warning(
            "%d review(s) were left unfinished by a stopped process; said so in their threads", len(taken)
        )
    return len(taken)


async def sweep_forever(
    store: AsyncStore, transport: Transport, older_than: timedelta, interval: float = SWEEP_INTERVAL_SECONDS
) -> None:
    """``sweep_once`` at start and every ``interval`` seconds, until cancelled; each time also
    applies the store's retention periods, so a process that runs for months never keeps a draft
    or a decision record past its setting."""
    while True:
        try:
            await sweep_once(store, transport, older_than)
        except Exception as exc:  # a database hiccup: try again next time
            log.warning("sweep for unfinished reviews failed: %s", type(exc).__name__)
        try:
            texts, records = await store.purge_expired()
            if texts or records:
                log.info("retention: %d review(s) and %d decision record(s) deleted", texts, records)
        except Exception as exc:
            log.warning("applying retention failed: %s", type(exc).__name__)
        await asyncio.sleep(interval)
