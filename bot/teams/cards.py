"""Reviews and replies as Adaptive Cards 1.5 (the Teams SDK's own card models).

Pure functions: no Teams calls, no I/O. The content mirrors the Slack messages
(``bot/slack/render.py``): verdict, risks with their quotes, worst reactions, gentler
alternatives, the delta of a re-review, Helpful / Not helpful buttons and, in a review channel,
*Cleared to post* with who cleared which version.

Text from a draft or the LLM is never put in a ``TextBlock`` (whose text is markdown): it goes
in a ``TextRun`` of a ``RichTextBlock`` and is also neutralised by :func:`inert`, so it cannot
mention anyone, form a link or format itself, whatever the client's renderer does. Every card
stays under :data:`MAX_CARD_BYTES`; what does not fit is cut with a visible "…" or a
"+N more … not shown" line, and rendering never fails.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from microsoft_teams.cards import (
    AdaptiveCard,
    CardElement,
    Container,
    ExecuteAction,
    RichTextBlock,
    TeamsCardProperties,
    TextBlock,
    TextInput,
    TextRun,
)

from bot.conversation.clearance import MAX_REASON_CHARS
from bot.conversation.outcomes import ClearanceState
from bot.review.models import Alternative, Review, ReviewDelta, Risk, RiskLevel, Severity, Verdict

#: Teams refuses a message over about 28 KB; a card this size leaves room for the activity around it.
MAX_CARD_BYTES = 24_000
ELLIPSIS = "…"
#: Invisible and unbreakable: placed inside a would-be link, mention or tag so it stays plain text.
WORD_JOINER = "\u2060"

#: The ``verb`` of the feedback buttons' ``Action.Execute``; ``data`` carries the review id.
FEEDBACK_VERB = "redteam.feedback"
FEEDBACK_HELPFUL = "helpful"
FEEDBACK_NOT_HELPFUL = "not_helpful"
#: "Cleared to post": ``data`` carries the review id; the second verb also the written reason,
#: from the input :data:`REASON_INPUT` (Teams merges inputs into ``data``).
CLEAR_VERB = "redteam.clear"
CLEAR_WITH_REASON_VERB = "redteam.clearWithReason"
REASON_INPUT = "reason"

VERDICT_LABEL = {
    Verdict.do_not_post: ("⛔", "Do not post"),
    Verdict.revise: ("⚠️", "Revise"),
    Verdict.ship: ("✅", "Ship"),
}
SEVERITY_BADGE = {
    Severity.critical: "🚨",
    Severity.high: "🔴",
    Severity.medium: "🟠",
    Severity.low: "🟡",
}
RISK_LEVEL_BADGE = {RiskLevel.none: "🟢", **{s.level: b for s, b in SEVERITY_BADGE.items()}}
_DEFAULT_SUMMARY = {
    Verdict.do_not_post: "The idea itself is the problem: rewording will not save this post.",
    Verdict.revise: "Worth posting once the risky words below are changed.",
    Verdict.ship: "No risk worth a rewrite was found.",
}

# A tag or mention (<at>, <a, <img...), a markdown link or reference definition ([x](...), [x]: ...),
# a URL scheme and a bare domain each lose the adjacency their syntax needs.
_TAG_OPEN = re.compile(r"<")
_LINK_CLOSE = re.compile(r"\](?=[(:\[])")
_SCHEME = re.compile(r":(?=//)")
_DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=[^\W\d_]{2,})")


@dataclass(frozen=True)
class _Caps:
    """How much of each part a card shows (in characters, and items per list)."""

    quote: int = 300
    explanation: int = 600
    who: int = 300
    suggestion: int = 500
    reply: int = 400
    persona: int = 80
    alternative: int = 1500
    what_changed: int = 400
    summary: int = 1000
    excerpt: int = 400
    notice: int = 400
    risks: int = 12
    reactions: int = 5
    alternatives: int = 5


# Tried in order until the card fits: first everything, then less of each part.
_LEVELS = (
    _Caps(),
    _Caps(quote=200, explanation=300, who=150, suggestion=250, reply=250, alternative=700,
          what_changed=200, summary=600, risks=8, reactions=3, alternatives=3),
    _Caps(quote=120, explanation=160, who=80, suggestion=160, reply=160, alternative=400,
          what_changed=100, summary=400, excerpt=200, notice=200, risks=5, reactions=2, alternatives=2),
    _Caps(quote=80, explanation=80, who=40, suggestion=80, reply=100, persona=40, alternative=250,
          what_changed=60, summary=300, excerpt=120, notice=120, risks=3, reactions=1, alternatives=1),
)


def plain(text: str) -> str:
    """``text`` as valid Unicode: lone surrogates (which cannot be sent as UTF-8) become "�"."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def inert(text: str) -> str:
    """``text`` that reads the same but cannot mention, link or tag: a word joiner goes after each
    ``<``, between ``]`` and ``(``/``:``/``[``, inside ``://`` and after a domain's dot."""
    text = _TAG_OPEN.sub("<" + WORD_JOINER, plain(text))
    text = _LINK_CLOSE.sub("]" + WORD_JOINER, text)
    text = _SCHEME.sub(":" + WORD_JOINER, text)
    return _DOMAIN_DOT.sub("." + WORD_JOINER, text)


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending in a visible "…" when cut."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return ELLIPSIS[:limit]
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def safe(text: str, limit: int) -> str:
    """Untrusted ``text`` made inert and cut to ``limit`` characters."""
    return clip(inert(text.strip()), limit)


def single_line(text: str) -> str:
    return " ".join(text.split())


def card_json(card: AdaptiveCard) -> dict[str, Any]:
    """The card as the JSON Teams receives."""
    dumped: dict[str, Any] = card.model_dump(mode="json", exclude_none=True, by_alias=True)
    return dumped


def card_bytes(card: AdaptiveCard) -> int:
    """The card's size on the wire, counted as ASCII-escaped JSON (the larger of the encodings)."""
    return len(json.dumps(card_json(card), ensure_ascii=True, separators=(",", ":")))


def category_label(category: str, labels: Mapping[str, str] | None = None) -> str:
    if labels and category in labels:
        return labels[category]
    words = category.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "Other"


# --- building blocks --------------------------------------------------------------------------


def _fixed(text: str, **style: Any) -> TextBlock:
    """Our own words (never a draft's) in a TextBlock."""
    return TextBlock(text=text, wrap=True, **style)


def _run(text: str, **style: Any) -> TextRun:
    return TextRun(text=text, **style)


def _rich(*runs: TextRun, **style: Any) -> RichTextBlock:
    return RichTextBlock(inlines=list(runs), **style)


def _labelled(title: str, value: str) -> RichTextBlock:
    return _rich(_run(f"{title}: ", weight="Bolder"), _run(value))


def _more(hidden: int, noun: str) -> TextBlock:
    return _fixed(f"+{hidden} more {noun}{'s' if hidden > 1 else ''} not shown", is_subtle=True,
                  size="Small")


def _feedback_actions(review_id: str) -> list[ExecuteAction]:
    return [
        ExecuteAction(title="👍 Helpful", verb=FEEDBACK_VERB,
                      data={"reviewId": review_id, "feedback": FEEDBACK_HELPFUL}),
        ExecuteAction(title="👎 Not helpful", verb=FEEDBACK_VERB,
                      data={"reviewId": review_id, "feedback": FEEDBACK_NOT_HELPFUL}),
    ]


def _card(
    body: Sequence[CardElement], *, fallback: str, actions: Sequence[ExecuteAction] = ()
) -> AdaptiveCard:
    return AdaptiveCard(
        version="1.5",
        body=list(body),
        actions=list(actions) or None,
        fallback_text=clip(plain(fallback), 1000),
        msteams=TeamsCardProperties(width="full"),
    )


# --- the review -------------------------------------------------------------------------------


def _header(review: Review) -> TextBlock:
    emoji, verdict = VERDICT_LABEL[review.verdict]
    return _fixed(f"{emoji} {verdict} · Risk: {review.risk_level.value.capitalize()}",
                  size="Large", weight="Bolder")


def _risk(risk: Risk, caps: _Caps, labels: Mapping[str, str] | None) -> Container:
    badge = SEVERITY_BADGE.get(risk.severity, "⚪")
    items: list[CardElement] = [
        _rich(_run(f"{badge} {risk.severity.value.capitalize()} · ", weight="Bolder"),
              _run(safe(single_line(category_label(risk.category, labels)), 120), weight="Bolder"))
    ]
    if risk.evidence.quote.strip():
        items.append(Container(style="emphasis", items=[
            _rich(_run("“" + safe(risk.evidence.quote, caps.quote) + "”", italic=True))
        ]))
    for title, value, cap in (
        ("Why", risk.explanation, caps.explanation),
        ("Who could be hurt", risk.who_could_be_hurt, caps.who),
        ("Try", risk.suggestion, caps.suggestion),
    ):
        if value.strip():
            items.append(_labelled(title, safe(value, cap)))
    return Container(items=items, separator=True, spacing="Medium")


def _alternative(number: int, alt: Alternative, caps: _Caps, labels: Mapping[str, str] | None) -> Container:
    badge = RISK_LEVEL_BADGE.get(alt.residual_risk, "")
    head = [_run(f"Option {number} · residual risk: {badge} {alt.residual_risk.value.capitalize()}",
                 weight="Bolder")]
    still = sorted({category_label(r.category, labels) for r in alt.residual_risks})
    if still:
        head.append(_run(" (" + safe(single_line(", ".join(still)), 200) + ")"))
    items: list[CardElement] = [
        _rich(*head),
        Container(style="emphasis", items=[
            _rich(_run(safe(alt.text, caps.alternative) or "(no text)", font_type="Monospace"))
        ]),
    ]
    if alt.what_changed.strip():
        items.append(_labelled("What changed", safe(alt.what_changed, caps.what_changed)))
    return Container(items=items, spacing="Medium")


def _fallback(review: Review, delta: ReviewDelta | None, labels: Mapping[str, str] | None) -> str:
    """The plain sentence notifications and screen readers use."""
    _, verdict = VERDICT_LABEL[review.verdict]
    parts = []
    if delta is not None:
        parts.append("Revised draft: " + inert(single_line(delta.headline)) + ".")
    parts.append(f"Red-team review: {verdict} (risk: {review.risk_level.value}).")
    if review.risks:
        worst = sorted(review.risks, key=lambda r: -r.severity.rank)[:3]
        parts.append("Risks: " + inert(", ".join(
            f"{category_label(r.category, labels).lower()} ({r.severity.value})" for r in worst)) + ".")
    return " ".join(parts)


def _clear_action(review_id: str) -> ExecuteAction:
    return ExecuteAction(title="✅ Cleared to post", verb=CLEAR_VERB, data={"reviewId": review_id},
                         style="positive")


def _actions(review_id: str, clearance: ClearanceState | None) -> list[ExecuteAction]:
    actions = _feedback_actions(review_id)
    if clearance is not None and clearance.offers_button:
        actions.append(_clear_action(review_id))
    return actions


def cleared_line(clearance: ClearanceState, cleared_by_name: str | None = None) -> str:
    """``Cleared to post by <name>, <time> UTC, version N`` (plain; made inert where shown)."""
    who = single_line(cleared_by_name or "") or clearance.cleared_by or "someone"
    line = f"Cleared to post by {who}"
    if clearance.cleared_at is not None:
        at = clearance.cleared_at
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        line += f", {at:%Y-%m-%d %H:%M} UTC"
    return f"{line}, version {clearance.version}"


def _clearance_body(clearance: ClearanceState, cleared_by_name: str | None) -> list[CardElement]:
    """The card's clearance lines. The approver's name and the reason are people's words: they
    go in text runs, made inert, like a draft's."""
    body: list[CardElement] = []
    if clearance.cleared:
        body.append(_rich(_run("✅ " + safe(cleared_line(clearance, cleared_by_name), 300), weight="Bolder"),
                          separator=True, spacing="Medium"))
        if clearance.reason:
            body.append(_labelled("Reason", safe(clearance.reason, MAX_REASON_CHARS)))
        return body
    if clearance.edited_after_clearance:
        body.append(_fixed("✏️ Edited after clearance: needs a new clearance", weight="Bolder",
                           separator=True, spacing="Medium"))
    if clearance.blocked:
        body.append(_fixed("⛔ Drafts with a Do not post verdict can't be cleared to post here.",
                           is_subtle=True, separator=not clearance.edited_after_clearance))
    elif clearance.needs_reason:
        body.append(_fixed("Clearing this draft to post asks for a written reason.", is_subtle=True,
                           size="Small", separator=not clearance.edited_after_clearance))
    return body


def _review_card(review: Review, review_id: str, delta: ReviewDelta | None, show_draft: bool,
                 labels: Mapping[str, str] | None, caps: _Caps,
                 clearance: ClearanceState | None = None,
                 cleared_by_name: str | None = None) -> AdaptiveCard:
    body: list[CardElement] = []
    if delta is not None:
        body.append(_rich(_run("🔄 Revised draft: ", weight="Bolder"),
                          _run(safe(single_line(delta.headline), 500))))
    body.append(_header(review))
    summary = review.summary.strip() or _DEFAULT_SUMMARY[review.verdict]
    body.append(_rich(_run(safe(summary, caps.summary))))
    if show_draft and (draft := single_line(review.draft.text)):
        body.append(_rich(_run("Draft: ", weight="Bolder", is_subtle=True),
                          _run("“" + safe(draft, caps.excerpt) + "”", is_subtle=True)))

    risks = sorted(review.risks, key=lambda r: -r.severity.rank)
    body += [_risk(r, caps, labels) for r in risks[: caps.risks]]
    if len(risks) > caps.risks:
        body.append(_more(len(risks) - caps.risks, "risk"))

    reactions = review.worst_reactions
    if reactions:
        body.append(_fixed("Worst reactions", weight="Bolder", separator=True, spacing="Medium"))
        for reaction in reactions[: caps.reactions]:
            persona = safe(single_line(reaction.persona), caps.persona) or "someone"
            body.append(_rich(_run("“" + safe(reaction.reply, caps.reply) + "”", italic=True),
                              _run(" — " + persona, is_subtle=True)))
        if len(reactions) > caps.reactions:
            body.append(_more(len(reactions) - caps.reactions, "reaction"))

    alternatives = review.alternatives
    if alternatives:
        body.append(_fixed("Gentler alternatives: copy one, or use it as a start", weight="Bolder",
                           separator=True, spacing="Medium"))
        body += [_alternative(i, a, caps, labels)
                 for i, a in enumerate(alternatives[: caps.alternatives], start=1)]
        if len(alternatives) > caps.alternatives:
            body.append(_more(len(alternatives) - caps.alternatives, "alternative"))

    notices = [n for n in review.notices if n.strip()]
    for notice in notices[:5]:
        body.append(_rich(_run("ℹ️ " + safe(single_line(notice), caps.notice), is_subtle=True, size="Small")))
    if clearance is not None:
        body += _clearance_body(clearance, cleared_by_name)
    body.append(_rich(_run(_engines(review, review_id), is_subtle=True, size="Small"), separator=True))
    return _card(body, fallback=_fallback(review, delta, labels), actions=_actions(review_id, clearance))


def _engines(review: Review, review_id: str) -> str:
    parts = []
    if review.engines:
        parts.append("Checked by " + ", ".join(review.engines))
    if review.prompt_version:
        parts.append("prompt " + review.prompt_version)
    parts.append("review " + review_id[:8])
    return safe(" · ".join(parts), 500)


def _minimal_card(review: Review, review_id: str, delta: ReviewDelta | None,
                  labels: Mapping[str, str] | None, clearance: ClearanceState | None = None,
                  cleared_by_name: str | None = None) -> AdaptiveCard:
    """The verdict and summary alone: bounded whatever the review holds."""
    summary = review.summary.strip() or _DEFAULT_SUMMARY[review.verdict]
    body: list[CardElement] = [
        _header(review),
        _rich(_run(safe(summary, 500))),
        _fixed("The full review was too long to show here.", is_subtle=True),
    ]
    if clearance is not None:
        body += _clearance_body(clearance, cleared_by_name)
    fallback = clip(_fallback(review, delta, labels), 600)
    return _card(body, fallback=fallback, actions=_actions(review_id[:200], clearance))


def render_review(
    review: Review,
    *,
    review_id: str,
    delta: ReviewDelta | None = None,
    show_draft: bool = False,
    category_labels: Mapping[str, str] | None = None,
    clearance: ClearanceState | None = None,
    cleared_by_name: str | None = None,
) -> AdaptiveCard:
    """The review as a card: verdict at a glance, then risks, reactions and rewrites.

    ``delta`` heads a re-review with what changed; ``show_draft`` quotes the draft, for a card
    shown away from the draft's own thread (the invoking user's personal chat). ``clearance``
    (a review channel's draft) adds *Cleared to post*, or who cleared it (``cleared_by_name``
    when known, else the id).
    """
    review_id = plain(review_id)
    for caps in _LEVELS:
        card = _review_card(review, review_id, delta, show_draft, category_labels, caps,
                            clearance, cleared_by_name)
        if card_bytes(card) <= MAX_CARD_BYTES:
            return card
    return _minimal_card(review, review_id, delta, category_labels, clearance, cleared_by_name)


# --- other replies ----------------------------------------------------------------------------


def render_working() -> AdaptiveCard:
    """The placeholder posted at once, later updated in place with the review."""
    return _card([_fixed("👀 Reviewing… the review will appear here.", is_subtle=True)],
                 fallback="Reviewing your draft…")


def render_notice(message: str) -> AdaptiveCard:
    """A short plain message (a failure, a hint)."""
    text = safe(message, 2000) or "Something went wrong."
    return _card([_rich(_run(text))], fallback=text)


def render_deleted() -> AdaptiveCard:
    text = "The draft was deleted, so its review was removed."
    return _card([_fixed("🗑️ " + text, is_subtle=True)], fallback=text)


#: An answer is cut here: a long answer is a sign of a wandering model, not of a better answer.
ANSWER_CHARS = 8000


def render_answer(text: str) -> AdaptiveCard:
    """An answer to a question asked in a review thread, paragraph by paragraph."""
    answer = safe(text, ANSWER_CHARS) or "I have no answer to that."
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", answer) if p.strip()]
    body: list[CardElement] = [_rich(_run(p)) for p in paragraphs[:40]]
    if len(paragraphs) > 40:
        body.append(_fixed(ELLIPSIS))
    return _card(body, fallback=clip(single_line(answer), 300))


def render_help(review_channels: Sequence[str] = ()) -> AdaptiveCard:
    """How to use the bot in Teams; ``review_channels`` (names or ids) are named when given."""
    lines = [
        "I red-team social media drafts before anyone hits Publish.",
        "• In a personal chat with me, every message is a draft.",
        "• In a channel or group chat, @mention me with the draft.",
        "• On any message: … (More actions) → Red-team this message.",
        "• To add the platform and notes (timing, campaign, what the image shows): the compose "
        "box's apps (+) → Red-team reviewer → Red-team a draft. The review comes to you alone, "
        "in your chat with me.",
        "• In a review thread, @mention me with a revised draft for a re-review, or with a question.",
    ]
    body: list[CardElement] = [_fixed("How to use the red-team reviewer", weight="Bolder", size="Medium")]
    body += [_fixed(line) for line in lines]
    if review_channels:
        named = ", ".join(review_channels)
        body.append(_rich(_run("Every post is reviewed in: ", weight="Bolder"), _run(safe(named, 1000))))
    return _card(body, fallback=lines[0])


def feedback_data(data: Mapping[str, Any] | None) -> tuple[str, bool] | None:
    """``(review id, helpful)`` from the ``data`` of a feedback ``Action.Execute``, or None when it
    is not one of ours."""
    if not data:
        return None
    review_id, feedback = data.get("reviewId"), data.get("feedback")
    if not isinstance(review_id, str) or not review_id:
        return None
    if feedback not in (FEEDBACK_HELPFUL, FEEDBACK_NOT_HELPFUL):
        return None
    return review_id, feedback == FEEDBACK_HELPFUL


def clear_data(data: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """``(review id, reason)`` from the ``data`` of a *Cleared to post* ``Action.Execute`` (the
    reason is "" when none was asked for or typed), or None when it is not one of ours."""
    if not data:
        return None
    review_id, reason = data.get("reviewId"), data.get(REASON_INPUT, "")
    if not isinstance(review_id, str) or not review_id:
        return None
    return review_id, reason if isinstance(reason, str) else ""


def render_clearance_reason(review_id: str, message: str) -> AdaptiveCard:
    """Asks the clicker alone for the written reason a Do not post verdict's clearance needs."""
    body: list[CardElement] = [
        _fixed("Cleared to post, despite the review", weight="Bolder", size="Medium"),
        _rich(_run(safe(message, 400))),
        TextInput(id=REASON_INPUT, label="Why is this draft fine to post?", is_multiline=True,
                  is_required=True, max_length=MAX_REASON_CHARS,
                  error_message="Write why this draft is fine to post."),
    ]
    clear = ExecuteAction(title="✅ Cleared to post", verb=CLEAR_WITH_REASON_VERB,
                          data={"reviewId": plain(review_id)}, style="positive",
                          associated_inputs="auto")
    return _card(body, fallback="A written reason is needed to clear this draft to post.",
                 actions=[clear])


def render_clearance_reply(
    message: str, clearance: ClearanceState | None = None, cleared_by_name: str | None = None
) -> AdaptiveCard:
    """What one click came to, shown to the clicker alone; with ``clearance``, who cleared."""
    text = safe(message, 1000)
    body: list[CardElement] = [_rich(_run(text))] if text else []
    if clearance is not None and clearance.cleared:
        body += _clearance_body(clearance, cleared_by_name)
    return _card(body or [_fixed("Cleared to post.")], fallback=text or "Cleared to post.")


__all__ = [
    "CLEAR_VERB",
    "CLEAR_WITH_REASON_VERB",
    "FEEDBACK_VERB",
    "MAX_CARD_BYTES",
    "card_bytes",
    "card_json",
    "clear_data",
    "cleared_line",
    "feedback_data",
    "inert",
    "render_answer",
    "render_clearance_reason",
    "render_clearance_reply",
    "render_deleted",
    "render_help",
    "render_notice",
    "render_review",
    "render_working",
]
