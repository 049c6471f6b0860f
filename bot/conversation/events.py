"""The events of a review conversation, as calls: a draft arrives, a thread gets a reply, a
draft is edited or deleted, someone clicks feedback or shares a review.

Adapters call these after they have acked the platform, so everything here may wait on the
LLM and the database. Every call that answers in a thread ends in a reply there (a review, an
answer, or a plain notice) and never raises. Draft text is never logged above DEBUG.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.conversation import clearance, notices
from bot.conversation.clearance import ClearancePolicy
from bot.conversation.notices import log_failure
from bot.conversation.outbox import (
    DeliveryPolicy,
    Outbox,
    Undelivered,
    leave_owed_on_failure,
    notice_key,
)
from bot.conversation.outcomes import Answered, DraftDeleted, Notice, Outcome, Reviewed
from bot.conversation.owed_replies import claim, settle_after
from bot.conversation.places import Place, delivery_key, message_key
from bot.conversation.transport import Transport
from bot.review.followup import classify_followup
from bot.review.intake import DraftRejected
from bot.review.models import Draft, ThreadContext
from bot.review.schedule import Ticket
from bot.review.service import ReviewService
from bot.store import AsyncStore, ReviewRecord

log = logging.getLogger(__name__)

#: Thread messages passed to the LLM when answering a question; older ones add little.
MAX_THREAD_MESSAGES = 30

#: How long an edit that arrives while its draft's first review runs waits for that review, to
#: re-review the new words and update it; and how often it looks.
EDIT_WAIT_SECONDS = 600.0
EDIT_POLL_SECONDS = 0.25

#: Sends an outcome somewhere; returns the id of the message it made, when there is one.
Deliver = Callable[[Outcome], Awaitable[str | None]]


@dataclass(frozen=True)
class Filing:
    """How a review is stored: where its draft and reply live, and which version it is."""

    channel: str
    draft: str
    user: str
    thread: str | None = None
    version: int = 1
    #: The Slack team or Teams tenant, for the decision record.
    workspace: str | None = None

    @classmethod
    def of(cls, place: Place, *, version: int = 1) -> Filing:
        return cls(place.channel, place.message, place.user, place.thread, version, place.workspace or None)


class Conversation:
    """One platform's conversations: ``Conversation(service, store, transport)``.

    Replies in threads go through an :class:`Outbox` (paced, retried within ``delivery``'s
    window, never doubled); a reply that cannot be given at all is left owed for the sweep.
    ``clearance``: who may clear drafts to post (default: anyone but the author)."""

    def __init__(
        self,
        service: ReviewService,
        store: AsyncStore,
        transport: Transport,
        *,
        delivery: DeliveryPolicy | None = None,
        clearance: ClearancePolicy | None = None,
    ) -> None:
        self.service = service
        self.store = store
        self.transport = transport
        self.outbox = Outbox(transport, delivery)
        self.clearance = clearance or ClearancePolicy()

    @property
    def platform(self) -> str:
        return self.transport.platform

    # --- events --------------------------------------------------------------------------

    async def message_posted(
        self, place: Place, text: str, *, has_files: bool = False, delivery: str | None = None
    ) -> None:
        """A top-level message without a mention: a draft when its channel is a review channel."""
        try:
            if await self.transport.is_review_channel(place.channel):
                await self._review_once(place, text, has_files=has_files, delivery=delivery)
        except Exception as exc:
            await self._failed(place, exc, quiet_outside_review_channels=True)

    async def mentioned(
        self, place: Place, text: str, *, has_files: bool = False, delivery: str | None = None
    ) -> None:
        """The bot was mentioned (``text`` without the mention): a draft at the top level, a
        question or revision in a thread."""
        try:
            if place.in_a_thread:
                await self._follow_up_once(place, text, has_files, delivery, only_review_threads=False)
            else:
                await self._review_once(place, text, has_files=has_files, delivery=delivery)
        except Exception as exc:
            await self._failed(place, exc)

    async def thread_replied(
        self, place: Place, text: str, *, has_files: bool = False, delivery: str | None = None
    ) -> None:
        """A reply in a thread without a mention: a question or revision in a review thread,
        nothing elsewhere."""
        try:
            await self._follow_up_once(place, text, has_files, delivery, only_review_threads=True)
        except Exception as exc:
            await self._failed(place, exc, quiet_outside_review_channels=True)

    async def draft_edited(self, place: Place, text: str, *, edit: str, delivery: str | None = None) -> None:
        """A reviewed draft was edited: re-review it and update the review in place."""
        try:
            rec = await self._review_of(place)
            if rec is None or rec.deleted or text == rec.review.draft.text:
                return  # not ours, or a change that left the words alone (a link unfurl)
            thread = rec.thread_ts or place.message
            key = message_key(self.platform, place.workspace, place.channel, place.message, "edit", edit)
            reply_in = (place.channel, thread)
            if await claim(self.store, self._keys(key, delivery), reply_in=reply_in,
                           route=self.transport.route(place.channel)):
                await settle_after(self.store, key, self._rereview_edit(rec, text, key, place))
        except Exception as exc:  # before the claim: an edit owes no reply yet
            log_failure("edit", exc)

    async def draft_deleted(self, place: Place, *, delivery: str | None = None) -> None:
        """A draft was deleted: erase its words from the store and mark its review."""
        key = self._deleted_key(place)
        try:
            if not await claim(self.store, self._keys(key, delivery)):
                return
            rec = await self.store.mark_deleted(place.channel, place.message)
            if rec is not None and rec.reply_ts:
                await self.outbox.update_message(rec.channel, rec.reply_ts, DraftDeleted())
        except Exception as exc:
            log_failure("marking a review deleted", exc)

    async def feedback(self, review_id: str, user: str, *, helpful: bool) -> bool:
        """Record a Helpful / Not helpful click (one vote per person); False when the review is
        unknown or the vote could not be stored."""
        try:
            if await self.store.get_review(review_id) is None:
                return False
            await self.store.record_feedback(review_id, user, helpful)
        except Exception as exc:
            log_failure("recording feedback", exc)
            return False
        return True

    async def share(self, review_id: str, channel: str, user: str) -> bool:
        """Post a private review for everyone in ``channel`` (the review's own when empty); its
        thread then works as a review thread. False when the review is gone; raises when the
        post fails (the adapter knows how to say why)."""
        rec = await self.store.get_review(review_id)
        if rec is None:
            return False
        channel = channel or rec.channel
        shared = ReviewRecord(
            channel=channel,
            draft_ts=f"shared:{review_id}",
            user_id=user,
            review=rec.review,
            workspace=rec.workspace,
        )
        outcome = Reviewed(rec.review, shared.review_id, shared_by=user)
        ref = await self.outbox.post_in_channel(channel, outcome, key=f"share:{review_id}:{channel}")
        shared.reply_ts = shared.thread_ts = ref
        await self.store.save_review(shared)
        return True

    async def review_message(self, place: Place, text: str, deliver: Deliver, *, has_files: bool) -> None:
        """ "Review this message" on any message: ``deliver`` knows where the reply may go."""
        if not text.strip():
            await self._say(deliver, notices.FILES_ONLY if has_files else notices.NO_TEXT)
            return
        await self.review_and_reply(Draft(text=text, id=place.key), Filing.of(place), deliver)

    async def review_privately(self, draft: Draft, filing: Filing, deliver: Deliver) -> None:
        """A draft typed into a command or a form: the review is for the person who asked."""
        await self.review_and_reply(draft, filing, deliver, private=True)

    # --- the one review pipeline ---------------------------------------------------------

    async def review_and_reply(
        self,
        draft: Draft,
        filing: Filing,
        deliver: Deliver,
        *,
        previous: ReviewRecord | None = None,
        private: bool = False,
        deleted: str | None = None,
        ticket: Ticket | None = None,
    ) -> None:
        """Review ``draft`` (against ``previous`` when given), deliver the review, store it.
        A rejected draft gets its reason and any failure a plain notice, through ``deliver``;
        never raises.

        ``deleted``: the key ``draft_deleted`` claims for this draft. A draft deleted while its
        review ran gets no review, and the store keeps none of its words."""
        try:
            if previous is None:
                review, delta = await self.service.review(draft, ticket=ticket), None
            else:
                review, delta = await self.service.rereview(draft, previous.review, ticket=ticket)
            rec = ReviewRecord(
                channel=filing.channel,
                draft_ts=filing.draft,
                thread_ts=filing.thread,
                user_id=filing.user,
                version=filing.version,
                review=review,
                workspace=filing.workspace,
            )
            if deleted is not None and await self.store.seen(deleted):
                log.info("the draft was deleted during its review; the review is discarded")
                return
            offered = None
            if not private:
                offered = await clearance.offered(self, filing.channel, review, filing.version)
            # The record's id is made first, so it is saved once, with the reply it belongs to.
            rec.reply_ts = await deliver(
                Reviewed(review, rec.review_id, delta, private=private, clearance=offered)
            )
            await self.store.save_review(rec)
            if deleted is not None and await self.store.seen(deleted):
                # Deleted between the look above and the save: ``draft_deleted`` found no review
                # to erase then, so erase it here.
                await self._erase(rec)
        except DraftRejected as exc:
            await self._say(deliver, str(exc))
        except Exception as exc:
            log_failure("re-review" if previous else "review", exc)
            await self._say(deliver, notices.review_failed(self.failure_reason(exc)))

    # --- pieces --------------------------------------------------------------------------

    async def _erase(self, rec: ReviewRecord) -> None:
        erased = await self.store.mark_deleted(rec.channel, rec.draft_ts)
        if erased is not None and erased.reply_ts:
            await self.outbox.update_message(erased.channel, erased.reply_ts, DraftDeleted())

    async def _review_of(self, place: Place) -> ReviewRecord | None:
        """The draft's newest review; while its first review is still running (a reply is owed
        under its key), wait for it, so an edit made meanwhile is not lost."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + EDIT_WAIT_SECONDS
        while True:
            rec = await self.store.latest_for_draft(place.channel, place.message)
            if rec is not None or loop.time() > deadline or not await self.store.owes(place.key):
                return rec
            await asyncio.sleep(EDIT_POLL_SECONDS)

    def _deleted_key(self, place: Place) -> str:
        return message_key(self.platform, place.workspace, place.channel, place.message, "deleted")

    def _keys(self, key: str, delivery: str | None) -> list[str]:
        return [delivery_key(self.platform, delivery), key] if delivery else [key]

    async def _review_once(self, place: Place, text: str, *, has_files: bool, delivery: str | None) -> None:
        # The draft's LLM request goes before other drafts' signs of work and deliveries, from
        # its arrival on (claims take a trip to the database): see bot.review.schedule.
        ticket = self.service.schedule.arriving()
        try:
            if await claim(self.store, self._keys(place.key, delivery), reply_in=place.reply_in,
                           route=self.transport.route(place.channel)):
                await settle_after(
                    self.store, place.key,
                    self._review_in_thread(place, text, has_files=has_files, ticket=ticket),
                )
        finally:
            ticket.sent()

    async def _follow_up_once(
        self, place: Place, text: str, has_files: bool, delivery: str | None, *, only_review_threads: bool
    ) -> None:
        reviews = [r for r in await self.store.thread_reviews(place.channel, place.thread) if not r.deleted]
        if not reviews and only_review_threads:
            return
        if await claim(self.store, self._keys(place.key, delivery), reply_in=place.reply_in,
                       route=self.transport.route(place.channel)):
            await settle_after(
                self.store, place.key, self._follow_up(place, text.strip(), reviews, has_files)
            )

    async def _follow_up(self, place: Place, text: str, reviews: list[ReviewRecord], has_files: bool) -> None:
        if not reviews:  # a mention in a thread without a review: the message is a draft
            await self._review_in_thread(place, text, has_files=has_files)
        elif not text:
            await self.notify(place, notices.FILES_ONLY if has_files else notices.EMPTY_MENTION)
        elif classify_followup(text) == "question":
            await self._answer(place, text, reviews[-1])
        else:
            await self._review_in_thread(place, text, previous=reviews[-1])

    async def _review_in_thread(
        self, place: Place, text: str, *, has_files: bool = False, previous: ReviewRecord | None = None,
        ticket: Ticket | None = None,
    ) -> None:
        if not text.strip():
            await self.notify(place, notices.FILES_ONLY if has_files else notices.EMPTY_MENTION)
            return
        # The sign of work runs beside the review, once the LLM requests of the drafts that
        # arrived meanwhile (this one's included) have left, or when the reply is ready if that
        # is sooner: it is started before the reply goes, so the reply can take its place.
        working: asyncio.Future[None] | None = None

        def show_working() -> None:
            nonlocal working
            if working is None:
                working = asyncio.ensure_future(self._show_working(place))

        async def when_requests_are_out() -> None:
            await self.service.schedule.requests_out(since=ticket)
            show_working()

        in_thread = self._in_thread(place.channel, place.thread, place.key)

        async def deliver(outcome: Outcome) -> str | None:
            if working is None:
                show_working()
                await asyncio.sleep(0)  # its first step registers the sign with the transport
            return await in_thread(outcome)

        waiting = asyncio.ensure_future(when_requests_are_out())
        try:
            version = previous.version + 1 if previous else 1
            await self.review_and_reply(
                Draft(text=text, id=place.key),
                Filing.of(place, version=version),
                deliver,
                previous=previous,
                deleted=self._deleted_key(place),
                ticket=ticket,
            )
        finally:
            waiting.cancel()
            if working is not None:
                await working

    async def _show_working(self, place: Place) -> None:
        try:
            await self.transport.show_working(place)
        except Exception as exc:  # a courtesy; never let it stop a review
            log.debug("showing work failed: %s", type(exc).__name__)

    async def _rereview_edit(self, rec: ReviewRecord, text: str, key: str, place: Place) -> None:
        thread = rec.thread_ts or rec.draft_ts
        in_thread = self._in_thread(rec.channel, thread, key)
        # The cleared words are gone: void first, so no failure below can leave it in force.
        voided = await clearance.void_for_edit(self, rec)

        async def update_in_place(outcome: Outcome) -> str | None:
            if voided:
                outcome = clearance.edited_after_clearance(outcome)
            if rec.reply_ts and isinstance(outcome, Reviewed):
                await self.outbox.update_message(rec.channel, rec.reply_ts, outcome)
                return rec.reply_ts
            return await in_thread(outcome)

        filing = Filing(rec.channel, rec.draft_ts, rec.user_id, thread, rec.version + 1, rec.workspace)
        await self.review_and_reply(
            Draft(text=text, id=rec.review.draft.id),
            filing,
            update_in_place,
            previous=rec,
            deleted=self._deleted_key(place),
        )
        # A click on the old review while the edit was being reviewed cleared words that are gone.
        await clearance.void_late_clearance(self, rec)

    async def _answer(self, place: Place, question: str, latest: ReviewRecord) -> None:
        """Answer from the draft, its review and the thread's discussion."""
        try:
            messages = await self.transport.thread_messages(
                place.channel, place.thread, exclude=place.message
            )
            context = ThreadContext(
                draft=latest.review.draft, review=latest.review, messages=messages[-MAX_THREAD_MESSAGES:]
            )
            answer = await self.service.answer(question, context)
            await self.outbox.post_in_thread(place.channel, place.thread, Answered(answer), key=place.key)
        except Exception as exc:
            log_failure("answer", exc)
            await self.notify(place, notices.answer_failed(self.failure_reason(exc)))

    def _in_thread(self, channel: str, thread: str, owed: str) -> Deliver:
        """Delivers into ``thread`` the reply owed under the key ``owed``: the first outcome is
        posted with that key, a notice with ``<owed>:notice`` (a notice that cannot be posted is
        left owed for the sweep, which posts it under the same key), any other with ``<owed>:<n>``."""
        posted = 0

        async def deliver(outcome: Outcome) -> str | None:
            nonlocal posted
            posted += 1
            if isinstance(outcome, Notice):
                post = self.outbox.post_in_thread(channel, thread, outcome, key=notice_key(owed))
                return await leave_owed_on_failure(self.store, owed, outcome.text, post)
            key = owed if posted == 1 else f"{owed}:{posted}"
            return await self.outbox.post_in_thread(channel, thread, outcome, key=key)

        return deliver

    async def notify(self, place: Place, text: str) -> None:
        """A short notice in ``place``'s thread; one that cannot be posted is left to the sweep."""
        await self._say(self._in_thread(place.channel, place.thread, place.key), text)

    async def _say(self, deliver: Deliver, text: str) -> None:
        try:
            await deliver(Notice(text))
        except Exception as exc:
            log_failure("posting a notice", exc)

    async def _failed(
        self, place: Place, exc: Exception, *, quiet_outside_review_channels: bool = False
    ) -> None:
        """An event's handling failed before its reply: say so, unless the message was chatter
        the bot would not have answered anyway."""
        log_failure("event", exc)
        if quiet_outside_review_channels:
            wanted = False
            with contextlib.suppress(Exception):
                wanted = await self.transport.is_review_channel(place.channel)
            if not wanted:
                return
        await self.notify(place, notices.review_failed(self.failure_reason(exc)))

    def failure_reason(self, exc: BaseException) -> str:
        """A plain reason for a failure; never the exception's own text (it may quote the draft)."""
        if isinstance(exc, Undelivered) and exc.__cause__ is not None:
            exc = exc.__cause__
        return self.transport.describe_failure(exc) or notices.generic_reason(exc)
