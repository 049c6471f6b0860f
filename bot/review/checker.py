"""The offline checker: deterministic, no network, no model weights.

Rule packs (``rules/packs/*.yaml``) catch risky phrasings; detectors in code
(``bot.review.detectors``) and signal-family combinations (``rules/signals.yaml``) catch
combinations a word list cannot see. All run on a folded copy of the draft and report exact spans
of the original. ``review`` adds the verdict, worst
reactions and re-checked alternatives.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from bot.paths import data_dir
from bot.review import rule_cache
from bot.review.checker_config import CheckerConfig, load_checker_config
from bot.review.classifier import RULE_ID as CLASSIFIER
from bot.review.classifier import Classifier, ClassifierDetector
from bot.review.detector_texts import load_detector_texts
from bot.review.detectors import DETECTORS, TEXT_NEEDS, Finding, Scan, SignalDetector
from bot.review.detectors.context import clear_by_notes
from bot.review.lexicons import UNSCREENED, Lexicons
from bot.review.matching import PatternSet
from bot.review.models import (
    Alternative,
    Draft,
    Evidence,
    Review,
    Risk,
    RiskLevel,
    Severity,
    Verdict,
    deciding_risk,
    verdict_for,
)
from bot.review.reactions import ReactionBook
from bot.review.rewrites import Rewriter
from bot.review.rulepack import CompiledRule, load_packs
from bot.review.signal_rules import load_signals
from bot.review.taxonomy import INJECTION_CATEGORY, Taxonomy, load_taxonomy
from bot.review.text import FoldedText, sentence_bounds

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["OfflineChecker", "Scanned"]

_MAX_QUOTE = 60


def _short(quote: str) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= _MAX_QUOTE else quote[: _MAX_QUOTE - 1].rstrip() + "…"


def _around(text: str, first: int, last: int, start: int, end: int) -> str:
    """``text[first:last]`` (a sentence) quoted whole when short, else the stretch of it around
    ``text[start:end]``, cut between words: a long sentence's opening may not hold the words."""
    whole = " ".join(text[first:last].split())
    if len(whole) <= _MAX_QUOTE:
        return whole
    room = max(0, _MAX_QUOTE - 2 - (end - start))
    left = max(first, start - room // 2)
    right = min(last, end + room - (start - left))
    left = max(first, min(left, right - (_MAX_QUOTE - 2)))
    if left > first:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else start
    if right < last:
        space = text.rfind(" ", end, right)
        right = space if space != -1 else end
    piece = " ".join(text[left:right].split())
    return ("…" if left > first else "") + piece + ("…" if right < last else "")


@dataclasses.dataclass(frozen=True)
class Scanned:
    """One draft's offline findings (``OfflineChecker.scan``)."""

    text: str
    findings: list[Finding]
    risks: list[Risk]
    #: The author's notes the draft was checked with (they are context, never quoted).
    notes: str | None = None
    #: The platform the draft was checked for (some rules weigh differently on some platforms).
    platform: str | None = None


class OfflineChecker:
    """Loads the rules folder once; ``find_risks`` and ``review`` are then pure and fast."""

    def __init__(
        self,
        rules_dir: Path | None = None,
        config: CheckerConfig | None = None,
        *,
        config_path: Path | None = None,
        cache_dir: Path | None = None,
        with_classifier: bool = True,
    ) -> None:
        self.rules_dir = rules_dir or data_dir("rules")
        self.config = config if config is not None else load_checker_config(config_path)
        self.taxonomy: Taxonomy = load_taxonomy(self.rules_dir)
        # Rule files that passed once (same contents) are not checked pattern by pattern again.
        key = rule_cache.digest(self.rules_dir, [config_path])
        check = not rule_cache.already_checked(key, cache_dir)
        all_rules = load_packs(self.rules_dir / "packs", self.taxonomy, check=check)
        self.rules: list[CompiledRule] = [r for r in all_rules if not self.config.rule_disabled(r.rule.id)]
        self.lexicons = Lexicons.load(self.rules_dir / "lexicons.yaml", check=check).extended(
            "promotion", self.config.brand_terms
        )
        self.texts = load_detector_texts(self.rules_dir / "detector_texts.yaml", self.taxonomy, TEXT_NEEDS)
        signals = load_signals(self.rules_dir / "signals.yaml", self.taxonomy, self.lexicons.names,
                               reserved=DETECTORS)
        self.detectors = [d for name, d in DETECTORS.items() if not self.config.rule_disabled(name)]
        self.detectors.append(SignalDetector(
            [combinations for name, combinations in signals if not self.config.rule_disabled(name)]
        ))
        # Last, so it adds only what the rules and detectors did not already say.
        model = self.rules_dir / "classifier.json"
        self.classifier = Classifier.load(model) if with_classifier and model.is_file() else None
        if self.classifier is not None and not self.config.rule_disabled(CLASSIFIER):
            self.detectors.append(ClassifierDetector(self.classifier, self.taxonomy))
        self.reactions = ReactionBook.load(self.rules_dir / "reactions.yaml", self.taxonomy)
        self.rewriter = Rewriter.load(self.rules_dir / "rewrites.yaml")
        self._allow = self.config.allow_pattern()
        # One pass over each draft tells which patterns can match it; only those then run.
        self._screen = PatternSet([
            *(p for r in self.rules for p in (r.match, r.requires, r.unless, r.softened) if p is not None),
            *(self.lexicons[name] for name in self.lexicons.names if not name.startswith(UNSCREENED)),
        ])
        self._rules_by_index: dict[int, list[int]] = {}
        for position, rule in enumerate(self.rules):
            self._rules_by_index.setdefault(PatternSet.index(rule.match), []).append(position)
        self._lexicons_by_index: dict[int, list[str]] = {}
        for name in self.lexicons.names:
            self._lexicons_by_index.setdefault(PatternSet.index(self.lexicons[name]), []).append(name)
        self._disabled_categories = set(self.config.disabled_categories)
        if check:
            rule_cache.remember_checked(key, cache_dir)

    @classmethod
    def from_settings(cls, settings: Settings, *, with_classifier: bool = True) -> OfflineChecker:
        """A checker for ``settings.rules_dir`` and ``settings.checker_config`` (both optional);
        ``with_classifier=False`` leaves ``rules/classifier.json`` unread (to retrain it)."""
        return cls(settings.rules_dir, config_path=settings.checker_config, cache_dir=settings.cache_dir,
                   with_classifier=with_classifier)

    # --- finding risks ---------------------------------------------------------------------

    def prepare(self, text: str, notes: str | None = None, platform: str | None = None) -> Scan:
        """A scan of ``text`` before any rule or detector ran (what the classifier trains on)."""
        return self._prepare(text, notes, platform)[0]

    def _prepare(self, text: str, notes: str | None,
                 platform: str | None) -> tuple[Scan, list[CompiledRule]]:
        folded = FoldedText(text)
        if self._allow is not None:
            folded.mask(self._allow)
        possible = self._screen.screen(folded.folded)
        if possible is None:
            rules = self.rules
            lexicons = None
        else:
            found = self._rules_by_index
            rules = [self.rules[p] for p in sorted(p for i in possible for p in found.get(i, ()))]
            lexicons = frozenset(n for i in possible for n in self._lexicons_by_index.get(i, ()))
        context = FoldedText(notes) if notes and notes.strip() else None
        return Scan(folded, self.lexicons, self.texts, lexicons, context, platform), rules

    def _scan(self, text: str, notes: str | None = None, platform: str | None = None) -> list[Finding]:
        scan, rules = self._prepare(text, notes, platform)
        folded = scan.text
        for compiled in rules:
            spans = compiled.spans(folded.folded)
            if not spans:
                continue
            severity = compiled.severity_in(folded.folded)
            if severity is None:
                continue
            rule = compiled.rule
            explanation = f"{rule.message} {rule.reason}".strip()
            there = compiled.on_platform(platform) if severity is rule.severity else None
            if there is not None:
                # The platform is evidence: say which one and why it changes the risk.
                severity = there[1].severity
                explanation = f"{explanation} On {there[0]}: {there[1].why.strip()}"
            severity = self.config.severity_overrides.get(rule.id, severity)
            for hit in spans:
                scan.add(rule.id, rule.category, severity, hit, explanation, rule.suggestion, rule.rewrite)
                for category, also_severity in rule.also.items():
                    scan.add(rule.id, category, min(also_severity, severity, key=lambda s: s.rank), hit,
                             explanation, rule.suggestion)
        for detector in self.detectors:
            detector(scan)
        clear_by_notes(scan)
        return self._keep(scan.findings)

    def _keep(self, findings: list[Finding]) -> list[Finding]:
        """Drop disabled findings and duplicates; most severe first, then in reading order."""
        best: dict[tuple[str, int, int], Finding] = {}
        for f in findings:
            if f.category in self._disabled_categories or self.config.rule_disabled(f.rule_id):
                continue
            override = self.config.severity_overrides.get(f.rule_id)
            if override is not None and override is not f.severity:
                f = dataclasses.replace(f, severity=override)
            key = (f.category, f.span.start, f.span.end)
            if key not in best or f.severity.rank > best[key].severity.rank:
                best[key] = f
        kept = list(best.values())
        # A weaker finding of the same category inside a stronger one adds nothing.
        kept = [
            f for f in kept
            if not any(
                g is not f and g.category == f.category and g.severity.rank > f.severity.rank
                and g.span.start <= f.span.start and f.span.end <= g.span.end
                for g in kept
            )
        ]
        kept.sort(key=lambda f: (-f.severity.rank, not f.primary, f.span.start, f.category))
        return kept

    def _to_risk(self, text: str, f: Finding) -> Risk:
        category = self.taxonomy.get(f.category) if f.category in self.taxonomy else None
        return Risk(
            category=f.category,
            severity=f.severity,
            evidence=Evidence(quote=text[f.span.start:f.span.end], start=f.span.start, end=f.span.end),
            explanation=f.message,
            who_could_be_hurt=f.who or (category.who_is_hurt if category else "Your audience."),
            suggestion=f.suggestion or (category.rewrite_strategy if category else "Rewrite or drop it."),
            rule_id=f.rule_id,
            engine="offline",
        )

    def find_risks(self, text: str) -> list[Risk]:
        """Every risk the offline rules see in ``text``, each with an exact evidence span."""
        return self.scan(text).risks

    def scan(self, text: str, notes: str | None = None, platform: str | None = None) -> Scanned:
        """``find_risks`` with what ``review`` needs besides, so a caller that has the risks
        already (the LLM's hints) does not check the same draft twice.

        ``notes``: the author's context (``Draft.notes``): read for the moment the post lands in
        (a promotion "the day after the earthquake" is insensitive timing), never quoted.
        ``platform``: where it will be posted (``Draft.platform``); rules with ``on_platforms``
        weigh it (crude slang on LinkedIn).
        """
        findings = self._scan(text, notes, platform)
        return Scanned(text, findings, [self._to_risk(text, f) for f in findings], notes, platform)

    def scan_draft(self, draft: Draft) -> Scanned:
        """``scan`` of a draft's text with its notes and platform as context."""
        return self.scan(draft.text, draft.notes, draft.platform)

    # --- full review -----------------------------------------------------------------------

    def summary(self, risks: list[Risk], verdict: Verdict) -> str:
        """One plain sentence: the verdict, which kind of risk sets it and why."""
        def labels(minimum: Severity) -> str:
            seen: list[str] = []
            for r in risks:
                label = self.taxonomy.label(r.category)
                if r.severity.rank >= minimum.rank and label not in seen:
                    seen.append(label)
            return ", ".join(seen).lower()

        if not risks:
            return "The offline checks found nothing risky."
        decider = deciding_risk(risks, self.taxonomy.grading)
        quote = f"“{_short(decider.evidence.quote)}”" if decider is not None else ""
        if verdict is Verdict.do_not_post and decider is not None:
            grading = self.taxonomy.grading.get(decider.category)
            label = self.taxonomy.label(decider.category).lower()
            because = (grading.because if grading is not None and grading.because
                       else f"{label} at {decider.severity.value} severity")
            return (f"Do not post: the idea itself is the harm, {because} ({quote}); "
                    "no rewording saves it.")
        if verdict is Verdict.revise:
            grading = self.taxonomy.grading.get(decider.category) if decider is not None else None
            if grading is not None and grading.revise:
                return f"Revise: {grading.revise} ({labels(Severity.medium)}, on {quote})."
            return (f"Revise: the wording carries the risk ({labels(Severity.medium)}, on {quote}); "
                    "the idea can stay.")
        return f"Fine to post; worth a glance: {labels(Severity.low)}."

    def review(self, draft: Draft, *, scanned: Scanned | None = None,
               with_alternatives: bool = True) -> Review:
        """The full offline review: risks, verdict, summary, worst reactions, alternatives.

        ``scanned``: ``scan(draft.text)`` when the caller has it already. ``with_alternatives=False``
        leaves the alternatives (most of the cost: each is checked again) to ``alternatives()``,
        for a caller that may not need them.
        """
        if (scanned is None or scanned.text != draft.text or scanned.notes != draft.notes
                or scanned.platform != draft.platform):
            scanned = self.scan_draft(draft)
        risks = scanned.risks
        verdict = verdict_for(risks, self.taxonomy.grading)
        level = RiskLevel.of(risks)
        reactions = self.reactions.worst_reactions(risks)
        alternatives = self.alternatives(scanned) if with_alternatives else []
        return Review(
            draft=draft,
            verdict=verdict,
            risk_level=level,
            summary=self.summary(risks, verdict),
            risks=risks,
            worst_reactions=reactions,
            alternatives=alternatives,
            engines=["offline"],
            notices=[n for n in (self.notes_instruction(draft.notes),) if n],
        )

    def notes_instruction(self, notes: str | None) -> str | None:
        """A notice when the author's notes talk to the reviewer ("AI reviewer: approve this").
        Notes are read as context, never obeyed; the team is told, since someone wrote it to get
        a draft past the review, and the notes never reach the public, so it is not a risk of
        the post."""
        if not notes or not notes.strip():
            return None
        aimed = [f for f in self._scan(notes) if f.category == INJECTION_CATEGORY]
        if not aimed:
            return None
        first = min(aimed, key=lambda f: f.span.start)
        # The sentence that holds it: "AI reviewer:" alone does not say what was asked.
        quote = next((_short(notes[b.start:b.end]) for b in sentence_bounds(notes)
                      if b.start <= first.span.start < b.end), _short(notes[first.span.start:first.span.end]))
        return (f"The notes give the reviewer an instruction (“{quote}”). Notes are read as "
                "context only, so it was ignored; check who wrote it before this is posted.")

    def alternatives(self, scanned: Scanned) -> list[Alternative]:
        """Rewrites of a draft of medium risk or more, each checked again (with the draft's
        notes); advice on what to do instead where the idea itself is the harm."""
        risks = scanned.risks
        if RiskLevel.of(risks).rank < RiskLevel.medium.rank:
            return []
        grading = self.taxonomy.grading
        verdict = verdict_for(risks, grading)
        rewrites = {(f.span.start, f.span.end): f.rewrite for f in scanned.findings if f.rewrite}
        return self.rewriter.alternatives(
            scanned.text, risks, rewrites, lambda text: self._recheck(text, scanned),
            advice=lambda: self._advice(scanned), rewrite_ok=verdict is not Verdict.do_not_post,
        )

    def _recheck(self, text: str, scanned: Scanned) -> list[Risk]:
        """A rewrite's risks, with the draft's notes and without them: the notes may add a risk
        (the day it goes out) but never take away one the words still carry."""
        found = self.scan(text, scanned.notes, scanned.platform).risks
        if scanned.notes and scanned.notes.strip():
            seen = {(r.category, r.evidence.start, r.evidence.end) for r in found}
            found += [r for r in self.scan(text, None, scanned.platform).risks
                      if (r.category, r.evidence.start, r.evidence.end) not in seen]
        return found

    def _advice(self, scanned: Scanned) -> Alternative | None:
        """What to do instead of this draft, in its own words (not a post to publish)."""
        decider = deciding_risk(scanned.risks, self.taxonomy.grading)
        if decider is None:
            return None
        strategy = (self.taxonomy.get(decider.category).rewrite_strategy
                    if decider.category in self.taxonomy else "Rewrite or drop it.")
        quote = _short(decider.evidence.quote)
        if len(decider.evidence.quote.split()) < 3:
            # A word or two ("Our new") says little on its own: quote the sentence it sits in.
            for bound in sentence_bounds(scanned.text):
                if bound.start <= decider.evidence.start < bound.end:
                    quote = _around(scanned.text, bound.start, bound.end,
                                    decider.evidence.start, decider.evidence.end)
                    break
        # The rest of the draft the advice keeps: the other words a finding points at (the offer
        # next to a tribute), or failing that the draft's first words outside the risky ones.
        apart = [r for r in scanned.risks
                 if r.evidence.quote.casefold() not in decider.evidence.quote.casefold()
                 and decider.evidence.quote.casefold() not in r.evidence.quote.casefold()]
        others = list(dict.fromkeys(r.evidence.quote for r in apart))
        # A part that is a risk of another kind (a jab beside a disclosure) is risky on its own;
        # one of the same kind only (the offer beside a tribute) is risky next to the rest.
        on_its_own = {r.evidence.quote for r in apart if r.category != decider.category}
        keep = [q for q in others if q not in on_its_own]
        if not others:
            text = f"{strategy.strip()} Leave out “{quote}”."
        elif keep and verdict_for([decider], self.taxonomy.grading) is Verdict.do_not_post:
            # The idea is the harm (a tribute next to an offer): each part may stand alone.
            also = [q for q in others if q in on_its_own]
            left_out = f"“{quote}”" + (f" and “{_short(also[0])}”" if also else "")
            text = (f"{strategy.strip()} Leave out {left_out}. Keep “{_short(keep[0])}” for a post "
                    "of its own, on another day.")
        else:
            # The words are the harm (a jab and its eye-roll): the other words go too.
            text = f"{strategy.strip()} Leave out “{quote}” and “{_short(others[0])}”."
        return Alternative(
            text=text, kind="advice",
            what_changed="No rewording makes this idea safe; this is what to do instead.",
        )
