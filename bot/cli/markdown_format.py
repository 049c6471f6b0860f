"""A review as Markdown, for pasting into a doc, a pull request or a ticket."""

from __future__ import annotations

import re

from bot.cli.context import VERDICT_MEANING, VERDICT_WORDS, LabelFor, humanize
from bot.cli.text_format import by_severity
from bot.review.models import Review

_VERDICT_ICON = {"ship": "✅", "revise": "✏️", "do_not_post": "⛔"}

# Characters that Markdown would act on inside running text.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def md_escape(text: str) -> str:
    """``text`` shown literally in Markdown (draft words must not turn into links or headings)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _blockquote(text: str) -> str:
    return "\n".join("> " + md_escape(line) if line.strip() else ">" for line in text.split("\n"))


def _code_span(text: str) -> str:
    """``text`` as an inline code span, fenced with more backticks than it contains."""
    flat = text.replace("\n", " ")
    ticks = "`" * (max((len(m) for m in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def format_markdown(review: Review, label_for: LabelFor = humanize) -> str:
    out: list[str] = []
    verdict = VERDICT_WORDS[review.verdict]
    out.append(
        f"## {_VERDICT_ICON[review.verdict.value]} Verdict: {verdict} (risk: {review.risk_level.value})"
    )
    out.append("")
    out.append(f"_{VERDICT_MEANING[review.verdict].capitalize()}._")
    if review.summary:
        out += ["", md_escape(review.summary)]

    platform = f" ({md_escape(review.draft.platform)})" if review.draft.platform else ""
    out += ["", f"### Draft{platform}", "", _blockquote(review.draft.text)]

    out += ["", f"### Risks ({len(review.risks)})", ""]
    if not review.risks:
        out.append("None found.")
    for n, risk in enumerate(by_severity(review.risks), start=1):
        out.append(f"{n}. **{md_escape(label_for(risk.category))}** ({risk.severity.value}): "
                   f"{_code_span(risk.evidence.quote)}")
        out.append(f"   - Why it is risky: {md_escape(risk.explanation)}")
        out.append(f"   - Who gets hurt: {md_escape(risk.who_could_be_hurt)}")
        if risk.suggestion:
            out.append(f"   - Instead: {md_escape(risk.suggestion)}")

    if review.worst_reactions:
        out += ["", "### Worst reactions to expect", ""]
        for reaction in review.worst_reactions:
            out.append(f"- **{md_escape(reaction.persona)}**: “{md_escape(reaction.reply)}”")

    if review.alternatives:
        out += ["", "### Gentler alternatives", ""]
        for n, alt in enumerate(review.alternatives, start=1):
            if alt.kind == "advice":
                # Advice is what to do instead, not a post: it has no residual risk to show.
                out.append(f"{n}. **Instead:** " + md_escape(alt.text).replace("\n", "\n   "))
                continue
            # Continuation lines are indented so a multi-line post stays inside its list item.
            out.append(f"{n}. " + md_escape(alt.text).replace("\n", "\n   "))
            if alt.what_changed:
                out.append(f"   - What changed: {md_escape(alt.what_changed)}")
            residual = sorted({r.category for r in alt.residual_risks})
            extra = f" ({', '.join(md_escape(label_for(c)) for c in residual)})" if residual else ""
            out.append(f"   - Residual risk: {alt.residual_risk.value}{extra}")

    if review.notices:
        out += ["", "### Notices", ""]
        out += [f"- {md_escape(n)}" for n in review.notices]

    out += ["", f"_Engines: {md_escape(', '.join(review.engines) or 'none')}_"]
    return "\n".join(out) + "\n"
