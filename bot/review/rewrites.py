"""Offline alternatives: deterministic rewrites of the common cases, each checked again.

Strategies, in order: soften (drop the exact count and window, swap a mocking punchline for
warmth), thank (the same with a thank-you), reword (apply the replacement words rules carry
and cut the sentences that still carry a high risk), and a per-category fallback line.
Phrases and patterns live in ``rules/rewrites.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.review.matching import Alternative as PatternAlternative
from bot.review.matching import Pattern, PatternError, alternatives_of
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
    category_fallbacks: dict[str, str] = Field(default_factory=dict)


def _capitalise_at_sentence_start(text: str, at: int, replacement: str) -> str:
    before = text[:at].rstrip()
    if not before or before[-1] in ".!?:\n":
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _substitute(text: str, rules: list[tuple[Pattern, str]]) -> str:
    for pattern, replacement in rules:
        parts: list[str] = []
        at = 0
        for start, end in pattern.spans(text):
            parts += [text[at:start], _capitalise_at_sentence_start(text, start, replacement)]
            at = end
        text = "".join(parts) + text[at:]
    return text


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
                re.compile(sub.pattern)
                _compile(sub.pattern).check()
            except (re.error, PatternError) as exc:
                raise RuleFileError(f"{path}: bad pattern {sub.pattern!r}: {exc}") from exc
        return cls(book)

    def _swap_punchlines(self, text: str, risks: list[Risk], line: str) -> str:
        edits = [
            (r.evidence.start, r.evidence.end, line)
            for r in risks
            if (r.rule_id or "").startswith("judgement.") and r.severity.rank >= Severity.medium.rank
        ]
        return _replace_spans(text, edits)

    def _soften(self, text: str) -> str:
        return _substitute(_substitute(text, self._numbers), self._windows)

    def candidates(
        self,
        text: str,
        risks: list[Risk],
        rewrites: dict[tuple[int, int], str],
        label: Callable[[str], str] = lambda c: c.replace("_", " "),
    ) -> list[tuple[str, str]]:
        """``(text, what_changed)`` candidates, before re-checking."""
        found: list[tuple[str, str]] = []
        serious = [r for r in risks if r.severity.rank >= Severity.medium.rank]
        softened = self._soften(text)
        punchlines = ((self.book.warm_punchline, "warmth"), (self.book.thanks_punchline, "a thank-you"))
        for line, tone in punchlines:
            # Punchline spans refer to the original text: swap first, then soften.
            swapped = self._swap_punchlines(text, serious, line)
            candidate = self._soften(swapped)
            changes = []
            if softened != text:
                changes.append("dropped the exact count and time window (trends, not individuals)")
            if swapped != text:
                changes.append(f"swapped the mocking punchline for {tone}")
            if changes:
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
            kept = [
                text[b.start:b.end]
                for b in sentence_bounds(text)
                if not any(b.start < r.evidence.end and r.evidence.start < b.end for r in cut)
            ]
            remainder = " ".join(kept)
            if cut and len(remainder.split()) >= 4 and _balanced(remainder):
                found.append((_tidy(remainder), "Cut the sentences that carry the main risk."))
        for category in [r.category for r in serious]:
            fallback = self.book.category_fallbacks.get(category)
            if fallback:
                what = f"A fresh start without the {label(category).lower()}: adapt it to your message."
                found.append((fallback, what))
                break
        return found

    def alternatives(
        self,
        text: str,
        risks: list[Risk],
        rewrites: dict[tuple[int, int], str],
        check: Callable[[str], list[Risk]],
        limit: int = 3,
        label: Callable[[str], str] = lambda c: c.replace("_", " "),
    ) -> list[Alternative]:
        """Re-checked alternatives: none still trips a high or critical rule; residual risk shown."""
        chosen: list[Alternative] = []
        seen = {" ".join(text.split()).lower()}
        for candidate, what_changed in self.candidates(text, risks, rewrites, label):
            key = " ".join(candidate.split()).lower()
            if not key or key in seen:
                continue
            seen.add(key)
            residual = check(candidate)
            level = RiskLevel.of(residual)
            if level.rank >= RiskLevel.high.rank:
                continue
            chosen.append(Alternative(
                text=candidate, what_changed=what_changed, residual_risk=level, residual_risks=residual
            ))
            if len(chosen) >= limit:
                break
        return chosen
