"""What the bot says when it cannot review, and how failures are logged without draft text."""

from __future__ import annotations

import asyncio
import logging
import traceback

log = logging.getLogger(__name__)

FILES_ONLY = "I can only review text: paste the post's words (describe the image in [brackets])."
EMPTY_MENTION = (
    "Mention me with the post's text and I'll red-team it, e.g. `@redteam Thanks to everyone who "
    "watched this week!` — or ask a question in a review thread."
)
NO_TEXT = "That message has no text to review."
GONE = "That review is no longer stored, so it can't be shared. Run `/redteam` again."


def generic_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "it took too long"
    if isinstance(exc, OSError):
        return "I couldn't reach a service I need"
    return "something went wrong on my side"


def review_failed(reason: str) -> str:
    return f"Sorry — I couldn't finish this review ({reason}). Try again, or post the draft again."


def answer_failed(reason: str) -> str:
    return f"Sorry — I couldn't answer that ({reason}). Try asking again."


def log_failure(what: str, exc: BaseException) -> None:
    """Log where it failed without the exception message, which may hold draft text."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("%s failed: %s\n%s", what, type(exc).__name__, frames)
    log.debug("%s failure detail: %r", what, exc)
