"""What the store remembers: a review posted in a chat, its decision record and its clearance."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from bot.review.models import Review


def new_review_id() -> str:
    return str(uuid.uuid4())


class ReviewRecord(BaseModel):
    """One review of one version of a draft, and where its reply lives in Slack.

    ``draft_ts`` is the draft message's ts (for a slash command, whatever id the caller
    chose); ``thread_ts`` is the thread the review belongs to, equal to ``draft_ts`` for a
    top-level draft and to the root's ts for a revision posted in the thread. ``version`` counts
    the drafts of one thread, 1 for the first. ``workspace`` is the Slack team id (or Teams
    tenant id) when the caller knows it.
    """

    review_id: str = Field(default_factory=new_review_id)
    channel: str
    draft_ts: str
    thread_ts: str | None = None
    reply_ts: str | None = None
    user_id: str
    version: int = 1
    review: Review
    deleted: bool = False
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    workspace: str | None = None


class Clearance(BaseModel):
    """Someone other than the author cleared one version of a draft to post."""

    review_id: str
    cleared_by: str
    cleared_at: datetime
    reason: str | None = None
    voided_at: datetime | None = None
    void_reason: str | None = None

    @property
    def voided(self) -> bool:
        return self.voided_at is not None


class ClearOutcome(StrEnum):
    """What ``Store.clear`` did."""

    #: This click cleared the version.
    cleared = "cleared"
    #: The same person had already cleared it: nothing changed.
    already_cleared = "already_cleared"
    #: Someone else cleared it first; ``ClearResult.clearance`` says who and when.
    taken = "taken"
    #: Its clearance was voided (the draft was edited): this version can't be cleared again.
    voided = "voided"
    #: The author may not clear their own draft.
    own_draft = "own_draft"
    #: A ``do_not_post`` verdict needs a written reason.
    reason_required = "reason_required"
    #: The draft was deleted.
    deleted = "deleted"
    #: An edit replaced this version's words with a newer version: clear that one.
    superseded = "superseded"
    #: No such review (never stored, or past retention).
    unknown = "unknown"


class ClearResult(BaseModel):
    outcome: ClearOutcome
    #: The version's clearance after the call, when it has one (also for ``taken``/``voided``).
    clearance: Clearance | None = None

    @property
    def recorded(self) -> bool:
        """True when the version is cleared by this caller (now or before)."""
        return self.outcome in (ClearOutcome.cleared, ClearOutcome.already_cleared)


class DecisionRecord(BaseModel):
    """One reviewed version of a draft, for the audit: never its words, only their SHA-256."""

    review_id: str
    created_at: datetime
    workspace: str | None = None
    channel: str
    thread_ts: str | None = None
    draft_ts: str
    author: str
    version: int
    text_sha256: str | None = None
    verdict: str
    risk_level: str
    categories: list[str] = Field(default_factory=list)
    engines: list[str] = Field(default_factory=list)
    helpful: int = 0
    not_helpful: int = 0
    clearance: Clearance | None = None
    deleted: bool = False
    deleted_at: datetime | None = None

    def audit_row(self) -> dict[str, str]:
        """The record as flat text columns (``redteam audit --format csv``), empty when unknown."""

        def when(value: datetime | None) -> str:
            return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else ""

        clearance = self.clearance
        return {
            "when": when(self.created_at),
            "workspace": self.workspace or "",
            "channel": self.channel,
            "thread": self.thread_ts or "",
            "draft": self.draft_ts,
            "author": self.author,
            "version": str(self.version),
            "text_sha256": self.text_sha256 or "",
            "verdict": self.verdict,
            "risk_level": self.risk_level,
            "categories": " ".join(self.categories),
            "engines": " ".join(self.engines),
            "helpful": str(self.helpful),
            "not_helpful": str(self.not_helpful),
            "cleared_by": clearance.cleared_by if clearance else "",
            "cleared_at": when(clearance.cleared_at) if clearance else "",
            "clearance_reason": (clearance.reason or "") if clearance else "",
            "voided_at": when(clearance.voided_at) if clearance else "",
            "void_reason": (clearance.void_reason or "") if clearance else "",
            "deleted": "yes" if self.deleted else "",
            "deleted_at": when(self.deleted_at),
        }


#: The columns of ``DecisionRecord.audit_row``, in order.
AUDIT_COLUMNS = tuple(
    DecisionRecord(
        review_id="", created_at=datetime.now(UTC), channel="", draft_ts="", author="", version=1,
        verdict="", risk_level="",
    ).audit_row()
)


class OwedReply(BaseModel):
    """A reply owed in a thread whose process stopped before giving it, or that could not be
    posted (``notice``: what to say instead)."""

    key: str
    channel: str
    thread: str
    notice: str | None = None
    started_at: datetime
    #: where the platform posts the reply, as the claiming process recorded it
    route: str | None = None


@dataclass(frozen=True)
class Claim:
    """One ``claim_all`` call, as data: its keys, and the reply owed and its route (see there)."""

    keys: Sequence[str]
    reply_in: tuple[str, str] | None = None
    route: str | None = None
