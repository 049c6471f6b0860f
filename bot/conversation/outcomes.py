"""What a platform must show, as data: each adapter renders these its own way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.review.models import Review, ReviewDelta


@dataclass(frozen=True)
class ClearanceState:
    """The "Cleared to post" part of a review shown in a review channel (``Reviewed.clearance``).

    ``cleared_by`` (a user id), ``cleared_at`` and ``reason``: this version's clearance, when it
    has one. ``edited_after_clearance``: an earlier version was cleared and then the draft was
    edited, so this version needs a clearance of its own. ``needs_reason``: clicking asks for a
    written reason first (a ``do_not_post`` verdict). ``blocked``: this verdict can't be cleared
    at all (``REDTEAM_BLOCK_DO_NOT_POST``).
    """

    version: int
    cleared_by: str | None = None
    cleared_at: datetime | None = None
    reason: str | None = None
    edited_after_clearance: bool = False
    needs_reason: bool = False
    blocked: bool = False

    @property
    def cleared(self) -> bool:
        return self.cleared_by is not None

    @property
    def offers_button(self) -> bool:
        """True when the review shows the *Cleared to post* button."""
        return not self.cleared and not self.blocked


@dataclass(frozen=True)
class Reviewed:
    """A review; with ``delta`` a re-review of a revised or edited draft.

    ``review_id`` is what feedback buttons carry back. ``private``: shown only to the person who
    asked (Slack's ephemeral messages), so it may offer to share itself. ``shared_by``: the user
    who shared a private review into the channel. ``clearance``: set when the review may be
    cleared to post (a draft in a review channel); None where clearance does not apply.
    """

    review: Review
    review_id: str
    delta: ReviewDelta | None = None
    private: bool = False
    shared_by: str | None = None
    clearance: ClearanceState | None = None


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
