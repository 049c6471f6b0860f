""""Cleared to post": someone other than the author clears one version of a draft.

A review of a draft in a review channel offers a *Cleared to post* button. Who may press it is
``REDTEAM_APPROVERS`` (user ids and, where the platform has them, group ids; empty: anyone but
the author). A ``do_not_post`` verdict asks for a written reason first, or cannot be cleared at
all under ``REDTEAM_BLOCK_DO_NOT_POST``. The store records the first clearance of each version
and nothing more, so repeated clicks and two approvers at once leave one record. An edit of
the draft voids its clearance (see ``Conversation.draft_edited``).

Adapters call :class:`Clearances` after acking the click; each refusal comes back as a
:class:`ClearanceReply` for the adapter to show to that person only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from bot.conversation.notices import log_failure
from bot.conversation.outcomes import ClearanceState, Outcome, Reviewed
from bot.review.models import Review, ReviewDelta, Verdict
from bot.store import Clearance, ClearOutcome, ReviewRecord

if TYPE_CHECKING:
    from bot.conversation.events import Conversation
    from bot.settings import Settings

log = logging.getLogger(__name__)

#: The void reason the decision record keeps when a cleared draft is edited.
EDITED = "edited after clearance"

#: Verdicts whose clearance needs a written reason (and which REDTEAM_BLOCK_DO_NOT_POST blocks).
RISKY_VERDICTS = frozenset({Verdict.do_not_post})

#: The longest reason kept; a reason is a sentence or two, not an essay.
MAX_REASON_CHARS = 1000

_SPLIT = re.compile(r"[\s,;]+")


class ReplyKind(StrEnum):
    """What a click came to, as :class:`ClearanceReply` reports it."""

    cleared = "cleared"  # this click cleared the version; the review now says so
    already_cleared = "already_cleared"  # the same person again: nothing changed
    taken = "taken"  # someone else was first: ``clearance`` says who
    needs_reason = "needs_reason"  # ask for a written reason (a modal, a dialog), then ``with_reason``
    refused = "refused"  # the author, not an approver, blocked, edited, deleted, gone


@dataclass(frozen=True)
class ClearanceReply:
    """The answer to one click, for the person who clicked only.

    ``text`` is plain (no markup, no mentions); empty when there is nothing to tell (the review,
    updated in place, already shows the clearance). With ``clearance`` the platform adds the
    "Cleared to post by …" line, naming the approver its own way.
    """

    kind: ReplyKind
    text: str
    clearance: ClearanceState | None = None


# --- what people are told ----------------------------------------------------------------

OWN_DRAFT = (
    "You can't clear your own draft: someone else on the team has to read it and press "
    "Cleared to post."
)
NOT_AN_APPROVER = (
    "Only the team's approvers can clear drafts to post, and you're not one of them. Ask an "
    "approver to read the review and clear it (the bot's admin lists them in REDTEAM_APPROVERS)."
)
APPROVERS_UNKNOWN = (
    "I couldn't check who the approvers are right now, so I didn't record a clearance. Try "
    "again in a minute."
)
BLOCKED = (
    "Drafts with a Do not post verdict can't be cleared here: this team has turned that off "
    "(REDTEAM_BLOCK_DO_NOT_POST). Revise the draft and post the new version."
)
NEEDS_REASON = "A Do not post verdict needs a written reason before it can be cleared."
EMPTY_REASON = "Write why this draft is fine to post despite the review."
ALREADY_YOURS = "You've already cleared this version; nothing changed."
TAKEN = "Someone else cleared this version first."
VOIDED = (
    "This version was edited after it was cleared, so it can't be cleared again. Clear the "
    "review of the edited draft instead."
)
SUPERSEDED = "The draft was edited since this review: clear the newest review of it instead."
DELETED = "The draft was deleted, so there's nothing to clear."
GONE = "That review is no longer stored, so it can't be cleared. Post the draft again."
FAILED = "Sorry — I couldn't record the clearance ({reason}). Try again."
NOT_SHOWN = "Cleared to post: recorded. I couldn't update the review to show it; the audit has it."


# --- who may clear -----------------------------------------------------------------------


class ApproverGroups(Protocol):
    """A platform's groups of people (Slack user groups), for ``REDTEAM_APPROVERS``."""

    def is_group(self, entry: str) -> bool:
        """True when ``entry`` of REDTEAM_APPROVERS names a group rather than a person."""
        ...

    async def members(self, group: str) -> frozenset[str]:
        """The user ids in ``group``; raises when the platform won't say."""
        ...


class NoGroups:
    """For platforms without groups: every entry is a person."""

    def is_group(self, entry: str) -> bool:
        return False

    async def members(self, group: str) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class ClearancePolicy:
    """``approvers``: REDTEAM_APPROVERS' entries (empty: anyone but the author).
    ``block_do_not_post``: REDTEAM_BLOCK_DO_NOT_POST."""

    approvers: frozenset[str] = field(default_factory=frozenset)
    block_do_not_post: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ClearancePolicy:
        return cls(parse_approvers(settings.approvers), settings.block_do_not_post)

    def state_for(self, review: Review, version: int, clearance: Clearance | None = None) -> ClearanceState:
        """How a review of ``version`` shows its clearance (a voided one shows as none)."""
        risky = review.verdict in RISKY_VERDICTS
        state = ClearanceState(
            version=version, needs_reason=risky, blocked=risky and self.block_do_not_post
        )
        if clearance is not None and not clearance.voided:
            state = replace(
                state,
                cleared_by=clearance.cleared_by,
                cleared_at=clearance.cleared_at,
                reason=clearance.reason,
            )
        return state


def parse_approvers(text: str | Iterable[str]) -> frozenset[str]:
    """REDTEAM_APPROVERS' ids, separated by commas or spaces."""
    parts = _SPLIT.split(text) if isinstance(text, str) else text
    return frozenset(p.strip() for p in parts if p.strip())


# --- the clicks ----------------------------------------------------------------------------


class Clearances:
    """Clicks of *Cleared to post*: ``Clearances(conversation, policy, groups)``.

    ``clicked(review_id, user)`` answers a click; for a ``do_not_post`` verdict it answers
    ``needs_reason`` and the adapter asks for one, then calls ``with_reason``. A recorded
    clearance updates the review in place through the conversation's transport. Never raises.
    """

    def __init__(
        self, conversation: Conversation, policy: ClearancePolicy, groups: ApproverGroups | None = None
    ) -> None:
        self.conversation = conversation
        self.policy = policy
        self.groups: ApproverGroups = groups or NoGroups()

    async def clicked(self, review_id: str, user: str) -> ClearanceReply:
        """The button was pressed by ``user``."""
        return await self._clear(review_id, user, None)

    async def with_reason(self, review_id: str, user: str, reason: str) -> ClearanceReply:
        """``user`` gave a written reason (a do_not_post verdict's modal or dialog)."""
        reason = reason.strip()[:MAX_REASON_CHARS]
        if not reason:
            return ClearanceReply(ReplyKind.needs_reason, EMPTY_REASON)
        return await self._clear(review_id, user, reason)

    async def _clear(self, review_id: str, user: str, reason: str | None) -> ClearanceReply:
        store = self.conversation.store
        try:
            rec = await store.get_review(review_id)
            if rec is None:
                return _refused(GONE)
            if rec.deleted:
                return _refused(DELETED)
            existing = await store.clearance(review_id)
            if existing is not None:  # repeated clicks and latecomers learn who was first
                return self._settled(rec, existing, user)
            versions = await _earlier_versions(self.conversation, rec)
            if user in {rec.user_id, *(r.user_id for r in versions)}:
                # A revision by a teammate is still partly the original author's words.
                return _refused(OWN_DRAFT)
            refusal = await self._may_not_clear(user)
            if refusal is not None:
                return _refused(refusal)
            latest = await store.latest_for_draft(rec.channel, rec.draft_ts)
            if latest is not None and latest.version > rec.version:
                return _refused(SUPERSEDED)
            if rec.review.verdict in RISKY_VERDICTS:
                if self.policy.block_do_not_post:
                    return _refused(BLOCKED)
                if reason is None:
                    return ClearanceReply(ReplyKind.needs_reason, NEEDS_REASON)
            result = await store.clear(review_id, user, reason=reason)
        except Exception as exc:
            log_failure("recording a clearance", exc)
            return _refused(FAILED.format(reason=self.conversation.failure_reason(exc)))
        if result.outcome is ClearOutcome.cleared and result.clearance is not None:
            state = self.policy.state_for(rec.review, rec.version, result.clearance)
            # The review, updated in place, is the answer everyone sees; say more only if it isn't.
            shown = await self._show(rec, state, _delta(rec, versions))
            return ClearanceReply(ReplyKind.cleared, "" if shown else NOT_SHOWN, state)
        if result.clearance is not None:
            return self._settled(rec, result.clearance, user)
        return _refused(_STORE_REFUSALS.get(result.outcome, GONE))

    def _settled(self, rec: ReviewRecord, existing: Clearance, user: str) -> ClearanceReply:
        if existing.voided:
            return _refused(VOIDED)
        state = self.policy.state_for(rec.review, rec.version, existing)
        if existing.cleared_by == user:
            return ClearanceReply(ReplyKind.already_cleared, ALREADY_YOURS, state)
        return ClearanceReply(ReplyKind.taken, TAKEN, state)

    async def _may_not_clear(self, user: str) -> str | None:
        """Why ``user`` may not clear under REDTEAM_APPROVERS, or None when they may."""
        approvers = self.policy.approvers
        if not approvers or user in approvers:
            return None
        groups = [a for a in approvers if self.groups.is_group(a)]
        unknown = False
        for group in groups:
            try:
                if user in await self.groups.members(group):
                    return None
            except Exception as exc:
                # Never let a lookup failure clear anyone; the other groups may still say yes.
                log.warning("approver group %s could not be read: %s", group, type(exc).__name__)
                unknown = True
        return APPROVERS_UNKNOWN if unknown else NOT_AN_APPROVER

    async def _show(self, rec: ReviewRecord, state: ClearanceState, delta: ReviewDelta | None) -> bool:
        """Update the review in place: "Cleared to post by …"; False when that failed (the
        clearance is recorded either way)."""
        if not rec.reply_ts:
            return False
        outcome = Reviewed(rec.review, rec.review_id, delta, clearance=state)
        try:
            await self.conversation.transport.update_message(rec.channel, rec.reply_ts, outcome)
        except Exception as exc:
            log_failure("showing a clearance", exc)
            return False
        return True


_STORE_REFUSALS = {
    ClearOutcome.own_draft: OWN_DRAFT,
    ClearOutcome.reason_required: NEEDS_REASON,
    ClearOutcome.deleted: DELETED,
    ClearOutcome.superseded: SUPERSEDED,
    ClearOutcome.voided: VOIDED,
    ClearOutcome.unknown: GONE,
}


def _refused(text: str) -> ClearanceReply:
    return ClearanceReply(ReplyKind.refused, text)


async def _earlier_versions(conversation: Conversation, rec: ReviewRecord) -> list[ReviewRecord]:
    """The reviews of the versions before ``rec`` in its thread (revisions and edits), oldest
    first, deleted ones left out."""
    if not rec.thread_ts:
        return []
    in_thread = await conversation.store.thread_reviews(rec.channel, rec.thread_ts)
    return [r for r in in_thread if r.version < rec.version and not r.deleted]


def _delta(rec: ReviewRecord, earlier: list[ReviewRecord]) -> ReviewDelta | None:
    """What changed since the previous version, as the review first said it: a review shown
    again (updated in place) keeps its "Revised draft" line."""
    if not earlier:
        return None
    previous = max(earlier, key=lambda r: (r.version, r.created_at))
    return ReviewDelta.between(previous.review, rec.review)


# --- the review's side: offering the button, and edits voiding a clearance ----------------


async def offered(
    conversation: Conversation, channel: str, review: Review, version: int
) -> ClearanceState | None:
    """A new review's clearance state: None outside review channels, where it does not apply."""
    try:
        if not await conversation.transport.is_review_channel(channel):
            return None
    except Exception as exc:  # the review itself matters more than its button
        log.warning("could not tell whether clearance applies: %s", type(exc).__name__)
        return None
    return conversation.clearance.state_for(review, version)


async def void_for_edit(conversation: Conversation, rec: ReviewRecord) -> bool:
    """Void ``rec``'s clearance because its draft was edited; True when there was one in force.

    The review is then shown at once as needing a new clearance, while the edit is reviewed:
    if that review fails, nobody is misled by a "Cleared" line on words that are gone.
    """
    try:
        if await conversation.store.void_clearance(rec.review_id, EDITED) is None:
            return False
    except Exception as exc:  # the edit is still reviewed; voiding is tried again after it
        log_failure("voiding a clearance", exc)
        return False
    log.info("a cleared draft was edited: clearance voided")
    if rec.reply_ts:
        state = conversation.clearance.state_for(rec.review, rec.version)
        state = replace(state, edited_after_clearance=True)
        try:
            delta = _delta(rec, await _earlier_versions(conversation, rec))
            await conversation.transport.update_message(
                rec.channel, rec.reply_ts, Reviewed(rec.review, rec.review_id, delta, clearance=state)
            )
        except Exception as exc:
            log_failure("showing a voided clearance", exc)
    return True


async def void_late_clearance(conversation: Conversation, rec: ReviewRecord) -> None:
    """Void a clearance of ``rec`` recorded while its edit was being reviewed."""
    try:
        if await conversation.store.void_clearance(rec.review_id, EDITED) is not None:
            log.info("a clearance made during an edit's review was voided")
    except Exception as exc:
        log_failure("voiding a clearance", exc)


def edited_after_clearance(outcome: Outcome) -> Outcome:
    """``outcome``, saying that an earlier version was cleared and this one needs its own."""
    if isinstance(outcome, Reviewed) and outcome.clearance is not None:
        return replace(outcome, clearance=replace(outcome.clearance, edited_after_clearance=True))
    return outcome
