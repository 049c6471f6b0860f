"""What every detector sees (a scan of one draft) and what it reports (findings)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.review.detector_texts import DetectorTexts
from bot.review.lexicons import Lexicons
from bot.review.models import Severity
from bot.review.text import FoldedText, Span, past_the_lead_in

#: A match in the folded text: ``(start, end)``.
Hit = tuple[int, int]

#: How many characters a finding's quote may grow by to get past a word it should not stop on.
_LEAD_IN_REACH = 40

#: Days and months, in lower case: capitalised like a name, and never one.
CALENDAR_WORDS = frozenset({
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january",
    "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
})


@dataclass(frozen=True, slots=True)
class Finding:
    """A risk before it becomes a ``Risk``: spans are already in the original text."""

    rule_id: str
    category: str
    severity: Severity
    span: Span
    message: str
    suggestion: str | None = None
    who: str | None = None
    rewrite: str | None = None
    #: False for supporting evidence (the product next to a tribute), listed after the main words.
    primary: bool = True


@dataclass(slots=True)
class Scan:
    """One draft being checked: its folded text, cached lexicon hits and the detectors' texts."""

    text: FoldedText
    lexicons: Lexicons
    texts: DetectorTexts
    #: The lexicons that may match the draft (the others cannot); None: any may.
    possible: frozenset[str] | None = None
    #: The author's notes on the moment and the campaign (never published, never quoted).
    context: FoldedText | None = None
    #: Where the draft will be posted (``Draft.platform``), as the author gave it; None: unknown.
    platform: str | None = None
    findings: list[Finding] = field(default_factory=list)
    #: Kinds of risk a detector found the draft does not carry, though its words suggest them
    #: (words of mourning said as a joke are no tragedy): the classifier does not add them.
    ruled_out: set[str] = field(default_factory=set)
    _hits: dict[str, list[Hit]] = field(default_factory=dict)
    _present: list[str] | None = None

    @property
    def folded(self) -> str:
        return self.text.folded

    def hits(self, lexicon: str) -> list[Hit]:
        """Every match of the named lexicon (cached per draft). A list no draft is screened for
        (``lexicons.UNSCREENED``) is found here only in an unscreened draft: search it with
        ``self.lexicons[name].spans``."""
        found = self._hits.get(lexicon)
        if found is None:
            if self.possible is not None and lexicon not in self.possible:
                found = []
            else:
                found = self.lexicons[lexicon].spans(self.folded)
            self._hits[lexicon] = found
        return found

    def has(self, lexicon: str) -> bool:
        return bool(self.hits(lexicon))

    def noted(self, lexicon: str) -> bool:
        """Whether the author's notes hold the named lexicon's words (consent recorded there)."""
        return self.context is not None and bool(self.lexicons[lexicon].spans(self.context.folded))

    def present(self) -> list[str]:
        """The lexicons whose words occur in the draft, in name order: a word family's presence,
        before any "not right after" condition (that decides a finding, not a family's use).

        A screened draft answers from the screen, and searches only for the families the
        screen may have let through for words that are not there (``Pattern.screened_exactly``)
        and whose words no detector has found already."""
        if self._present is None:
            if self.possible is not None:
                folded, lexicons, found = self.folded, self.lexicons, self._hits
                self._present = [n for n in sorted(self.possible)
                                 if lexicons[n].screened_exactly or found.get(n)
                                 or lexicons[n].occurs_in(folded)]
            else:
                folded = self.folded
                self._present = [n for n in self.lexicons.names if self.lexicons[n].occurs_in(folded)]
        return self._present

    def span(self, hit: Hit) -> Span:
        return self.text.span(*hit)

    def add(self, rule_id: str, category: str, severity: Severity, hit: Hit, message: str,
            suggestion: str | None = None, rewrite: str | None = None, *, primary: bool = True) -> None:
        # A quote that stops on "who" or "our" says less than the words they lead to.
        span = self.span((hit[0], past_the_lead_in(self.folded, hit[1], until=hit[1] + _LEAD_IN_REACH)))
        if span.end > span.start:
            self.findings.append(Finding(rule_id, category, severity, span, message, suggestion,
                                         rewrite=rewrite, primary=primary))

    def report(self, rule_id: str, category: str, severity: Severity, hit: Hit, *,
               partner: bool = False) -> None:
        """``add`` with the words ``rules/detector_texts.yaml`` holds for the rule (and category).

        ``partner``: the supporting evidence (the product next to a tribute), listed after the main words.
        """
        said = self.texts.said(rule_id, category, partner=partner)
        self.add(rule_id, category, severity, hit, said.message, said.suggestion, said.rewrite,
                 primary=not partner)

    def categories(self, minimum: Severity = Severity.low) -> set[str]:
        return {f.category for f in self.findings if f.severity.rank >= minimum.rank}


# "Not for sale", "no purchase needed", "without a discount", "zero fees": a word of selling
# with its denial just before it.
_DENIED = re.compile(
    r"(?:\bnot|\bno|\bnever|\bnothing(?:'s| is)?|\bwithout|\bzero)\s+(?:for\s+|on\s+|an?\s+)?$"
)


def offered(scan: Scan, family: str) -> list[Hit]:
    """The family's hits (words of selling), less those the draft denies ("No sale, just a
    reminder", "the letters are not for sale")."""
    folded = scan.folded
    return [h for h in scan.hits(family) if _DENIED.search(folded, max(0, h[0] - 16), h[0]) is None]


def near(hits: list[Hit], anchor: Hit, before: int, after: int) -> Hit | None:
    """The first hit that starts within ``before`` chars before / ``after`` chars after ``anchor``."""
    for hit in hits:
        if anchor[0] - before <= hit[0] <= anchor[1] + after and hit != anchor:
            return hit
    return None


def closest(hits: list[Hit], anchor: Hit) -> Hit:
    """The hit nearest to ``anchor`` (``hits`` must not be empty)."""
    return min(hits, key=lambda h: abs(h[0] - anchor[0]))


#: A detector adds findings to the scan; it may read findings added before it.
Detector = Callable[[Scan], None]
