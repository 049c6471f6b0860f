"""The pieces of a review message: each function turns one part of a Review into mrkdwn.

Everything that came from the draft or the LLM goes through ``escape_mrkdwn`` here; the
callers only add our own markup around it.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.review.models import (
    Alternative,
    Review,
    ReviewDelta,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    WorstReaction,
)
from bot.slack.blocks_limits import MAX_SECTION_TEXT
from bot.slack.escape import ZWJ, clip, escape_clipped, escape_mrkdwn, single_line

VERDICT_LABEL = {
    Verdict.do_not_post: (":no_entry:", "Do not post"),
    Verdict.revise: (":warning:", "Revise"),
    Verdict.ship: (":white_check_mark:", "Ship"),
}

SEVERITY_BADGE = {
    Severity.critical: ":rotating_light:",
    Severity.high: ":red_circle:",
    Severity.medium: ":large_orange_circle:",
    Severity.low: ":large_yellow_circle:",
}

RISK_LEVEL_BADGE = {
    RiskLevel.none: ":large_green_circle:",
    **{s.level: badge for s, badge in SEVERITY_BADGE.items()},
}

_DEFAULT_SUMMARY = {
    Verdict.do_not_post: "The idea itself is the problem: rewording will not save this post.",
    Verdict.revise: "Worth posting once the risky words below are changed.",
    Verdict.ship: "No risk worth a rewrite was found.",
}

# Per-part caps (in escaped characters) so one long field cannot crowd out the rest.
QUOTE_CHARS = 300
EXPLANATION_CHARS = 600
WHO_CHARS = 300
SUGGESTION_CHARS = 500
REPLY_CHARS = 400
PERSONA_CHARS = 80
ALTERNATIVE_CHARS = 1500
WHAT_CHANGED_CHARS = 400
SUMMARY_CHARS = 1000
DRAFT_EXCERPT_CHARS = 400
NOTICES_CHARS = 1000


def category_label(category: str, labels: Mapping[str, str] | None = None) -> str:
    """The taxonomy's label when known, else the id made readable: ``surveillance_creep`` →
    ``Surveillance creep``."""
    if labels and category in labels:
        return labels[category]
    words = category.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else "Other"


def header_text(review: Review) -> str:
    emoji, verdict = VERDICT_LABEL[review.verdict]
    return f"{emoji} {verdict} · Risk: {review.risk_level.value.capitalize()}"


def summary_text(review: Review) -> str:
    summary = review.summary.strip() or _DEFAULT_SUMMARY[review.verdict]
    return escape_clipped(summary, SUMMARY_CHARS)


def delta_text(delta: ReviewDelta) -> str:
    return ":arrows_counterclockwise: *Revised draft:* " + escape_clipped(single_line(delta.headline), 500)


def draft_excerpt(review: Review) -> str:
    text = single_line(review.draft.text)
    return "*Draft:* “" + escape_clipped(text, DRAFT_EXCERPT_CHARS) + "”" if text else ""


def quote(escaped: str) -> str:
    """Every line of already escaped text as a mrkdwn block quote."""
    return "\n".join(">" + line for line in escaped.splitlines() or [""])


def risk_text(risk: Risk, labels: Mapping[str, str] | None = None) -> str:
    badge = SEVERITY_BADGE.get(risk.severity, ":white_circle:")
    label = escape_clipped(single_line(category_label(risk.category, labels)), 120)
    lines = [f"{badge} *{risk.severity.value.capitalize()}* · *{label}*"]
    if risk.evidence.quote.strip():
        lines.append(quote(escape_clipped(risk.evidence.quote.strip(), QUOTE_CHARS)))
    for title, value, cap in (
        ("Why", risk.explanation, EXPLANATION_CHARS),
        ("Who could be hurt", risk.who_could_be_hurt, WHO_CHARS),
        ("Try", risk.suggestion, SUGGESTION_CHARS),
    ):
        if value.strip():
            lines.append(f"*{title}:* " + escape_clipped(value.strip(), cap))
    return clip("\n".join(lines), MAX_SECTION_TEXT)


def reaction_text(reaction: WorstReaction) -> str:
    reply = escape_clipped(reaction.reply.strip(), REPLY_CHARS)
    persona = escape_clipped(single_line(reaction.persona), PERSONA_CHARS) or "someone"
    return quote("“" + reply + "”") + f"\n>— _{persona}_"


def reactions_text(reactions: list[WorstReaction], limit: int = MAX_SECTION_TEXT) -> tuple[str, int]:
    """The worst reactions as quotes within ``limit`` characters, and how many did not fit."""
    text = "*Worst reactions*"
    shown = 0
    for reaction in reactions:
        more = text + "\n\n" + reaction_text(reaction)
        # Leave room for the "+N more" line whenever something may still follow.
        if len(more) > limit - 40:
            break
        text = more
        shown += 1
    hidden = len(reactions) - shown
    if hidden:
        text += f"\n_+{hidden} more reaction{'s' if hidden > 1 else ''} not shown_"
    return text, hidden


def _code_block(escaped: str) -> str:
    # A ``` inside the text would end the block early; a zero-width joiner keeps it whole.
    return "```" + escaped.replace("```", "`" + ZWJ + "`" + ZWJ + "`") + "```"


def alternative_text(number: int, alt: Alternative, labels: Mapping[str, str] | None = None) -> str:
    """One rewrite in a code block: a click-drag (or triple-click) copies exactly the post's
    words, without quote markers or formatting, which is what gets pasted into the scheduler.
    """
    if alt.kind == "advice":
        # What to do instead, not a post to paste: plain text, no residual risk.
        return clip(f"*Option {number}* · *Instead:* "
                    + escape_clipped(alt.text.strip(), ALTERNATIVE_CHARS), MAX_SECTION_TEXT)
    badge = RISK_LEVEL_BADGE.get(alt.residual_risk, "")
    head = f"*Option {number}* · residual risk: {badge} *{alt.residual_risk.value.capitalize()}*"
    still = sorted({category_label(r.category, labels) for r in alt.residual_risks})
    if still:
        head += " (" + escape_clipped(single_line(", ".join(still)), 200) + ")"
    body = _code_block(escape_clipped(alt.text.strip() or "(no text)", ALTERNATIVE_CHARS))
    lines = [head, body]
    if alt.what_changed.strip():
        lines.append("_What changed:_ " + escape_clipped(alt.what_changed.strip(), WHAT_CHANGED_CHARS))
    return clip("\n".join(lines), MAX_SECTION_TEXT)


def notices_text(notices: list[str]) -> str:
    return "\n".join(
        ":information_source: " + escape_clipped(single_line(n), 400) for n in notices if n.strip()
    )


def engines_text(review: Review, review_id: str) -> str:
    parts = []
    if review.engines:
        parts.append("Checked by " + escape_mrkdwn(", ".join(review.engines)))
    if review.prompt_version:
        parts.append("prompt " + escape_mrkdwn(review.prompt_version))
    parts.append("review " + escape_mrkdwn(review_id[:8]))
    return clip(" · ".join(parts), 500)


def fallback_text(review: Review, delta: ReviewDelta | None, labels: Mapping[str, str] | None = None) -> str:
    """The plain sentence notifications and screen readers use: verdict, level, why, a fix."""
    _, verdict = VERDICT_LABEL[review.verdict]
    parts = []
    if delta is not None:
        parts.append("Revised draft: " + escape_mrkdwn(single_line(delta.headline)) + ".")
    parts.append(f"Red-team review: {verdict} (risk: {review.risk_level.value}).")
    parts.append(escape_mrkdwn(single_line(review.summary)) if review.summary.strip() else "")
    if review.risks:
        risks = sorted(review.risks, key=lambda r: -r.severity.rank)
        named = ", ".join(
            f"{category_label(r.category, labels).lower()} ({r.severity.value})" for r in risks[:5]
        )
        more = f" and {len(risks) - 5} more" if len(risks) > 5 else ""
        parts.append("Risks: " + escape_mrkdwn(single_line(named)) + more + ".")
    if review.alternatives:
        best = min(review.alternatives, key=lambda a: a.residual_risk.rank)
        if best.kind == "advice":
            parts.append("Instead: " + escape_clipped(single_line(best.text), 600))
        else:
            parts.append("Gentler version: “" + escape_clipped(single_line(best.text), 600) + "”")
    return " ".join(p for p in parts if p)
