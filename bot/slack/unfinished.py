"""Replies owed and never given: say so in the thread, so a user is never left with silence.

A draft's claim records that a reply is owed in its thread (``AsyncStore.claim_all(reply_in=)``)
and the handler settles it once the review, answer or failure notice is out. A process that
stops in between (killed, out of memory, a deploy that outran the shutdown grace) leaves the
debt behind; every running process sweeps for such debts now and then, and the one that takes a
debt posts ``RESTARTED`` in that thread. The draft is not reviewed again on its own: if the
draft itself was what brought the process down, doing it again would bring it down again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.settings import Settings
from bot.slack.deps import SlackDeps
from bot.slack.listeners import flows

log = logging.getLogger(__name__)

RESTARTED = (
    "Sorry — I was stopped (a restart) before I could finish here, so this draft has no review "
    "from me. Post it again, or mention me in this thread, and I'll review it."
)

#: Seconds between sweeps in each process.
SWEEP_INTERVAL_SECONDS = 60.0


def owed_for_too_long(settings: Settings) -> timedelta:
    """How old an unsettled reply must be before it counts as abandoned: longer than any review
    can take (the LLM's timeout and retry budget, twice for a repair call, plus Slack's share)."""
    seconds = 2 * (settings.llm_timeout_seconds + settings.llm_retry_seconds) + 120
    return timedelta(seconds=seconds)


async def sweep_once(deps: SlackDeps) -> int:
    """Apologise in every thread whose reply was abandoned; returns how many."""
    taken = await deps.store.take_unfinished(owed_for_too_long(deps.settings))
    for channel, thread_ts in taken:
        await flows.notify_in_thread(deps, channel, thread_ts, RESTARTED)
    if taken:
        log.warning("%d review(s) were left unfinished by a stopped process; said so in their threads",
                    len(taken))
    return len(taken)


async def sweep_forever(deps: SlackDeps, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
    """``sweep_once`` at start and every ``interval`` seconds, until cancelled."""
    while True:
        try:
            await sweep_once(deps)
        except Exception as exc:  # a database hiccup: try again next time
            log.warning("sweep for unfinished reviews failed: %s", type(exc).__name__)
        await asyncio.sleep(interval)
