"""The one entry point every front end calls: offline checker + LLM devil's advocate, merged.

``review()`` runs the offline checker, sends the draft with the checker's findings as hints to
the LLM (one structured call), verifies the answer and merges both (``bot.review.merge``). When
no LLM is configured, or it fails for good, the answer is the offline review with a notice that
says so and why; LLM trouble never raises. ``DraftRejected`` is raised for drafts that cannot be
reviewed: empty, too long, or over the LLM's token budget (never cut silently).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.llm.brand import BrandProfileError, load_brand_profile
from bot.llm.cache import AnswerCache, cache_key
from bot.llm.errors import LLMConfigError, LLMError
from bot.llm.tokens import estimate_messages, estimate_tokens
from bot.review.checker import OfflineChecker
from bot.review.conversation import NEEDS_LLM, offline_answer
from bot.review.intake import DraftRejected, check_draft
from bot.review.models import Draft, Review, ReviewDelta, Risk, ThreadContext
from bot.review.schedule import Schedule, Ticket
from bot.settings import Settings

if TYPE_CHECKING:
    # The LLM stack (the openai package: half a second to import) is imported only when an LLM
    # takes part, so an offline review starts fast.
    from openai import AsyncOpenAI

    from bot.llm.devils_advocate import CritiqueResult, DevilsAdvocate
    from bot.llm.prompt import Rubric

log = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "Offline review only: no LLM is configured, so the devil's advocate did not take part "
    "(set OPENAI_API_KEY, OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT)."
)
SWITCHED_OFF = "Offline review only: the LLM was switched off for this review."
MAX_QUESTION_CHARS = 2000


def offline_notice(reason: str) -> str:
    return f"Offline review only: the LLM could not be used ({reason})."


class ReviewService:
    def __init__(self, settings: Settings, *, offline_only: bool = False,
                 checker: OfflineChecker | None = None, client: AsyncOpenAI | None = None) -> None:
        self.settings = settings
        self.switched_off = offline_only
        self.offline_only = offline_only or not settings.llm_configured
        self.checker = checker or OfflineChecker.from_settings(settings)
        self.cache: AnswerCache[CritiqueResult] = AnswerCache(settings.llm_cache_size)
        #: Drafts whose LLM request has not left yet go before the rest of everyone's work.
        self.schedule = Schedule()
        self._given_client = client
        self._client: AsyncOpenAI | None = None
        self._advocate: DevilsAdvocate | None = None
        # A broken brand profile or prompt file must not stop the bot: reviews go offline with a
        # notice naming the file, and check() reports it as a configuration error.
        self.setup_error: LLMConfigError | None = None
        self.brand_text = ""
        self._rubrics: tuple[Rubric, Rubric] | None = None
        if not self.offline_only:
            from bot.llm.prompt import ANSWER_PROMPT, REVIEW_PROMPT, PromptError, Rubric

            try:
                self.brand_text = load_brand_profile(settings.brand_profile).as_prompt_text()
                values = {
                    "taxonomy": self.checker.taxonomy.as_prompt_text(),
                    "brand_profile": self.brand_text,
                }
                self._rubrics = (
                    Rubric.load(REVIEW_PROMPT, values, settings.prompts_dir),
                    Rubric.load(ANSWER_PROMPT, values, settings.prompts_dir),
                )
            except (BrandProfileError, PromptError) as exc:
                self.setup_error = LLMConfigError(str(exc))
                log.warning("LLM reviews disabled: %s", exc)

    @property
    def prompt_version(self) -> str | None:
        """The review rubric's version (None when the LLM is off), as recorded in LLM reviews."""
        return self._rubrics[0].version if self._rubrics else None

    def _devils_advocate(self) -> DevilsAdvocate:
        if self._advocate is None:
            assert self._rubrics is not None, "only called when the LLM is on and set up"
            from bot.llm.client import make_client
            from bot.llm.devils_advocate import DevilsAdvocate

            self._client = self._given_client or make_client(self.settings)
            self._advocate = DevilsAdvocate(self._client, self.settings, *self._rubrics)
        return self._advocate

    # --- reviews ------------------------------------------------------------------------------
    async def review(self, draft: Draft, *, ticket: Ticket | None = None) -> Review:
        """Review a draft. Raises DraftRejected (a user-facing message) for unreviewable input.

        Never raises for LLM trouble: falls back to the offline review with a notice.
        ``ticket``: the draft's place in ``self.schedule``, taken when it arrived (one is taken
        here otherwise); given back when its LLM request leaves.
        """
        ticket = ticket or self.schedule.arriving()
        try:
            return await self._review(draft, ticket)
        finally:
            ticket.sent()

    async def _review(self, draft: Draft, ticket: Ticket) -> Review:
        check_draft(draft)
        if self.offline_only:
            offline = self.checker.review(draft)
            return _with_notice(offline, SWITCHED_OFF if self.switched_off else NOT_CONFIGURED)
        if self.setup_error is not None:
            return _with_notice(self.checker.review(draft), offline_notice(self.setup_error.reason))
        try:
            advocate = self._devils_advocate()
        except Exception as exc:  # a client that cannot even be built (e.g. Azure without a version)
            log.warning("LLM client could not be created: %s", type(exc).__name__)
            log.debug("why: %s", exc)
            reason = "the LLM client could not be set up; `redteam check` says why"
            return _with_notice(self.checker.review(draft), offline_notice(reason))
        # Only the offline findings go into the request. The rest of the offline review (worst
        # reactions, re-checked alternatives: most of its cost) is built once the answer is in,
        # so a burst of drafts gets its LLM requests out sooner; the merge is the first to need it.
        await ticket.turn()  # requests leave in arrival order, one after the other
        scanned = self.checker.scan_draft(draft)
        hints = scanned.risks
        rubric = advocate.review_rubric
        self._check_budget(rubric, draft, hints, advocate.json_mode)
        key = cache_key(draft.text, draft.platform or "", draft.notes or "", self.brand_text,
                        self.settings.model, rubric.version, rubric.system)

        async def critique() -> CritiqueResult:
            # The request is built and sent before this task yields again: its turn is over.
            ticket.sent()
            return await advocate.critique(draft, hints)

        if self.cache.known(key):
            ticket.sent()  # answered from the cache, or by another draft's request in flight
        try:
            result, cached = await self.cache.get_or_compute(key, critique)
        except LLMError as exc:
            log.warning("LLM review failed, returning the offline review: %s", exc.reason)
            return _with_notice(self.checker.review(draft, scanned=scanned), offline_notice(exc.reason))
        except Exception as exc:  # never a traceback for the user; the log keeps the details
            log.exception("unexpected failure in the LLM review")
            reason = f"unexpected {type(exc).__name__}"
            return _with_notice(self.checker.review(draft, scanned=scanned), offline_notice(reason))
        # The merge can wait for other drafts' requests to leave: their LLM time is the long part.
        await self.schedule.requests_out()
        offline = self.checker.review(draft, scanned=scanned, with_alternatives=False)
        from bot.review.merge import LLMAnswer, merge_reviews

        answer = LLMAnswer(
            review=result.review,
            model=result.model,
            # A cached answer cost nothing this time; the zeros keep cost reports honest.
            usage={"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "cached_review": 1}
            if cached else dict(result.usage),
            prompt_version=rubric.version,
            notices=["The LLM's answer was repaired once after an unusable first reply."]
            if result.repaired and not cached else [],
        )
        try:
            return merge_reviews(draft, offline, hints, answer, taxonomy_ids=set(self.checker.taxonomy.ids),
                                 recheck=self.checker.find_risks,
                                 offline_alternatives=lambda: self.checker.alternatives(scanned),
                                 grading=self.checker.taxonomy.grading)
        except Exception as exc:  # an answer we cannot merge is LLM trouble too: the user still gets a review
            log.exception("the LLM answer could not be merged")
            reason = f"its answer could not be used ({type(exc).__name__})"
            return _with_notice(self.checker.review(draft, scanned=scanned), offline_notice(reason))

    def _check_budget(self, rubric: Rubric, draft: Draft, hints: list[Risk], json_mode: bool) -> None:
        from bot.llm.prompt import review_messages
        from bot.llm.schema import response_schema_json

        messages = review_messages(rubric, draft, hints, json_mode=json_mode)
        # With Structured Outputs the schema travels as response_format and is billed as input too.
        schema = 0 if json_mode else estimate_tokens(response_schema_json())
        total = estimate_messages(messages) + schema
        budget = self.settings.llm_max_input_tokens
        if total <= budget:
            return
        draft_tokens = estimate_tokens(draft.text) + estimate_tokens(draft.notes or "")
        room = max(0, budget - (total - draft_tokens))
        raise DraftRejected(
            f"The draft is too long for one review: about {draft_tokens:,} tokens, and there is room "
            f"for about {room:,} (REDTEAM_LLM_MAX_INPUT_TOKENS={budget:,} covers the rubric too). "
            "Review it in parts (each post or script separately). Nothing was cut or lost."
        )

    async def rereview(
        self, draft: Draft, previous: Review, *, ticket: Ticket | None = None
    ) -> tuple[Review, ReviewDelta]:
        """Review a revised draft and compare it with the previous review in the thread."""
        review = await self.review(draft, ticket=ticket)
        return review, ReviewDelta.between(previous, review)

    # --- thread answers -----------------------------------------------------------------------
    async def answer(self, question: str, thread: ThreadContext) -> str:
        """A brief answer to a teammate's question in a review thread. Never raises for LLM trouble."""
        question = question.strip()
        if not question:
            return "Ask me anything about the draft or its review, for example “why is this risky?”"
        if len(question) > MAX_QUESTION_CHARS:
            return (f"That question is {len(question):,} characters long; please ask it in under "
                    f"{MAX_QUESTION_CHARS:,} characters.")
        if self.offline_only:
            return offline_answer(question, thread)
        if self.setup_error is not None:
            return offline_answer(question, thread, note=_offline_note(self.setup_error.reason))
        try:
            advocate = self._devils_advocate()
            from bot.llm.prompt import answer_messages

            messages = answer_messages(advocate.answer_rubric, question, thread)
            if estimate_messages(messages) > self.settings.llm_max_input_tokens:
                note = _offline_note("the thread is too long for one LLM call")
                return offline_answer(question, thread, note=note)
            return await advocate.answer(question, thread)
        except LLMError as exc:
            log.warning("LLM answer failed, answering from the review: %s", exc.reason)
            return offline_answer(question, thread, note=_offline_note(exc.reason))
        except Exception as exc:
            log.exception("unexpected failure in the LLM answer")
            return offline_answer(question, thread, note=_offline_note(f"unexpected {type(exc).__name__}"))

    # --- setup ----------------------------------------------------------------------------------
    async def check(self) -> None:
        """Probe the LLM setup with one tiny request; raises LLMConfigError with a plain reason.

        Does nothing when the service is offline by choice or because no LLM is configured.
        """
        if self.offline_only:
            return
        if self.setup_error is not None:
            raise self.setup_error
        try:
            await self._devils_advocate().probe()
        except LLMConfigError:
            raise
        except LLMError as exc:
            raise LLMConfigError(exc.reason) from exc
        except Exception as exc:
            raise LLMConfigError(f"the LLM client could not be set up: {exc}") from exc

    async def aclose(self) -> None:
        if self._client is not None and self._given_client is None:
            await self._client.close()
        self._client = None
        self._advocate = None


def _with_notice(review: Review, notice: str) -> Review:
    return review.model_copy(update={"notices": [*review.notices, notice]})


def _offline_note(reason: str) -> str:
    return f"(The LLM could not be used: {reason}. This answer comes from the offline review.)"


__all__ = ["NEEDS_LLM", "DraftRejected", "ReviewService", "offline_notice"]
