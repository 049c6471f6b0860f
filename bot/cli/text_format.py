"""A review laid out for a terminal: verdict first, then each risk with the words that carry it."""

from __future__ import annotations

import shutil

from bot.cli.context import VERDICT_MEANING, VERDICT_WORDS, LabelFor, humanize
from bot.cli.terminal import LEVEL_STYLE, VERDICT_STYLE, Style, safe, wrap
from bot.review.models import Review, Risk, RiskLevel, Severity

#: Long lines are hard to read even on a wide terminal.
_MAX_WIDTH = 100


def terminal_width() -> int:
    return min(shutil.get_terminal_size((_MAX_WIDTH, 24)).columns, _MAX_WIDTH)


def level(style: Style, value: Severity | RiskLevel) -> str:
    return style(value.value, LEVEL_STYLE[value.value])


def _wrap(text: str, indent: str, width: int, first: str | None = None) -> list[str]:
    """``text`` wrapped to ``width``, paragraph by paragraph, hanging under ``indent``."""
    lines: list[str] = []
    lead = indent if first is None else first
    for paragraph in safe(text).split("\n") or [""]:
        # A lead longer than the indent ("Words: ") is wrapped with the text, so that every line
        # hangs under the indent.
        wrapped = wrap(lead[len(indent):] + paragraph, max(width, 30) - len(indent))
        for n, line in enumerate(wrapped):
            lines.append(((lead[: len(indent)] if n == 0 else indent) + line).rstrip())
        lead = indent
    return lines


def _highlight(text: str, spans: list[tuple[int, int]], style: Style) -> str:
    """``text`` with the evidence spans coloured (only when colour is on: plain text has the quotes)."""
    if not style.color or not spans:
        return safe(text)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out.append(safe(text[at:start]))
        out.append(style(safe(text[start:end]), "bold red"))
        at = end
    out.append(safe(text[at:]))
    return "".join(out)


def by_severity(risks: list[Risk]) -> list[Risk]:
    """Worst first; equal severities in the order their words appear in the draft."""
    return sorted(risks, key=lambda r: (-r.severity.rank, r.evidence.start, r.category))


def quote(text: str) -> str:
    return "“" + safe(text).replace("\n", " ⏎ ") + "”"


def format_text(
    review: Review, style: Style, label_for: LabelFor = humanize, width: int | None = None
) -> str:
    """The whole review as terminal text (ending with a newline)."""
    width = width or terminal_width()
    out: list[str] = []
    verdict = VERDICT_WORDS[review.verdict].upper()
    count = len(review.risks)
    out.append(
        f"{style(verdict, VERDICT_STYLE[review.verdict.value])}  ·  risk: {level(style, review.risk_level)}"
        f"  ·  {count} risk{'s' if count != 1 else ''} found"
    )
    out.append(style(VERDICT_MEANING[review.verdict], "dim"))
    if review.summary:
        out.append("")
        out.extend(_wrap(review.summary, "", width))

    out.append("")
    platform = f" ({safe(review.draft.platform)})" if review.draft.platform else ""
    out.append(style(f"Draft{platform}", "bold"))
    spans = [(r.evidence.start, r.evidence.end) for r in review.risks]
    for line in _highlight(review.draft.text, spans, style).split("\n"):
        out.append(f"  {line}".rstrip())

    out.append("")
    out.append(style("Risks", "bold"))
    if not review.risks:
        out.append("  None found.")
    ordered = by_severity(review.risks)
    for n, risk in enumerate(ordered, start=1):
        head = f"  {n}. {style(safe(label_for(risk.category)), 'bold')} [{level(style, risk.severity)}]"
        out.append(head)
        pad = "     "
        out.extend(_wrap(quote(risk.evidence.quote), pad, width, first=pad + "Words: "))
        out.extend(_wrap(risk.explanation, pad, width, first=pad + "Why it is risky: "))
        out.extend(_wrap(risk.who_could_be_hurt, pad, width, first=pad + "Who gets hurt: "))
        if risk.suggestion:
            out.extend(_wrap(risk.suggestion, pad, width, first=pad + "Instead: "))

    if review.worst_reactions:
        out.append("")
        out.append(style("Worst reactions to expect", "bold"))
        for reaction in review.worst_reactions:
            out.extend(_wrap(f"{reaction.persona}: {quote(reaction.reply)}", "    ", width, first="  • "))

    if review.alternatives:
        out.append("")
        out.append(style("Gentler alternatives", "bold"))
        for n, alt in enumerate(review.alternatives, start=1):
            if alt.kind == "advice":
                # Advice is what to do instead, not a post: it has no residual risk to show.
                out.extend(_wrap(alt.text, "     ", width, first=f"  {n}. Instead: "))
                continue
            out.extend(_wrap(alt.text, "     ", width, first=f"  {n}. "))
            if alt.what_changed:
                out.extend(_wrap(alt.what_changed, "     ", width, first="     What changed: "))
            residual = _residual(alt.residual_risks, label_for)
            out.append(f"     Residual risk: {level(style, alt.residual_risk)}{residual}")

    if review.notices:
        out.append("")
        out.append(style("Notices", "bold"))
        for notice in review.notices:
            out.extend(_wrap(notice, "    ", width, first="  ! "))

    out.append("")
    out.append(style(f"Engines: {', '.join(review.engines) or 'none'}", "dim"))
    return "\n".join(out) + "\n"


def _residual(risks: list[Risk], label_for: LabelFor) -> str:
    categories = sorted({r.category for r in risks})
    return f" ({safe(', '.join(label_for(c) for c in categories))})" if categories else ""
