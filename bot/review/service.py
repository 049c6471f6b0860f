"""The one entry point every front end calls: offline checker + LLM devil's advocate, merged.

SKELETON: the signatures are the contract; the LLM helper fills in the LLM path.
"""

from __future__ import annotations

from bot.review.checker import OfflineChecker
from bot.review.intake import check_draft
from bot.review.models import Draft, Review, ReviewDelta, ThreadContext
from bot.settings import Settings


class ReviewService:
    def __init__(self, settings: Settings, *, offline_only: bool = False,
                 checker: OfflineChecker | None = None) -> None:
        self.settings = settings
        self.offline_only = offline_only or not settings.llm_configured
        self.checker = checker or OfflineChecker()

    async def review(self, draft: Draft) -> Review:
        """Review a draft. Raises DraftRejected (a user-facing message) for unreviewable input.

        Never raises for LLM trouble: falls back to the offline review with a notice.
        """
        check_draft(draft)
        return self.checker.review(draft)

    async def rereview(self, draft: Draft, previous: Review) -> tuple[Review, ReviewDelta]:
        review = await self.review(draft)
        return review, ReviewDelta.between(previous, review)

    async def answer(self, question: str, thread: ThreadContext) -> str:
        """A brief answer to a teammate's question in a review thread."""
        raise NotImplementedError
