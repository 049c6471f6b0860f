"""Offline alternatives: rewrites of this draft's own risky words, each checked again.

A rewrite is built only where a rewrite rule applies to the words a risk quotes: soften (drop
the exact count and window inside the quoted words, swap a mocking punchline for warmth), thank
(the same with a thank-you), reword (the replacement words a rule carries) and cut (drop the
sentences that carry the worst risk, when what is left still says something). Everything else of
the draft (its product, place, occasion, people) stays as written. A rewrite that still holds a
high-risk quote of the draft, or that the checker still finds high risk in, is never offered.

Where no faithful rewrite exists (the idea itself is the harm), the alternative is advice on what
to do instead (``kind="advice"``), written for this draft's words, never a stock post.
Phrases and patterns live in ``rules/rewrites.yaml``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.review.matching import Alternative as PatternAlternative
from bot.review.matching import Pattern, PatternError, alternatives_of, check_python_syntax
from bot.review.models import Alternative, Risk, RiskLevel, Severity
from bot.review.taxonomy import RuleFileError, read_yaml
from bot.review.text import sentence_bounds


class Substitution(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str
    replace: str


class RewriteBookFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    soften_numbers: list[Substitution] = Field(default_factory=list)
    soften_windows: list[Substitution] = Field(default_factory=list)
    warm_punchline: str
    thanks_punchline: str


def _capitalise_at_sentence_start(text: str, at: int, replacement: str) -> str:
    before = text[:at].rstrip()
    if not before or before[-1] in ".!?:\n":
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _edits(text: str, rules: list[tuple[Pattern, str]],
           spans: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """``(start, end, replacement)`` for every match of ``rules`` inside the quoted words ``spans``."""
    edits: list[tuple[int, int, str]] = []
    for pattern, replacement in rules:
        for m_start, m_end in pattern.spans(text):
            if any(m_start < end and start < m_end for start, end in spans):
                swapped = _capitalise_at_sentence_start(text, m_start, replacement)
                edits.append((m_start, m_end, swapped))
    return edits


#: A quote of this many words or more counts as kept when a run of ``_KEPT_SHARE`` of them is.
_LONG_QUOTE = 4
_KEPT_SHARE = 0.75


def keeps_quote(candidate: str, risks: list[Risk], minimum: Severity = Severity.high) -> bool:
    """True when ``candidate`` still holds the words of a risk at ``minimum`` severity or more:
    all of them, or, of a quote of four words or more, an unbroken three quarters (a rewrite that
    swaps the last word of a long disclosure, because it was also the jab's, still discloses)."""
    folded = " ".join(candidate.split()).casefold()
    return any(
        _holds(r.evidence.quote.casefold().split(), folded)
        for r in risks if r.severity.rank >= minimum.rank and r.evidence.quote.strip()
    )


def _holds(words: list[str], folded: str) -> bool:
    count = len(words)
    need = count if count < _LONG_QUOTE else math.ceil(_KEPT_SHARE * count)
    return any(" ".join(words[start:start + size]) in folded
               for size in range(count, need - 1, -1) for start in range(count - size + 1))


def _compile(pattern: str) -> Pattern:
    """A rewrite pattern, matched case-insensitively in linear time."""
    return Pattern([PatternAlternative(f"(?i:{a.body})", a.before, a.after, a.not_after)
                    for a in alternatives_of(pattern)])


def _balanced(text: str) -> bool:
    """False when cutting sentences left half an image description or half a quotation."""
    return text.count("[") == text.count("]") and text.count('"') % 2 == 0


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]{2,}", " ", text)
    text = re.sub(r"\s+([,.!?:;])", r"\1", text)
    return text.strip()


def _replace_spans(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Apply non-overlapping ``(start, end, replacement)`` edits, last first."""
    taken: list[tuple[int, int, str]] = []
    for edit in sorted(edits, key=lambda e: (e[0], -e[1])):
        if taken and edit[0] < taken[-1][1]:
            continue
        taken.append(edit)
    for start, end, replacement in reversed(taken):
        rest = text[end:]
        if replacement[-1:] in ".!?":
            # The replacement brings its own full stop; drop the draft's ("you?" -> "you.").
            rest = rest.lstrip(".!?") if rest[:1] in ".!?" else rest
        text = text[:start] + replacement + rest
    return text


class Rewriter:
    def __init__(self, book: RewriteBookFile) -> None:
        self.book = book
        self._numbers = [(_compile(s.pattern), s.replace) for s in book.soften_numbers]
        self._windows = [(_compile(s.pattern), s.replace) for s in book.soften_windows]

    @classmethod
    def load(cls, path: Path) -> Rewriter:
        raw = read_yaml(path)
        try:
            book = RewriteBookFile.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RuleFileError(f"{path}: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from exc
        for sub in book.soften_numbers + book.soften_windows:
            try:
                check_python_syntax(sub.pattern)
                _compile(sub.pattern).check()
            except (re.error, PatternError) as exc:
                raise RuleFileError(f"{path}: bad pattern {sub.pattern!r}: {exc}") from exc
        return cls(book)

    def _punchline_edits(self, risks: list[Risk], line: str) -> list[tuple[int, int, str]]:
        return [
            (r.evidence.start, r.evidence.end, line)
            for r in risks
            if (r.rule_id or "").startswith("judgement.") and r.severity.rank >= Severity.medium.rank
        ]

    def candidates(
        self,
        text: str,
        risks: list[Risk],
        rewrites: dict[tuple[int, int], str],
    ) -> list[tuple[str, str]]:
        """``(text, what_changed)`` rewrites of the quoted words, before re-checking."""
        found: list[tuple[str, str]] = []
        serious = [r for r in risks if r.severity.rank >= Severity.medium.rank]
        spans = [(r.evidence.start, r.evidence.end) for r in serious]
        soften = _edits(text, self._numbers, spans) + _edits(text, self._windows, spans)
        punchlines = ((self.book.warm_punchline, "warmth"), (self.book.thanks_punchline, "a thank-you"))
        for line, tone in punchlines:
            swaps = self._punchline_edits(serious, line)
            changes = []
            if soften:
                changes.append("dropped the exact count and time window (trends, not individuals)")
            if swaps:
                changes.append(f"swapped the mocking punchline for {tone}")
            if changes:
                # Punchlines first: a swapped sentence wins over a count inside it.
                candidate = _replace_spans(text, swaps + soften)
                found.append((_tidy(candidate), "; ".join(changes).capitalize() + "."))
        if rewrites:
            reworded = _replace_spans(text, [(s, e, w) for (s, e), w in rewrites.items()])
            found.append((_tidy(reworded), "Replaced the risky words with neutral ones."))
        # Cut the sentences that carry the worst risks (the ones no rule could reword).
        if serious:
            worst = max(r.severity.rank for r in serious)
            cut = [
                r for r in serious
                if r.severity.rank == worst and (r.evidence.start, r.evidence.end) not in rewrites
            ]
            bounds = sentence_bounds(text)
            kept = [
                text[b.start:b.end]
                for b in bounds
                if not any(b.start < r.evidence.end and r.evidence.start < b.end for r in cut)
            ]
            remainder = " ".join(kept)
            # What is left must still be this draft: most of its words, not one stray line.
            enough = len(remainder.split()) >= max(4, len(text.split()) // 3)
            if cut and kept and len(kept) < len(bounds) and enough and _balanced(remainder):
                found.append((_tidy(remainder), "Cut the sentences that carry the main risk."))
        return found

    def alternatives(
        self,
        text: str,
        risks: list[Risk],
        rewrites: dict[tuple[int, int], str],
        check: Callable[[str], list[Risk]],
        limit: int = 3,
        advice: Callable[[], Alternative | None] | None = None,
        rewrite_ok: bool = True,
    ) -> list[Alternative]:
        """Re-checked rewrites of the quoted words; advice where none is faithful.

        A rewrite is dropped when the checker still finds a high or critical risk in it, or a risk
        as grave as the draft's (it would not be a gentler version), or when it still holds a
        high-risk quote of the draft. ``rewrite_ok=False`` (the idea itself is the harm) keeps only
        rewrites the checker finds nothing in. ``advice`` builds the advice shown first when the
        idea is the harm, or alone when no rewrite survives.
        """
        ceiling = min(RiskLevel.high.rank, RiskLevel.of(risks).rank)
        chosen: list[Alternative] = []
        seen = {" ".join(text.split()).lower()}
        for candidate, what_changed in self.candidates(text, risks, rewrites):
            key = " ".join(candidate.split()).lower()
            if not key or key in seen or keeps_quote(candidate, risks):
                continue
            seen.add(key)
            residual = check(candidate)
            level = RiskLevel.of(residual)
            if level.rank >= ceiling or (not rewrite_ok and residual):
                continue
            chosen.append(Alternative(
                text=candidate, what_changed=what_changed, residual_risk=level, residual_risks=residual
            ))
        # The safest rewrite first: a writer who takes the first one should take the one the
        # checker finds least in. The sort is stable, so equals keep the candidates' order.
        chosen = sorted(chosen, key=lambda a: a.residual_risk.rank)[:limit]
        if advice is not None and (not rewrite_ok or not chosen):
            given = advice()
            if given is not None:
                chosen = [given, *chosen][:limit]
        return chosen

