"""Surveillance creep: a precise group + a tracked behaviour + a time window, or an inferred trait.

A word list cannot see this risk: "53 people" and "watched" and "every day" are each harmless.
Together they say "we watch you closely". Precision alone is how much-loved data campaigns
work ("To the 1,235 guys who loved ... We love you"), so without an aggravating signal the
finding stays low (a note); a judgement or a jab aimed at the group (mock concern, an
eye-roll), or a sensitive trait the brand seems to have inferred, makes it high.

One person singled out ("someone in Leeds", "the guest in suite 12", "table 6 guy") needs less:
what they did plus a sensitive purchase is high (and a privacy disclosure), and what they did
plus "we noticed" is medium. "We noticed a lot of you searched X... no judgment" is high: the
brand says it analysed behaviour and then comments on it.
"""

from __future__ import annotations

import re

from bot.review.detector_texts import PARTNER
from bot.review.detectors.base import Hit, Scan, near
from bot.review.models import Severity

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "surveillance.tracked-group": (PARTNER,),
    "privacy.singled-out-sensitive": (),
    "privacy.sensitive-behaviour-tracked": (),
    "surveillance.singled-out": (),
    "surveillance.precise-group": (),
    "surveillance.commented-analysis": (),
    "surveillance.inferred-trait": (PARTNER,),
    "privacy.inferred-trait-disclosed": (),
    "privacy.sensitive-inference-told": (),
}

_CATEGORY = "surveillance_creep"
# A proportion of people or a count in millions is a statistic, not a group anyone could find
# themselves in: "9 out of 10 customers", "1 in 2 people", "40 million people". "1 in 5 of you"
# is still the audience, told what the brand saw a share of them do.
_PROPORTION = re.compile(r"(?:\bout of|\d\s+in)\s+$")
_MILLIONS = re.compile(r"\b(?:millions?|billions?|m)\b")


def merge_adjacent(hits: list[Hit], folded: str, gap: int = 2) -> list[Hit]:
    """Join hits separated only by spaces ("every day" + "for the past 18 days")."""
    merged: list[Hit] = []
    for hit in sorted(hits):
        if merged and hit[0] - merged[-1][1] <= gap and not folded[merged[-1][1]:hit[0]].strip():
            merged[-1] = (merged[-1][0], max(hit[1], merged[-1][1]))
        else:
            merged.append(hit)
    return merged


def detect_surveillance(scan: Scan) -> None:
    sensitive = scan.hits("sensitive_inference")
    _detect_tracked_group(scan, sensitive)
    if scan.has("tracking_data"):
        _detect_commented_analysis(scan)
    if sensitive:
        _detect_inferred_trait(scan, sensitive)


def _detect_tracked_group(scan: Scan, sensitive: list[Hit]) -> None:
    # Cheapest signal first: most drafts name no counted group and stop here.
    folded = scan.folded
    counted = [c for c in scan.hits("cohort_count")
               if not (_PROPORTION.search(folded, max(0, c[0] - 12), c[0])
                       and not folded.endswith("of you", c[0], c[1]))
               and not _MILLIONS.search(folded, c[0], c[1])]
    individuals = scan.hits("cohort_individual")
    if not counted and not individuals:
        return
    behaviours = scan.hits("tracked_behaviour")
    details = merge_adjacent(scan.hits("precise_window") + scan.hits("precise_location"), scan.folded)
    # Mock concern and eye-rolls count as judgement here, unless the post is plainly warm.
    jabs = [] if scan.has("warmth") else scan.hits("jab")
    # Pity for what the brand saw them do ("hang in there") is a comment on it, however kind.
    judgements = sorted(scan.hits("diagnosis") + jabs + scan.hits("concern"))
    disclosed = scan.has("tracking_data")
    reported = 0
    for cohort in sorted(counted + individuals):
        # What they did, or a sensitive state the brand attributes to them ("2,100 of you are due").
        attributed = near(sensitive, cohort, 120, 120)
        if near(behaviours, cohort, 0, 80) is None and attributed is None:
            continue
        single = cohort in individuals
        trait = near(sensitive, cohort, 400, 400)
        detail = near(details, cohort, 150, 250)
        if detail is None and attributed is None and not (single and (trait is not None or disclosed)):
            continue
        aggravator = near(judgements, cohort, 400, 400) or trait
        if aggravator is None:
            # A device that sensed them ("our TVs dimmed the screen"), or one person pinned by
            # place and clock time: warm words do not undo either.
            aggravator = near(scan.hits("device_sensing"), cohort, 400, 400)
            if aggravator is None and single and detail is not None:
                aggravator = near(scan.hits("clock_time"), cohort, 0, 150)
        if aggravator is not None:
            scan.report("surveillance.tracked-group", _CATEGORY, Severity.high, cohort)
            if detail is not None:
                scan.report("surveillance.tracked-group", _CATEGORY, Severity.high, detail, partner=True)
            if single and trait is not None:
                scan.report("privacy.singled-out-sensitive", "privacy_disclosure", Severity.high, trait)
            elif trait is not None:
                # A counted group with a health, pregnancy, body or money matter (not a mood or a
                # playlist): watching people buy a pregnancy test is the harm, not the wording.
                private = near(scan.hits("private_matter"), cohort, 400, 400)
                if private is not None:
                    scan.report("privacy.sensitive-behaviour-tracked", "privacy_disclosure",
                                Severity.high, private)
        elif single and detail is None:
            scan.report("surveillance.singled-out", _CATEGORY, Severity.medium, cohort)
        else:
            scan.report("surveillance.precise-group", _CATEGORY, Severity.low, cohort)
        reported += 1
        if reported >= 3:
            break


def _detect_commented_analysis(scan: Scan) -> None:
    """"We noticed a lot of you searched X... no judgment": analysed behaviour, then a comment on it."""
    behaviours = scan.hits("tracked_behaviour")
    if not behaviours or scan.has("warmth"):
        return
    judgements = scan.hits("diagnosis") + scan.hits("jab")
    if not judgements:
        return
    for disclosure in scan.hits("tracking_data"):
        if near(behaviours, disclosure, 0, 120) is None or near(judgements, disclosure, 400, 400) is None:
            continue
        scan.report("surveillance.commented-analysis", _CATEGORY, Severity.high, disclosure)
        return


def _detect_inferred_trait(scan: Scan, sensitive: list[Hit]) -> None:
    tracking = scan.hits("tracking_data")
    if not tracking:
        return
    for trait in sensitive:
        data = near(tracking, trait, 300, 300)
        if data is None:
            continue
        scan.report("surveillance.inferred-trait", _CATEGORY, Severity.high, trait)
        scan.report("surveillance.inferred-trait", _CATEGORY, Severity.high, data, partner=True)
        # Health, pregnancy, money, drinking or intimacy read from behaviour: telling it is the
        # harm, and no wording saves it (surveillance of a sensitive behaviour is "do not post").
        private = next((h for h in scan.hits("private_matter") if abs(h[0] - trait[0]) <= 300), None)
        scan.report("privacy.sensitive-inference-told", "privacy_disclosure", Severity.high,
                    private if private is not None else trait)
        target = near(scan.hits("individual_target"), trait, 300, 300)
        if target is not None:
            scan.report("privacy.inferred-trait-disclosed", "privacy_disclosure", Severity.high, target)
        break
