"""Words for a review thread: how a revision changed things, and an answer when no LLM is set up.

Pure functions over the review contract, shared by the Slack and Teams apps and the service.
"""

from __future__ import annotations

import re

from bot.review.models import Review, ReviewDelta, RiskLevel, ThreadContext, Verdict

_VERDICT_WORDS = {
    Verdict.ship: "ready to post",
    Verdict.revise: "revise before posting",
    Verdict.do_not_post: "do not post",
}
#: Offline answers stay short, like the LLM's: a thread is a chat, not a report.
MAX_RISKS_NAMED = 3
NEEDS_LLM = "A fuller answer to your question needs an LLM configured (OPENAI_API_KEY or OPENAI_BASE_URL)."

_ASKS_FOR_REWRITE = re.compile(
    r"\b(rewrite|reword|alternatives?|instead|better|version|fix|change|how)\b", re.IGNORECASE
)


def category_words(category: str) -> str:
    return category.replace("_", " ")


def verdict_words(verdict: Verdict) -> str:
    return _VERDICT_WORDS[verdict]


def describe_delta(delta: ReviewDelta) -> str:
    """One or two plain sentences on how a revision changed the review, e.g. for a thread reply.

    "Risk level high → low (do not post → ready to post). Resolved: mocking customers, precise
    tracking. Still there: none. New: none."
    """
    level = f"Risk level {delta.risk_level_before.value} → {delta.risk_level_after.value}"
    if delta.verdict_before != delta.verdict_after:
        level += f" ({verdict_words(delta.verdict_before)} → {verdict_words(delta.verdict_after)})"
    elif delta.risk_level_before == delta.risk_level_after:
        level += " (unchanged)"
    parts = [level + "."]
    parts.append("Resolved: " + (", ".join(map(category_words, delta.resolved)) or "none") + ".")
    if delta.remaining:
        parts.append("Still there: " + ", ".join(map(category_words, delta.remaining)) + ".")
    parts.append("New: " + (", ".join(map(category_words, delta.new)) or "none") + ".")
    return " ".join(parts)


def delta_direction(delta: ReviewDelta) -> str:
    """``"better"``, ``"worse"`` or ``"same"``, for an emoji or a colour."""
    before, after = delta.risk_level_before.rank, delta.risk_level_after.rank
    if after < before or (after == before and delta.resolved and not delta.new):
        return "better"
    if after > before or delta.new:
        return "worse"
    return "same"


def offline_answer(question: str, thread: ThreadContext, *, note: str = NEEDS_LLM) -> str:
    """A brief, deterministic answer from the review alone, and a note that an LLM would do more."""
    review = thread.review
    lines = [_verdict_line(review)]
    risks = _risk_line(review)
    gentlest = _gentlest_line(review)
    # Someone asking "how do we fix it" wants the alternative first.
    if _ASKS_FOR_REWRITE.search(question):
        lines.extend(x for x in (gentlest, risks) if x)
    else:
        lines.extend(x for x in (risks, gentlest) if x)
    lines.append(note)
    return "\n".join(lines)


def _verdict_line(review: Review) -> str:
    if review.risk_level is RiskLevel.none:
        return f"The review found no risks: {verdict_words(review.verdict)}."
    return f"Risk level {review.risk_level.value}: {verdict_words(review.verdict)}."


def _risk_line(review: Review) -> str:
    if not review.risks:
        return ""
    named = [
        f"{category_words(r.category)} ({r.severity.value}) in “{r.evidence.quote}”"
        for r in review.risks[:MAX_RISKS_NAMED]
    ]
    more = len(review.risks) - MAX_RISKS_NAMED
    return "The main risks: " + "; ".join(named) + (f"; and {more} more." if more > 0 else ".")


def _gentlest_line(review: Review) -> str:
    if not review.alternatives:
        return ""
    best = min(review.alternatives, key=lambda a: a.residual_risk.rank)
    return f"The gentlest alternative (residual risk {best.residual_risk.value}): “{best.text}”"
