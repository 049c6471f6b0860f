"""Rules tested and explained on their own drafts: ``redteam rules test`` and ``rules explain``.

A rule's ``examples`` say what it must catch (``flag``) and which fine look-alikes it must let
pass. A ``flag`` example is checked against the rule itself, the way the checker runs it (folded
text, the allow-list, the context keys), so a failure names the rule whose words or context need
changing. A ``pass`` example is a fine post: the rule must not report it at its severity, and
nothing else in the checker may rate it medium or higher either.

``explain`` shows the whole checker's view of one draft: what fired on which words, and which
rules matched but were stopped, and by what.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from bot.review.checker import OfflineChecker
from bot.review.classifier import Judgement, describe
from bot.review.models import Draft, Review, Severity
from bot.review.rulepack import CompiledRule
from bot.review.text import FoldedText


class Outcome(Enum):
    """What one rule does with one draft."""

    reported = "reported"  # at the rule's own severity
    softened = "softened"  # reported lower, because a softened_by phrase is present
    unmatched = "unmatched"  # none of its words occur
    allowed = "allowed"  # its words occur only inside an allow-listed term
    lacks_context = "lacks context"  # requires_any: none of the context phrases occur
    excepted = "excepted"  # unless_any: one of the exception phrases occurs


@dataclass(frozen=True, slots=True)
class RuleTrace:
    """One rule on one draft: the outcome, the draft's words it matched, the mitigating words."""

    rule: CompiledRule
    outcome: Outcome
    words: list[str]
    mitigators: list[str]
    severity: Severity | None


def _quotes(text: str, folded: FoldedText, spans: list[tuple[int, int]]) -> list[str]:
    quotes: list[str] = []
    for start, end in spans:
        span = folded.span(start, end)
        quote = text[span.start:span.end]
        if quote and quote not in quotes:
            quotes.append(quote)
    return quotes


def _found(rule: CompiledRule, pattern_kind: str, text: str, folded: FoldedText) -> list[str]:
    pattern = {"unless": rule.unless, "softened": rule.softened}[pattern_kind]
    if pattern is None:
        return []
    spans = [(s, e) for s, e in pattern.spans(folded.folded) if e > s]
    return _quotes(text, folded, spans[:5])


def trace_rule(checker: OfflineChecker, rule: CompiledRule, text: str,
               platform: str | None = None) -> RuleTrace:
    """What ``rule`` does with ``text`` in ``checker`` (its allow-list and severity overrides),
    posted on ``platform`` (None: anywhere)."""
    folded = FoldedText(text)
    spans = rule.spans(folded.folded)
    if not spans:
        return RuleTrace(rule, Outcome.unmatched, [], [], None)
    words = _quotes(text, folded, spans)
    allow = checker.config.allow_pattern()
    if allow is not None:
        folded.mask(allow)
        if not rule.spans(folded.folded):
            return RuleTrace(rule, Outcome.allowed, words, list(checker.config.allow_terms), None)
    if rule.requires is not None and rule.requires.search(folded.folded) is None:
        return RuleTrace(rule, Outcome.lacks_context, words, [], None)
    excepted = _found(rule, "unless", text, folded)
    if excepted:
        return RuleTrace(rule, Outcome.excepted, words, excepted, None)
    override = checker.config.severity_overrides.get(rule.rule.id)
    softeners = _found(rule, "softened", text, folded)
    if softeners:
        return RuleTrace(rule, Outcome.softened, words, softeners, override or rule.rule.softened_severity)
    there = rule.on_platform(platform)
    if there is not None:
        return RuleTrace(rule, Outcome.reported, words, [f"on {there[0]}"], override or there[1].severity)
    return RuleTrace(rule, Outcome.reported, words, [], override or rule.rule.severity)


@dataclass(frozen=True, slots=True)
class ExampleResult:
    """One example of one rule: ``kind`` is "flag" or "pass"; ``ok`` whether the checker agreed.

    ``others``: for a pass example, what else in the checker rates it medium or higher.
    """

    rule: CompiledRule
    kind: str
    text: str
    trace: RuleTrace
    others: list[str]

    @property
    def ok(self) -> bool:
        reported = self.trace.outcome is Outcome.reported
        return reported if self.kind == "flag" else not reported and not self.others

    @property
    def problem(self) -> str:
        """Why a failed example failed, in a comms lead's words."""
        if self.kind == "flag":
            return {
                Outcome.unmatched: "none of the rule's words or patterns occur in it",
                Outcome.allowed: "its words are allow-listed in the checker config",
                Outcome.lacks_context: "none of the rule's requires_any phrases occur in it",
                Outcome.excepted: f"an unless_any phrase stops the rule: {', '.join(self.trace.mitigators)}",
                Outcome.softened: f"a softened_by phrase lowers it: {', '.join(self.trace.mitigators)}",
            }.get(self.trace.outcome, "")
        if self.trace.outcome is Outcome.reported:
            return f"the rule reports it, on: {', '.join(self.trace.words)}"
        return f"the rule lets it pass, but the checker does not: {'; '.join(self.others)}"


def example_results(checker: OfflineChecker) -> Iterator[ExampleResult]:
    """Every example of every enabled rule, in pack order."""
    for rule in checker.rules:
        for text in rule.rule.examples.flag:
            yield ExampleResult(rule, "flag", text, trace_rule(checker, rule, text), [])
        for text in rule.rule.examples.pass_:
            trace = trace_rule(checker, rule, text)
            others = [
                f"{risk.rule_id} ({risk.severity.value}) on {risk.evidence.quote!r}"
                for risk in checker.find_risks(text)
                if risk.severity.rank >= Severity.medium.rank and risk.rule_id != rule.rule.id
            ]
            yield ExampleResult(rule, "pass", text, trace, others)


@dataclass(frozen=True, slots=True)
class DetectorHit:
    """A finding of a detector in code or of a signal combination (rules/signals.yaml)."""

    name: str
    category: str
    severity: Severity
    quote: str


@dataclass(frozen=True, slots=True)
class Explanation:
    """The checker's whole view of one draft."""

    review: Review
    fired: list[RuleTrace]
    stopped: list[RuleTrace]
    detectors: list[DetectorHit]
    #: What the classifier makes of the draft, flagged or not (None: no classifier).
    classifier: Judgement | None = None
    #: The features that weighed most towards its category, in words, with their weights.
    classifier_reasons: list[tuple[str, float]] = field(default_factory=list)
    #: The sentence that the classifier flagged on its own, when the whole draft was not.
    classifier_sentence: str | None = None


_STOPPED = (Outcome.allowed, Outcome.lacks_context, Outcome.excepted)


def explain(checker: OfflineChecker, text: str, *, notes: str | None = None,
            platform: str | None = None) -> Explanation:
    """Which rules and detectors fire on ``text``, and which rules matched but were stopped.

    ``notes`` and ``platform`` are the draft's context, as a review reads them.
    """
    traces = [trace_rule(checker, rule, text, platform) for rule in checker.rules]
    pack_ids = {rule.rule.id for rule in checker.rules}
    scanned = checker.scan(text, notes, platform)
    detectors: list[DetectorHit] = []
    for finding in scanned.findings:
        if finding.rule_id in pack_ids:
            continue
        hit = DetectorHit(finding.rule_id, finding.category, finding.severity,
                          text[finding.span.start:finding.span.end])
        if hit not in detectors:
            detectors.append(hit)
    judged = None
    weighed: list[tuple[str, float]] = []
    sentence = None
    if checker.classifier is not None:
        scan = checker.prepare(text, notes, platform)
        judged = checker.classifier.judge(scan, always=True)
        weighed = [(describe(scan, feature), weight) for feature, weight in judged.reasons[:5]]
        if judged.sentence is not None:
            span = scan.span(judged.sentence)
            sentence = text[span.start:span.end]
    return Explanation(
        classifier=judged,
        classifier_reasons=weighed,
        classifier_sentence=sentence,
        review=checker.review(Draft(text=text, notes=notes, platform=platform), scanned=scanned,
                              with_alternatives=False),
        fired=[t for t in traces if t.outcome in (Outcome.reported, Outcome.softened)],
        stopped=[t for t in traces if t.outcome in _STOPPED],
        detectors=detectors,
    )
