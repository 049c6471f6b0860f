"""Replies owed and never given: say so in the thread, so a user is never left with silence.

A draft's claim records that a reply is owed in its thread (``AsyncStore.claim_all(reply_in=)``),
leased to the claiming process, and the handler settles it once the review, answer or failure
notice is out. While the work runs its lease is renewed (``settle_after``), so a lease that runs
out means the process stopped in between (killed, out of memory, a deploy that outran the
shutdown grace). Every running process sweeps for its platform's expired leases every few
seconds, and the one that takes a debt first looks whether the reply landed after all, then
posts ``RESTARTED`` in that thread (or the notice a reply that could not be posted left). The
draft is not reviewed again on its own: if the draft itself was what brought the process down,
doing it again would bring it down again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Sequence
from datetime import timedelta

from bot.conversation.notices import log_failure
from bot.conversation.outbox import Outbox, Undelivered, notice_key
from bot.conversation.outcomes import Notice
from bot.conversation.places import platform_of
from bot.store import AsyncStore, OwedReply
from bot.store.store import utcnow

log = logging.getLogger(__name__)

RESTARTED = (
    "Sorry — I was stopped (a restart) before I could finish here, so this draft has no review "
    "from me. Post it again, or mention me in this thread, and I'll review it."
)

#: A debt no sweep could give for this long (the thread deleted, the bot removed) is dropped.
GIVE_UP_AFTER = timedelta(days=1)
#: Seconds between two applications of the store's retention periods by the sweep.
PURGE_INTERVAL_SECONDS = 60.0


def sweep_interval(lease: timedelta) -> float:
    """Seconds between sweeps: a third of a lease, so an orphan waits at most a lease and a third."""
    return lease.total_seconds() / 3


async def claim(
    store: AsyncStore,
    keys: Sequence[str],
    *,
    reply_in: tuple[str, str] | None = None,
    route: str | None = None,
) -> bool:
    """True the first time every one of ``keys`` is seen, across processes sharing the store;
    ``route``: what the platform needs to post in ``reply_in`` (``Transport.route``), kept with
    the debt so that any process can give it."""
    if not await store.claim_all(keys, reply_in=reply_in, route=route):
        log.info("already handled: %d key(s)", len(keys))
        return False
    return True


async def settle_after(store: AsyncStore, key: str, reply: Awaitable[None]) -> None:
    """Await ``reply`` (the work a claim with ``reply_in`` promised), renewing its lease while it
    runs, then settle the debt.

    An exception still settles it: the caller's guard posts the failure notice. Cancellation
    (a shutdown that outran its grace) does not, so the sweep says so once the lease runs out.
    """
    heartbeat = asyncio.ensure_future(_renew_while_running(store, key))
    try:
        await reply
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        if not _cancelling():
            try:
                await store.finish_work(key)
            except Exception as exc:  # the reply is out; a stale row only means a late apology
                log.warning("could not record a finished reply: %s", type(exc).__name__)


async def _renew_while_running(store: AsyncStore, key: str) -> None:
    every = sweep_interval(store.lease)
    while True:
        await asyncio.sleep(every)
        try:
            await store.renew_lease(key)
        except Exception as exc:  # a database hiccup: the next beat may get through
            log.warning("could not renew a lease: %s", type(exc).__name__)


def _cancelling() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def sweep_once(store: AsyncStore, outbox: Outbox) -> int:
    """Give every reply of ``outbox``'s platform whose lease ran out: the notice it left, or an
    apology for a stopped process. Returns how many were given."""
    platform = outbox.transport.platform
    taken = await store.take_unfinished(only=lambda key: platform_of(key) == platform)
    given = 0
    for owed in taken:
        try:
            if await _give(store, outbox, owed, notice_key(owed.key)):
                given += 1
        except Exception as exc:
            refused = not isinstance(exc, Undelivered) and outbox.transport.retry_after(exc) is None
            if refused or _too_old(owed):
                log_failure("posting an owed reply; giving it up", exc)
                await store.forget_work(owed.key)
            else:  # its lease runs out and a later sweep tries again
                log_failure("posting an owed reply", exc)
    if given:
        log.warning("%d owed repl(ies) given by the sweep (a stopped process, or posts that failed)", given)
    return given


async def _give(store: AsyncStore, outbox: Outbox, owed: OwedReply, key: str) -> bool:
    if owed.route:
        outbox.transport.learn_route(owed.channel, owed.route)
    if owed.notice is None and await outbox.transport.find_reply(owed.channel, owed.thread, owed.key):
        # The process stopped after its reply landed but before it said so.
        await store.forget_work(owed.key)
        return False
    text = owed.notice or RESTARTED
    # Short: a sweep gives many; whatever is not given now is tried again next sweep.
    await outbox.post_in_thread(owed.channel, owed.thread, Notice(text), key=key, window=5.0, checked=True)
    await store.forget_work(owed.key)
    return True


def _too_old(owed: OwedReply) -> bool:
    return utcnow() - owed.started_at > GIVE_UP_AFTER


async def sweep_forever(store: AsyncStore, outbox: Outbox, interval: float | None = None) -> None:
    """``sweep_once`` at start and every ``interval`` seconds (a third of a lease), until cancelled;
    about once a minute it also applies the store's retention periods, so a process that runs for
    months never keeps a draft or a decision record past its setting."""
    every = sweep_interval(store.lease) if interval is None else interval
    next_purge = time.monotonic()
    while True:
        try:
            await sweep_once(store, outbox)
        except Exception as exc:  # a database hiccup: try again next time
            log.warning("sweep for unfinished reviews failed: %s", type(exc).__name__)
        if time.monotonic() >= next_purge:
            next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
            try:
                texts, records = await store.purge_expired()
                if texts or records:
                    log.info("retention: %d review(s) and %d decision record(s) deleted", texts, records)
            except Exception as exc:
                log.warning("applying retention failed: %s", type(exc).__name__)
        await asyncio.sleep(every)
