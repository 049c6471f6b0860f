"""The conversation layer's transport on Teams: outcomes rendered as Adaptive Cards, sent through
the Bot Connector (:class:`~bot.teams.transport.TeamsTransport`), one attempt per call: the
outbox (``bot.conversation.outbox``) paces, retries and looks before a retry.

The layer names places with plain strings; on Teams they mean:

- ``channel``: a Teams channel id (``19:…@thread.tacv2``), or a chat's conversation id (hashed
  when longer than the store keeps, see :func:`chat_key`);
- ``thread``: in a channel, the id of the thread's first post (replies go to
  ``<channel id>;messageid=<post id>``); in a chat, which has no threads, the message itself;
- a message id returned by a post: the activity id, as ``<post id>/<activity id>`` for a reply
  in a channel thread, because Teams edits a reply through the thread's conversation id.

Where a conversation's Bot Connector is (its service URL) is learned from the activities that
arrive (:meth:`TeamsConversationTransport.learn`). Teams uses one service URL per region, so a
channel not yet seen by this process uses the last one seen.

Finding a reply again: the Bot Connector cannot read a conversation back, so whether a post under
an idempotency key landed is known from what this process saw. A reply that replaces a
"Reviewing…" card is an update of that known activity, safe to repeat; a new post that failed
in a way that may have reached Teams (a 500, a timeout) is unknown, and ``find_reply`` says so by
raising rather than letting the outbox post it again. Before each new post a marker goes into the
store, so another process (the sweep after a crash) knows a key it never tried was never posted.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
from microsoft_teams.cards import AdaptiveCard

from bot.conversation import Answered, DraftDeleted, Notice, Outcome, Place, Reviewed
from bot.conversation.outbox import Pacer
from bot.conversation.transport import CannotTell, ChannelLimit
from bot.review.models import ThreadMessage
from bot.review.taxonomy import Taxonomy
from bot.teams import cards
from bot.teams.activities import Where
from bot.teams.graph import GraphReplies, card_marker
from bot.teams.retry import retry_after_seconds
from bot.teams.transport import TeamsPlace, TeamsTransport

if TYPE_CHECKING:
    from bot.store import AsyncStore

log = logging.getLogger(__name__)

TEAMS = "teams"
#: The store keeps channel ids up to this many characters.
MAX_CHANNEL_CHARS = 64
#: Messages remembered per thread (the Bot Connector cannot read a thread back), and threads kept.
THREAD_MEMORY = 30
THREADS_REMEMBERED = 2_000
#: The author the layer expects on the bot's own messages.
BOT_AUTHOR = "redteam"
#: Teams' limits for one bot in one conversation (a chat, or a channel thread), as operations
#: in seconds: 7 in 1 s, 8 in 2 s, 60 in 30 s, 1,800 in an hour.
THREAD_WINDOWS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
#: Teams' limit for one app in one tenant, all conversations together: 50 requests a second.
APP_REQUESTS_PER_SECOND = 50
#: Teams counts a call when it arrives: each window is kept this much longer than Teams' own, for
#: the calls that reach Teams later than they were sent for (a new connection, a busy loop).
WINDOW_MARGIN_SECONDS = 0.05
#: Keys remembered per process for finding replies again.
KEYS_REMEMBERED = 20_000
#: Graph may list a new reply a few seconds late: a card missing from it sooner after the post
#: that may have landed is not yet taken as missing.
GRAPH_SETTLE_SECONDS = 10.0
#: Answered "not carried out": the request never reached Teams' store.
_NOT_CARRIED_OUT = frozenset({429, 503})


def may_have_landed(exc: BaseException) -> bool:
    """True when a failed send may still have been carried out (a 5xx but 503, a timeout or a
    connection lost after the request went out)."""
    if isinstance(exc, httpx.HTTPStatusError):
        status = exc.response.status_code
        return status >= 500 and status not in _NOT_CARRIED_OUT
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return False  # never sent
    return isinstance(exc, httpx.TransportError | TimeoutError | ConnectionError)


def _thread_key(channel: str, thread: str) -> str:
    return f"{channel} {thread}"


def sent_marker(key: str) -> str:
    """The store key saying a new post under ``key`` was attempted (hashed: keys may be long)."""
    return "teams-sent:" + hashlib.sha256(key.encode()).hexdigest()[:40]


class _Bounded(OrderedDict[str, str]):
    """An insertion-ordered dict that forgets its oldest entries beyond ``KEYS_REMEMBERED``."""

    def remember(self, key: str, value: str) -> None:
        self.pop(key, None)
        self[key] = value
        while len(self) > KEYS_REMEMBERED:
            self.popitem(last=False)


@dataclass
class _Placeholder:
    """A "Reviewing…" card: its activity id once posted (None if it never was)."""

    done: asyncio.Future[str | None]
    #: its wait for a turn within Teams' budgets, while it waits
    turn: asyncio.Future[None] | None = None
    sending: bool = False
    #: not to be sent: its reply was ready first
    dropped: bool = False


class UnknownConversation(LookupError):
    """A reply is due in a conversation this process has not seen, and cannot find."""


@dataclass(frozen=True)
class Route:
    service_url: str
    conversation_id: str
    is_channel: bool
    #: the team's group id, in a channel: Microsoft Graph reads its threads by it
    team_id: str | None = None


def chat_key(conversation_id: str) -> str:
    """The layer's ``channel`` for a chat: its id, or a hash of it when too long to store."""
    if len(conversation_id) <= MAX_CHANNEL_CHARS:
        return conversation_id
    return "h:" + hashlib.sha256(conversation_id.encode()).hexdigest()[: MAX_CHANNEL_CHARS - 2]


def channel_of(where: Where) -> str:
    """The layer's ``channel`` for the conversation of ``where``."""
    if where.scope == "channel" and where.channel_id:
        return chat_key(where.channel_id)
    return chat_key(where.conversation_id.split(";")[0])


def looks_like_channel(channel: str) -> bool:
    return channel.startswith("19:") and channel.endswith(("@thread.tacv2", "@thread.skype"))


def thread_limit(windows: tuple[tuple[int, float], ...] = THREAD_WINDOWS) -> ChannelLimit:
    """The pace of one conversation: within every window, and evenly spaced at the fastest
    window's rate (a burst in one thread gains nothing: one reply per draft)."""
    fastest = max(count / seconds for count, seconds in windows)
    return ChannelLimit(per_second=fastest, burst=1, windows=windows, margin=WINDOW_MARGIN_SECONDS)


def app_limit(requests_per_second: int = APP_REQUESTS_PER_SECOND) -> ChannelLimit:
    """All of the bot's calls together: no more than ``requests_per_second`` in any second."""
    return ChannelLimit(per_second=math.inf, burst=1, windows=((requests_per_second, 1.0),),
                        margin=WINDOW_MARGIN_SECONDS)


class TeamsConversationTransport:
    """:class:`bot.conversation.Transport` for Teams. Use it from one event loop (the review loop)."""

    platform = TEAMS

    def __init__(
        self,
        teams: TeamsTransport,
        *,
        review_channels: list[str] | None = None,
        taxonomy: Taxonomy | None = None,
        store: AsyncStore | None = None,
        limit: ChannelLimit | None = None,
        app: ChannelLimit | None = None,
        graph: GraphReplies | None = None,
    ) -> None:
        self.teams = teams
        self.store = store
        #: Microsoft Graph, to read a channel thread back when a post may have landed unseen.
        self.graph = graph
        #: Paced per conversation: a channel thread or a chat (Teams' own unit).
        self.channel_limit = limit or thread_limit()
        self.app_limit: ChannelLimit | None = app or app_limit()
        #: The outbox's pacer, once the conversation is built: the "Reviewing…" cards this
        #: transport posts on its own count against the same budgets.
        self.pacer: Pacer | None = None
        # The same for every draft, and a card takes about a millisecond to build: built once.
        self._working_card = cards.render_working()
        # What this process knows of the posts made under each idempotency key: the reply's
        # reference once Teams confirmed it; the "Reviewing…" activity a reply is replacing
        # (repeating that update is harmless); the outcome of each new post it tried ("" when it
        # surely failed, "?" when it may have landed).
        self._posted = _Bounded()
        self._replacing = _Bounded()
        self._tried = _Bounded()
        self._unreplaced = _Bounded()  # thread -> a "Reviewing…" card whose reply has not landed
        self._unsure_since = _Bounded()  # key -> when its last post failed (time.monotonic())
        self.configured_channels = list(review_channels or [])
        #: channel ids found to be review channels (configured by name, seen with that name)
        self.review_channel_ids: set[str] = {c for c in self.configured_channels if looks_like_channel(c)}
        self.routes: dict[str, Route] = {}
        self.last_service_url: str | None = None
        self.category_labels = {cid: taxonomy.label(cid) for cid in taxonomy.ids} if taxonomy else None
        # "Reviewing…" cards posted by show_working, oldest first, each replaced by one of the
        # thread's next replies.
        self._working: dict[tuple[str, str], deque[_Placeholder]] = {}
        self._threads: OrderedDict[tuple[str, str], deque[tuple[str, ThreadMessage]]] = OrderedDict()
        # Display names of people seen clicking (the store keeps only ids): who cleared a draft
        # is shown by name when this process saw them, else by their id.
        self._names = _Bounded()

    # --- what the adapter tells it ------------------------------------------------------

    def learn(self, where: Where, *, is_review_channel: bool = False) -> str:
        """Remember where ``where``'s conversation is; returns its ``channel`` for the layer."""
        channel = channel_of(where)
        is_channel = where.scope == "channel" and where.channel_id is not None
        conversation = where.channel_id if is_channel and where.channel_id else where.conversation_id
        if is_channel:
            conversation = conversation.split(";")[0]
        self.routes[channel] = Route(where.service_url, conversation, is_channel,
                                     where.team_group_id if is_channel else None)
        if where.service_url:
            self.last_service_url = where.service_url
        if is_review_channel:
            self.review_channel_ids.add(channel)
        return channel

    def learn_name(self, user: str, name: str) -> None:
        """Remember ``user``'s display name, for showing who cleared a draft."""
        if user and name.strip():
            self._names.remember(user, name.strip()[:200])

    def name_of(self, user: str | None) -> str | None:
        return self._names.get(user) if user else None

    def remember(self, place: Place, text: str, *, author: str | None = None) -> None:
        """Keep a message of a thread, for answering questions asked there later (in memory,
        the last few per thread)."""
        if not text.strip():
            return
        key = (place.channel, place.thread)
        messages = self._threads.pop(key, None) or deque(maxlen=THREAD_MEMORY)
        messages.append((place.message, ThreadMessage(author=author or place.user, text=text)))
        self._threads[key] = messages
        while len(self._threads) > THREADS_REMEMBERED:
            self._threads.popitem(last=False)

    # --- rendering ------------------------------------------------------------------------

    def render(self, outcome: Outcome, *, show_draft: bool = False) -> AdaptiveCard:
        if isinstance(outcome, Reviewed):
            # A review for its requester alone is read away from the draft: it quotes it.
            show_draft = show_draft or outcome.private
            clearance = outcome.clearance
            name = self.name_of(clearance.cleared_by) if clearance else None
            return cards.render_review(outcome.review, review_id=outcome.review_id, delta=outcome.delta,
                                       show_draft=show_draft, category_labels=self.category_labels,
                                       clearance=clearance, cleared_by_name=name)
        if isinstance(outcome, Answered):
            return cards.render_answer(outcome.text)
        if isinstance(outcome, DraftDeleted):
            return cards.render_deleted()
        assert isinstance(outcome, Notice)
        return cards.render_notice(outcome.text)

    # --- the port -----------------------------------------------------------------------

    def place_of(self, channel: str, thread: str | None = None) -> TeamsPlace:
        """Where a reply in ``thread`` of ``channel`` goes (UnknownConversation if nowhere known)."""
        route = self.routes.get(channel)
        if route is None:
            if not (looks_like_channel(channel) and self.last_service_url):
                raise UnknownConversation("no route to that conversation in this process")
            route = Route(self.last_service_url, channel, True)
        if route.is_channel and thread and thread.isdigit():
            return TeamsPlace.thread(route.service_url, route.conversation_id, thread)
        return TeamsPlace(route.service_url, route.conversation_id)

    async def post_in_thread(
        self, channel: str, thread: str, outcome: Outcome, *, key: str | None = None
    ) -> str:
        """One attempt: the thread's "Reviewing…" card updated in place when there is one, else a
        new card; ``key`` is kept with the activity (its ``channelData``) and in this process."""
        place = self.place_of(channel, thread)
        card = self.render(outcome)
        activity = self._replacing.get(key) if key else None
        if activity is None and isinstance(outcome, Notice):
            # A reply that never replaced its "Reviewing…" card: the notice replaces it instead.
            activity = self._unreplaced.get(_thread_key(channel, thread))
        if activity is None:
            activity = await self._take_placeholder((channel, thread))
        if activity is not None and key:
            self._replacing.remember(key, activity)
            self._unreplaced.remember(_thread_key(channel, thread), activity)
        if activity is not None:
            try:
                await self.teams.update(place, activity, card, key=key)
            except httpx.HTTPStatusError as exc:
                if exc.response.status_code != 404:
                    raise  # the outbox retries this same update
                log.info("the placeholder is gone (deleted by someone): posting anew")
                if key:
                    self._replacing.pop(key, None)
            else:
                self._unreplaced.pop(_thread_key(channel, thread), None)
                return await self._confirmed(key, self._ref(place, thread, activity))
        if key:
            await self._mark_sent(key)
        try:
            sent = await self.teams.post(place, card, key=key)
        except Exception as exc:
            if key:
                self._tried.remember(key, "?" if may_have_landed(exc) else "")
                self._unsure_since.remember(key, str(time.monotonic()))
            raise
        if isinstance(outcome, Answered):
            self.remember(Place(TEAMS, "", channel, sent, thread, BOT_AUTHOR), outcome.text)
        return await self._confirmed(key, self._ref(place, thread, sent))

    def pace_key(self, channel: str, *, thread: str | None = None, message: str | None = None) -> str:
        """The conversation a post goes to: ``<channel>;messageid=<root>`` for a channel thread,
        the chat itself otherwise (chats have no threads)."""
        if thread is None and message is not None:
            thread = message.rpartition("/")[0] or None
        route = self.routes.get(channel)
        is_channel = route.is_channel if route is not None else looks_like_channel(channel)
        if is_channel and thread and thread.isdigit():
            return f"{channel};messageid={thread}"
        return channel

    def over_app_limit(self, exc: BaseException) -> bool:
        # Teams does not say which limit a 429 is for. The pacer keeps each conversation within
        # its own, so a 429 most likely means the app's budget for the tenant is spent (shared
        # with the other processes of the bot): every conversation waits.
        return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code == 429

    async def find_reply(self, channel: str, thread: str, key: str) -> str | None:
        """The reply posted under ``key``, from what this process and the store know; raises
        :class:`CannotTell` when a post under ``key`` may have landed unseen."""
        if (ref := self._posted.get(key)) is not None:
            return ref
        if key in self._replacing:
            return None  # the next attempt updates that same card again: harmless twice
        tried = self._tried.get(key)
        if tried == "?":
            since = self._unsure_since.get(key)
            settled = since is None or time.monotonic() - float(since) >= GRAPH_SETTLE_SECONDS
            return await self._look_in_graph(channel, thread, key, "a post under this key may have landed",
                                             trust_missing=settled)
        if tried is None and self.store is not None:
            # Another process (stopped since) may have posted under this key.
            marked, ref = await self.store.noted(sent_marker(key))
            if ref:
                self._posted.remember(key, ref)
                return ref  # it saw Teams take the reply
            if marked:
                return await self._look_in_graph(channel, thread, key, "another process posted this key")
        return None

    async def _look_in_graph(
        self, channel: str, thread: str, key: str, unsure: str, *, trust_missing: bool = True
    ) -> str | None:
        """Read the channel thread back through Graph for the card posted under ``key``;
        CannotTell (``unsure``) when that is not possible: a chat, no team id, Graph down or
        not permitted, or the card missing before Graph can be trusted to list it."""
        route = self.routes.get(channel)
        readable = route is not None and route.is_channel and route.team_id and thread.isdigit()
        if self.graph is None or route is None or not route.team_id or not readable:
            raise CannotTell(unsure)
        try:
            found = await self.graph.find(route.team_id, route.conversation_id, thread, card_marker(key))
        except Exception as exc:
            log.info("Microsoft Graph could not say whether a reply landed: %s", type(exc).__name__)
            raise CannotTell(unsure) from exc
        if found is None:
            if not trust_missing:
                raise CannotTell(unsure + " (not listed by Microsoft Graph yet)")
            log.info("Microsoft Graph shows no reply under the key: posting it")
            return None
        log.info("Microsoft Graph shows the reply landed: not posting it again")
        ref = f"{thread}/{found}"
        self._posted.remember(key, ref)
        self._tried.pop(key, None)
        return ref

    def route(self, channel: str) -> str | None:
        """The service URL and conversation id behind ``channel``, as JSON: a chat's id may be
        hashed in ``channel``, and a process that never saw the chat knows neither."""
        route = self.routes.get(channel)
        if route is None:
            return None
        return json.dumps({"serviceUrl": route.service_url, "conversationId": route.conversation_id,
                           "isChannel": route.is_channel, "teamId": route.team_id}, separators=(",", ":"))

    def learn_route(self, channel: str, route: str) -> None:
        """Take a route :meth:`route` gave (maybe in another process), unless this process knows
        a fresher one (an activity it saw)."""
        if channel in self.routes:
            return
        try:
            fields = json.loads(route)
            team = fields.get("teamId")
            known = Route(str(fields["serviceUrl"]), str(fields["conversationId"]), bool(fields["isChannel"]),
                          str(team) if team else None)
        except (ValueError, TypeError, KeyError):
            log.warning("a stored route to a conversation could not be read")
            return
        if known.service_url.startswith(("https://", "http://")) and known.conversation_id:
            self.routes[channel] = known

    def retry_after(self, exc: BaseException) -> float | None:
        if isinstance(exc, CannotTell):
            return 0.0  # perhaps later: the window ends in a notice, never a second card
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            asked = retry_after_seconds(exc.response)
            if status == 429:
                return 1.0 if asked is None else asked
            if status >= 500 or status in (408, 412):
                return asked or 0.0
            return None  # 4xx: not allowed there, a card Teams refuses
        if isinstance(exc, httpx.TransportError | TimeoutError | ConnectionError):
            return 0.0
        return None

    async def post_in_channel(self, channel: str, outcome: Outcome, *, key: str | None = None) -> str:
        """One attempt at a new card at the top of ``channel`` (a personal chat, for a review
        only its requester sees); how it ended is kept under ``key`` for ``find_in_channel``."""
        try:
            sent = await self.teams.post(self.place_of(channel), self.render(outcome), key=key)
        except Exception as exc:
            if key:
                self._tried.remember(key, "?" if may_have_landed(exc) else "")
            raise
        if key:
            self._posted.remember(key, sent)
            self._tried.pop(key, None)
        return sent

    async def find_in_channel(self, channel: str, key: str) -> str | None:
        # The Bot Connector cannot read a channel back: a post that may have landed is never
        # tried blindly. One that Teams surely refused (a 429, a 503, no connection) is tried
        # again, and one it took is not.
        if (ref := self._posted.get(key)) is not None:
            return ref
        if self._tried.get(key) == "":
            return None
        raise CannotTell("the Bot Connector cannot read a channel back")

    async def update_message(self, channel: str, message: str, outcome: Outcome) -> None:
        """Replace the card; the same card twice is harmless, so the outbox may repeat it."""
        thread, _, activity = message.rpartition("/")
        await self.teams.update(self.place_of(channel, thread or None), activity, self.render(outcome))

    async def show_working(self, place: Place) -> None:
        """Post a short "Reviewing…" card as soon as Teams' budgets allow; the review replaces it
        in place. Replies go first when the app's budget is spent, and a card still waiting for
        its turn when the review is ready is not sent at all: the review is posted instead."""
        key = (place.channel, place.thread)
        working = _Placeholder(asyncio.get_running_loop().create_future())
        # Registered before the first wait, so a review that is ready first still finds it.
        self._working.setdefault(key, deque()).append(working)
        try:
            unit = self.pace_key(place.channel, thread=place.thread)
            if self.pacer is not None and self.pacer.admit(unit, urgent=False) > 0:
                working.turn = asyncio.ensure_future(self.pacer.wait(unit, urgent=False))
                try:
                    await working.turn
                except asyncio.CancelledError:
                    if not working.dropped:
                        raise
                    return  # its review is ready first and is posted in its place
                if working.dropped:  # cannot be: a turn taken is never dropped (_take_placeholder)
                    return
            working.sending = True
            working.done.set_result(await self.teams.post(self.place_of(place.channel, place.thread),
                                                          self._working_card))
        except BaseException:
            if not working.done.done():
                working.done.set_result(None)
            raise
        finally:
            if not working.done.done():
                working.done.set_result(None)

    async def thread_messages(self, channel: str, thread: str, *, exclude: str) -> list[ThreadMessage]:
        # The Bot Connector cannot read a channel thread back (that needs Microsoft Graph): the
        # messages are the ones this process saw arrive, and its own answers.
        return [m for message, m in self._threads.get((channel, thread), ()) if message != exclude]

    async def is_review_channel(self, channel: str) -> bool:
        return channel in self.review_channel_ids

    def describe_failure(self, exc: BaseException) -> str | None:
        if isinstance(exc, UnknownConversation):
            return "I could not find that conversation again"
        if isinstance(exc, CannotTell):
            # A post that may have landed, not tried again: the reply may be there after all.
            return "Teams did not confirm my reply, so it may be above"
        if isinstance(exc, httpx.HTTPStatusError):
            status = exc.response.status_code
            if status == 429:
                return "Teams is rate-limiting me right now"
            if status in (401, 403):
                return "I'm not allowed to post there"
            return "Teams refused my reply"
        if isinstance(exc, httpx.TransportError):
            return "I could not reach Teams"
        return None

    # --- pieces --------------------------------------------------------------------------

    async def _confirmed(self, key: str | None, ref: str) -> str:
        if key:
            self._posted.remember(key, ref)
            self._replacing.pop(key, None)
            self._tried.pop(key, None)
            if self.store is not None:
                # Teams took it: a process that looks for it later (the sweep, after this one
                # stopped before settling its debt) finds it rather than a marker it cannot read.
                try:
                    await self.store.note(sent_marker(key), ref)
                except Exception as exc:
                    log.warning("could not record a reply Teams took: %s", type(exc).__name__)
        return ref

    async def _mark_sent(self, key: str) -> None:
        # Written before the send: a process that stops between the two leaves the marker, and
        # the sweep then says it cannot tell rather than post twice.
        self._tried.remember(key, "?")
        if self.store is None:
            return
        try:
            await self.store.claim(sent_marker(key))
        except Exception as exc:  # the post matters more than the marker
            log.warning("could not record a post about to be made: %s", type(exc).__name__)

    async def _take_placeholder(self, key: tuple[str, str]) -> str | None:
        waiting = self._working.get(key)
        if not waiting:
            return None
        placeholder = waiting.popleft()
        if not waiting:
            del self._working[key]
        if placeholder.done.done():
            return placeholder.done.result()
        if not placeholder.sending and placeholder.turn is not None and not placeholder.turn.done():
            # Still waiting for Teams' budget: the reply goes instead, a call saved.
            placeholder.dropped = True
            placeholder.turn.cancel()
            return None
        activity = await placeholder.done
        if self.pacer is not None:
            # The outbox's turn for this reply passed while the card it replaces waited for its
            # own: sent now, the two would reach Teams together, beyond the pace.
            await self.pacer.wait(self.pace_key(key[0], thread=key[1]))
        return activity

    @staticmethod
    def _ref(place: TeamsPlace, thread: str, activity: str) -> str:
        return f"{thread}/{activity}" if ";messageid=" in place.conversation_id else activity


def cannot_post_there(exc: BaseException) -> bool:
    """True when Teams refused a post because the bot is not in that conversation."""
    return isinstance(exc, httpx.HTTPStatusError) and exc.response.status_code in (403, 404)
