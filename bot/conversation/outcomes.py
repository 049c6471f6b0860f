"""What a platform must show, as data: each adapter renders these its own way."""

from __future__ import annotations

from dataclasses import dataclass

from bot.review.models import Review, ReviewDelta


@dataclass(frozen=True)
class Reviewed:
    """A review; with ``delta`` a re-review of a revised or edited draft.

    ``review_id`` is what feedback buttons carry back. ``private``: shown only to the person who
    asked (Slack's ephemeral messages), so it may offer to share itself. ``shared_by``: the user
    who shared a private review into the channel.
    """

    review: Review
    review_id: str
    delta: ReviewDelta | None = None
    private: bool = False
    shared_by: str | None = None


@dataclass(frozen=True)
class Answered:
    """An answer to a question asked in a review thread."""

    text: str


@dataclass(frozen=True)
class Notice:
    """A short plain message: why a draft was refused, a hint, or a failure said plainly."""

    text: str


@dataclass(frozen=True)
class DraftDeleted:
    """Replaces a review whose draft was deleted (the draft's words are erased from the store)."""


Outcome = Reviewed | Answered | Notice | DraftDeleted
