"""Customer shaming: second-person judgement or diagnosis aimed at the brand's own customers.

"Who hurt you?" is harmless in a group chat; from a paid service, aimed at people it has just
counted, it diagnoses its customers in public. Aimed at a heckler who started it (a reply), it
is a roast, which the audience usually enjoys, so that stays a note.

Weaker jabs ("are you okay??", "we see you", an eye-roll emoji, the "nobody: / absolutely
nobody:" meme) are everyday chat on their own, and support teams say "are you okay?" sincerely.
They become mockery when they land on a group the post has singled out by what its members did:
a counted group ("the 212 of you who ordered...") is high, a group defined by behaviour
("people who still...") is medium, and the same words next to plain warmth stay a note.
"""

from __future__ import annotations

import re

from bot.review.detectors.base import Hit, Scan, near
from bot.review.models import Severity

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "judgement.diagnoses-customers": ("sarcasm_misfire",),
    "judgement.roast": (),
    "judgement.second-person": (),
    "judgement.jab-at-tracked-group": ("sarcasm_misfire",),
    "judgement.jab-at-customers": ("sarcasm_misfire",),
}

_REPLY = re.compile(r"^\W*@\w|\b(?:reply|replying|replied|response|responding) to\b")
_REACH = 400  # one post: a jab anywhere in it lands on the group it names


def _with_marks(scan: Scan, hit: Hit) -> Hit:
    # Quote the question or exclamation mark too: "Who hurt you?" is the line people share.
    start, end = hit
    while end < len(scan.folded) and scan.folded[end] in "?!":
        end += 1
    return start, end


def _tracked_cohort(scan: Scan) -> Hit | None:
    """A counted or singled-out group next to something they did ("the 9 customers who returned")."""
    behaviours = scan.hits("tracked_behaviour")
    if not behaviours:
        return None
    for cohort in sorted(scan.hits("cohort_count") + scan.hits("cohort_individual")):
        if near(behaviours, cohort, 0, 80) is not None:
            return cohort
    return None


def _add_shaming(scan: Scan, rule_id: str, severity: Severity, hit: Hit) -> None:
    scan.report(rule_id, "customer_shaming", severity, hit)
    if severity.rank >= Severity.medium.rank:
        scan.report(rule_id, "sarcasm_misfire", Severity.medium, hit)


def detect_judgement(scan: Scan) -> None:
    judgements = scan.hits("diagnosis")
    jabs = scan.hits("jab")
    if not judgements and not jabs:
        return
    group = scan.has("cohort_count") or scan.has("cohort_individual") or scan.has("cohort_address")
    reply = _REPLY.search(scan.folded) is not None
    for hit in judgements[:3]:
        hit = _with_marks(scan, hit)
        if group and not reply:
            _add_shaming(scan, "judgement.diagnoses-customers", Severity.high, hit)
        elif reply:
            scan.report("judgement.roast", "sarcasm_misfire", Severity.low, hit)
        else:
            scan.report("judgement.second-person", "customer_shaming", Severity.medium, hit)
    if jabs and not judgements and not reply:
        _detect_jab_at_group(scan, jabs)


def _detect_jab_at_group(scan: Scan, jabs: list[Hit]) -> None:
    cohort = _tracked_cohort(scan)
    defined = scan.hits("behaviour_group") + scan.hits("cohort_address")
    warm = scan.has("warmth")
    for jab in jabs:
        target = near([cohort], jab, _REACH, _REACH) if cohort is not None else None
        if target is not None and not warm:
            _add_shaming(scan, "judgement.jab-at-tracked-group", Severity.high, _with_marks(scan, jab))
            return
        target = near(defined, jab, _REACH, _REACH)
        if target is None and cohort is not None:
            target = cohort
        if target is not None:
            severity = Severity.low if warm else Severity.medium
            _add_shaming(scan, "judgement.jab-at-customers", severity, _with_marks(scan, jab))
            return
