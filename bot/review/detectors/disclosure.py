"""A named member of the public next to what they bought, took or live with.

"Big thanks to Tom Becker, who picked up his new hearing aids today" tells everyone a patient's
condition; "Jenna Morales on Fairview Ave" and "Priya S." pin a real person as surely as an
address. The name is found by its capitals (the folded text has none), so this cannot be a
word list: a first name and a surname or an initial, introduced as a person ("to", "of", "who",
"on ... Ave"), with a health, pregnancy, recovery or money matter in the same sentence or the
next. Staff introduced by their role ("Meet Maria Lopez, our new store manager") carry no
private matter and stay quiet; a consent phrase ("shared with her permission") stops it.
"""

from __future__ import annotations

import re

from bot.review.detectors.base import CALENDAR_WORDS, Hit, Scan
from bot.review.models import Severity

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "privacy.named-person-private-matter": (),
}

# Capitalised words that start sentences and greetings, not names.
_NOT_NAMES = frozenset({
    "a", "an", "the", "our", "we", "big", "huge", "special", "happy", "congrats",
    "congratulations", "thanks", "thank", "shout", "shoutout", "so", "very", "meet", "welcome",
    "say", "hello", "hi", "hey", "dear", "to", "for", "from", "with", "and", "but", "or", "this",
    "that", "these", "those", "today", "tonight", "new", "all", "every",
}) | CALENDAR_WORDS
_NAME = re.compile(r"\b([A-Z][a-z]{1,20})\s+([A-Z][a-z]{1,20}|[A-Z]\.)(?=[\s,!.:;'’)]|$)")
# What makes the capitalised pair a person the post is about.
_PERSON_CUE = re.compile(
    r"(?:\bto|\bof|\bcongrat\w*|\bthanks?|\bwelcome|\bproud|\bfor|\blegend|\bregulars?|\b[Nn]ame:)\s*"
    # A title between the cue and the name ("love to Dr. Hannah Ortiz", "Officer Dan Kim").
    r"(?:(?i:dr|mr|mrs|ms|mx|miss|prof|professor|officer|nurse|coach|pastor|captain|sgt|sergeant|cllr|councillor)\.?\s+)?$"
)
_AFTER_CUE = re.compile(
    r"^,?\s*(?:who\b|on\s+[A-Z]\w+\s+(?:Ave|Avenue|Street|St|Road|Rd|Lane|Close|Drive|Crescent|Way)\b|"
    r"from\s+[A-Z]\w+\s+(?:Ave|Avenue|Street|St|Road|Rd|Lane|Close|Drive|Crescent|Way)\b|"
    r"(?:from|in|of|at)\s+[A-Z]\w+\s*[,!.]|'s\b|’s\b)"
)
_REACH = 160
# One first name is a person too when the post introduces them as a customer ("our customer
# Liam from Geelong", "our patient Sarah, who"): the role says who they are.
_CUSTOMER_NAME = re.compile(
    r"\b(?i:our|a|one of our) (?i:customers?|patients?|clients?|members?|guests?|regulars?|"
    r"shoppers?|passengers?|residents?|students?|diners?) ([A-Z][a-z]{1,20})\b(?!\s+[A-Z])"
)


def _names(scan: Scan) -> list[Hit]:
    original = scan.text.original
    found: list[Hit] = []
    for m in _CUSTOMER_NAME.finditer(original):
        if m.group(1).lower() not in _NOT_NAMES:
            found.append((scan.text.folded_index(m.start(1)), scan.text.folded_index(m.end(1))))
    for m in _NAME.finditer(original):
        if m.group(1).lower() in _NOT_NAMES or m.group(2).rstrip(".").lower() in _NOT_NAMES:
            continue
        before = original[max(0, m.start() - 25):m.start()]
        after = original[m.end():m.end() + 60]
        if _PERSON_CUE.search(before) is None and _AFTER_CUE.search(after) is None:
            continue
        found.append((scan.text.folded_index(m.start()), scan.text.folded_index(m.end())))
    return found


def detect_named_private_matter(scan: Scan) -> None:
    private = scan.hits("private_matter")
    if not private or scan.has("consent"):
        return
    for name in _names(scan):
        matter = next((h for h in private if name[1] <= h[0] <= name[1] + _REACH), None)
        if matter is None:
            continue
        scan.report("privacy.named-person-private-matter", "privacy_disclosure", Severity.high, name)
        scan.report("privacy.named-person-private-matter", "privacy_disclosure", Severity.high, matter)
        return
