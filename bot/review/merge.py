"""Trust, then verify: the LLM's answer checked against the draft and merged with the offline review.

What is checked, and the policy when a check fails:

* Every quote must occur in the draft (exactly, or after normalising curly quotes, dashes, case and
  runs of whitespace, mapped back to the draft's own words). A finding whose quote is not there is
  dropped and counted in the review's notices.
* Categories must be taxonomy ids; findings with other categories are dropped and counted; a worst
  reaction with an unknown category keeps its text but loses the category.
* The verdict and the risk level are recomputed from the surviving risks (``verdict_for``), so they
  always agree with the severities; a stricter LLM verdict is mentioned in a notice.
* Alternatives are re-run through the offline checker and carry their residual risk.
* Offline findings go to the LLM as hints. A confirmed hint, or an LLM finding of the same
  category overlapping the same words, becomes ``engine="both"``. A dismissed hint is dropped
  (and the dismissal noted) when it is below high severity or comes from the classifier, whose
  finding is a likeness to labelled drafts, not a reading of this one: reading meaning is what
  the LLM is for. High and critical findings of the rules, which someone wrote down, are kept
  and marked "the LLM disagreed"; and when the draft contains a prompt injection no dismissal is
  honoured at all, so a draft cannot talk the LLM out of a real risk.
* An answer that calls a draft with a prompt injection safe (verdict "ship") is not trusted: its
  summary and reactions are replaced by the offline ones and a notice says why.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from bot.llm.prompt import hint_id
from bot.llm.schema import LLMReview
from bot.review.classifier import RULE_ID as CLASSIFIER
from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Grading,
    Review,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    WorstReaction,
    verdict_for,
)
from bot.review.rewrites import keeps_quote
from bot.review.taxonomy import INJECTION_CATEGORY

MAX_REACTIONS = 5
MIN_REACTIONS = 3
MAX_ALTERNATIVES = 3

_QUOTE_MAP = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
                            "–": "-", "—": "-", "\u00a0": " "})
_TRIM = " \t\n\"'“”‘’…."


@dataclass
class LLMAnswer:
    """What the merge needs from the LLM call (kept free of any client types)."""

    review: LLMReview
    model: str
    usage: dict[str, int] | None = None
    prompt_version: str | None = None
    notices: list[str] = field(default_factory=list)


def locate_quote(text: str, quote: str) -> Evidence | None:
    """Where ``quote`` is in ``text``: exactly, else after normalising quotes, dashes, case and spaces.

    The evidence always holds the draft's own words (``text[start:end]``), never the LLM's copy.
    """
    exact = Evidence.locate(text, quote)
    if exact is not None:
        return exact
    norm_text, index = _normalise(text)
    norm_quote, _ = _normalise(quote.strip(_TRIM))
    norm_quote = norm_quote.strip()
    if not norm_quote:
        return None
    at = norm_text.find(norm_quote)
    if at < 0:
        return None
    start, end = index[at], index[at + len(norm_quote) - 1] + 1
    return Evidence(quote=text[start:end], start=start, end=end)


def _normalise(text: str) -> tuple[str, list[int]]:
    """``text`` folded for matching, and for each folded character the index it came from."""
    out: list[str] = []
    index: list[int] = []
    previous_space = False
    for i, ch in enumerate(text):
        folded = ch.translate(_QUOTE_MAP)
        if folded.isspace():
            if previous_space:
                continue
            folded, previous_space = " ", True
        else:
            previous_space = False
            lower = folded.lower()
            folded = lower if len(lower) == 1 else folded
        out.append(folded)
        index.append(i)
    return "".join(out), index


def _overlaps(a: Evidence, b: Evidence) -> bool:
    return a.start < b.end and b.start < a.end


def _stronger(a: Severity, b: Severity) -> Severity:
    return a if a.rank >= b.rank else b


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def merge_reviews(
    draft: Draft,
    offline: Review,
    hints: list[Risk],
    answer: LLMAnswer,
    *,
    taxonomy_ids: Collection[str],
    recheck: Callable[[str], list[Risk]],
    offline_alternatives: Callable[[], list[Alternative]] | None = None,
    grading: Mapping[str, Grading] | None = None,
) -> Review:
    """The final review: the offline findings, the LLM's verified findings, and notes on both.

    The offline alternatives are used only when the LLM gave none usable; pass
    ``offline_alternatives`` to build them only then (``offline.alternatives`` otherwise).
    ``grading``: the taxonomy's per-category grading (default: the project's taxonomy).
    """
    llm = answer.review
    notices: list[str] = []
    injected = any(h.category == INJECTION_CATEGORY for h in hints)

    # 1. The offline findings, as confirmed, dismissed or left alone by the LLM.
    decisions = {d.hint.strip().upper(): d for d in llm.hints}
    risks: list[Risk] = []
    dismissed_notes: list[str] = []
    for i, hint in enumerate(hints):
        decision = decisions.get(hint_id(i))
        if decision is None:
            risks.append(hint)
        elif decision.decision == "confirm":
            risks.append(hint.model_copy(update={"engine": "both"}))
        elif injected or (hint.severity.rank >= Severity.high.rank and hint.rule_id != CLASSIFIER):
            why = decision.reason.strip() or "no reason given"
            risks.append(hint.model_copy(update={
                "explanation": f"{hint.explanation} (The LLM disagreed: {why}; kept because "
                + ("the draft contains instructions aimed at the reviewer.)" if injected
                   else f"{hint.severity.value}-severity findings of the rules are never dropped.)"),
            }))
        else:
            dismissed_notes.append(
                f"The LLM dismissed the offline finding {hint.category.replace('_', ' ')} on "
                f"“{hint.evidence.quote}”: {decision.reason.strip() or 'no reason given'}"
            )

    # 2. The LLM's own findings, verified.
    not_in_draft = unknown_category = 0
    for item in llm.risks:
        if item.category not in taxonomy_ids:
            unknown_category += 1
            continue
        evidence = locate_quote(draft.text, item.quote)
        if evidence is None:
            not_in_draft += 1
            continue
        severity = item.severity
        same = next(
            (r for r in risks if r.category == item.category and _overlaps(r.evidence, evidence)), None
        )
        if same is not None:
            at = risks.index(same)
            merged_engine = "llm" if same.engine == "llm" else "both"
            risks[at] = same.model_copy(update={"engine": merged_engine,
                                                "severity": _stronger(same.severity, severity)})
            continue
        risks.append(Risk(
            category=item.category, severity=severity, evidence=evidence,
            explanation=item.explanation.strip(), who_could_be_hurt=item.who_could_be_hurt.strip(),
            suggestion=item.suggestion.strip(), engine="llm",
        ))
    if not_in_draft:
        notices.append(
            f"{not_in_draft} LLM {_plural(not_in_draft, 'finding was', 'findings were')} dropped because "
            f"{_plural(not_in_draft, 'its quote is', 'their quotes are')} not in the draft."
        )
    if unknown_category:
        notices.append(
            f"{unknown_category} LLM {_plural(unknown_category, 'finding was', 'findings were')} dropped "
            "for using a category outside the taxonomy."
        )
    notices.extend(dismissed_notes)

    risks.sort(key=lambda r: (-r.severity.rank, r.evidence.start))
    verdict = verdict_for(risks, grading)
    level = RiskLevel.of(risks)

    # 3. An injected draft called safe: the LLM may have been steered, so its words are not used.
    distrusted = injected and llm.verdict == Verdict.ship.value
    if distrusted:
        notices.append(
            "The LLM called this draft safe, but the draft contains instructions aimed at the reviewer "
            "(a prompt injection); that verdict was not trusted and the injection is reported below."
        )
    elif _rank(llm.verdict) > _rank(verdict.value):
        notices.append(
            f"The LLM's verdict was “{llm.verdict.replace('_', ' ')}”; the findings it could back with "
            f"quotes from the draft support “{verdict.value.replace('_', ' ')}”."
        )

    reactions = [] if distrusted else _reactions(llm, taxonomy_ids)
    for extra in offline.worst_reactions:
        if len(reactions) >= MIN_REACTIONS:
            break
        if all(extra.persona.casefold() != r.persona.casefold() for r in reactions):
            reactions.append(extra)

    # The offline rewrites were checked against the offline risks only: one that keeps the words
    # of a high risk only the model found is no gentler version either.
    alternatives = _alternatives(llm, draft, recheck, risks) or [
        a for a in (offline_alternatives() if offline_alternatives is not None else offline.alternatives)
        if a.kind != "rewrite" or not keeps_quote(a.text, risks)
    ]

    return Review(
        draft=draft,
        verdict=verdict,
        risk_level=level,
        summary=offline.summary if distrusted or not llm.summary.strip() else llm.summary.strip(),
        risks=risks,
        worst_reactions=reactions[:MAX_REACTIONS],
        alternatives=alternatives,
        engines=["offline", f"llm:{answer.model}"],
        notices=[*offline.notices, *answer.notices, *notices],
        prompt_version=answer.prompt_version,
        model=answer.model,
        usage=answer.usage,
    )


def _rank(verdict: str) -> int:
    return {"ship": 0, "revise": 1, "do_not_post": 2}.get(verdict, 0)


def _reactions(llm: LLMReview, taxonomy_ids: Collection[str]) -> list[WorstReaction]:
    out: list[WorstReaction] = []
    seen: set[str] = set()
    for item in llm.worst_reactions:
        persona, reply = item.persona.strip(), item.reply.strip()
        if not persona or not reply or persona.casefold() in seen:
            continue
        seen.add(persona.casefold())
        category = item.category if item.category in taxonomy_ids else None
        out.append(WorstReaction(persona=persona, reply=reply, category=category, engine="llm"))
    return out[:MAX_REACTIONS]


def _alternatives(llm: LLMReview, draft: Draft, recheck: Callable[[str], list[Risk]],
                  risks: list[Risk]) -> list[Alternative]:
    out: list[Alternative] = []
    for item in llm.alternatives:
        text = item.text.strip()
        if not text or text == draft.text.strip() or any(a.text == text for a in out):
            continue
        # The checker cannot see what only the model found: a rewrite that still carries the words
        # of a high risk (from either engine) is not a gentler version, whatever its recheck says.
        if keeps_quote(text, risks):
            continue
        residual = recheck(text)
        out.append(Alternative(text=text, what_changed=item.what_changed.strip(),
                               residual_risk=RiskLevel.of(residual), residual_risks=residual, engine="llm"))
    # Gentlest first, so "the alternative" a front end shows is the one with the least left to fix.
    out.sort(key=lambda a: a.residual_risk.rank)
    return out[:MAX_ALTERNATIVES]
