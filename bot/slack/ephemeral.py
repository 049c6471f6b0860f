"""Private (ephemeral) messages, under the delivery policy as far as Slack allows.

An ephemeral message cannot be read back: ``conversations.history`` and ``.replies`` never
return it. So the outbox's "look before retrying" is impossible, and a post that failed in a
way that may have come after Slack showed it (a 5xx, a garbled answer, a dropped connection or
timeout) is never tried again blindly: the person is told instead (:class:`MaybeShown`). A 429
is Slack refusing before doing anything, so that one is retried after its ``Retry-After``,
within the delivery window. The HTTP client never retries on its own (``transport.poster``).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.errors import slack_error
from bot.slack.transport import SlackTransport

#: Said (in a DM, or through a response URL) when a private review may not have been shown.
MAYBE_SHOWN = (
    "Sorry — Slack had trouble showing you the review privately ({reason}), and I can't tell "
    "whether it arrived. If you don't see it, try again."
)


class MaybeShown(Exception):
    """An ephemeral post failed after Slack may have shown it; ``__cause__`` is the failure."""


def refused_before_work(exc: BaseException) -> bool:
    """Slack's 429: nothing was posted, so trying again cannot show a message twice."""
    if not isinstance(exc, SlackApiError):
        return False
    status = int(getattr(exc.response, "status_code", 200) or 200)
    return status == 429 or slack_error(exc) == "ratelimited"


def unreadable(exc: BaseException) -> bool:
    """An answer that was not Slack's JSON (a proxy's error page): it may have come after Slack
    did the work."""
    return isinstance(exc, SlackApiError) and not callable(getattr(exc.response, "get", None))


async def post_ephemeral(transport: SlackTransport, *, window: float, **params: Any) -> None:
    """``chat.postEphemeral`` with ``params``; raises :class:`MaybeShown` when it may have landed,
    the failure itself when Slack refused (``not_in_channel``: the caller has other routes)."""
    deadline = time.monotonic() + window
    while True:
        try:
            await transport.poster.chat_postEphemeral(**params)
            return
        except Exception as exc:
            asked = transport.retry_after(exc)
            if asked is None and not unreadable(exc):
                raise
            if asked is None or not refused_before_work(exc):
                raise MaybeShown(type(exc).__name__) from exc
            if time.monotonic() + asked > deadline:
                raise
            await asyncio.sleep(asked)


def maybe_shown_text(transport: SlackTransport, exc: MaybeShown) -> str:
    cause = exc.__cause__ or exc
    return MAYBE_SHOWN.format(reason=transport.describe_failure(cause) or "Slack did not answer clearly")
