"""Surveillance creep: a precise group + a tracked behaviour + a time window, or an inferred trait.

A word list cannot see this risk: "53 people" and "watched" and "every day" are each harmless.
Together they say "we watch you closely". Precision alone is how much-loved data campaigns
work ("To the 1,235 guys who loved ... We love you"), so without an aggravating signal the
finding stays low (a note); a judgement aimed at the group, or a sensitive trait the brand
seems to have inferred, makes it high.
"""

from __future__ import annotations

from bot.review.detectors.base import Hit, Scan, near
from bot.review.models import Severity

_CATEGORY = "surveillance_creep"
_SUGGESTION = (
    "Move from individuals to trends: drop or round the number and the time window and speak "
    'of "a lot of you".'
)


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
    if sensitive:
        _detect_inferred_trait(scan, sensitive)


def _detect_tracked_group(scan: Scan, sensitive: list[Hit]) -> None:
    # Cheapest signal first: most drafts name no counted group and stop here.
    cohorts = sorted(scan.hits("cohort_count") + scan.hits("cohort_individual"))
    if not cohorts:
        return
    behaviours = scan.hits("tracked_behaviour")
    details = merge_adjacent(scan.hits("precise_window") + scan.hits("precise_location"), scan.folded)
    judgements = scan.hits("diagnosis")
    reported = 0
    for cohort in cohorts:
        if near(behaviours, cohort, 0, 80) is None:
            continue
        detail = near(details, cohort, 150, 250)
        if detail is None:
            continue
        aggravator = near(judgements, cohort, 400, 400) or near(sensitive, cohort, 400, 400)
        if aggravator is not None:
            message = (
                "A precise count of people, what they did and when, next to a judgement or a "
                "sensitive trait: it reads as the brand watching individuals and commenting on them."
            )
            scan.add("surveillance.tracked-group", _CATEGORY, Severity.high, cohort, message, _SUGGESTION)
            scan.add("surveillance.tracked-group", _CATEGORY, Severity.high, detail,
                     "The time window or repetition shows individual-level tracking.", _SUGGESTION,
                     primary=False)
        else:
            scan.add(
                "surveillance.precise-group", _CATEGORY, Severity.low, cohort,
                "Individual-level behaviour data (a precise group, what they did and when). Warm "
                "framing usually lands; any joke at their expense will read as surveillance.",
                "Keep the framing affectionate, or round the number.",
            )
        reported += 1
        if reported >= 3:
            break


def _detect_inferred_trait(scan: Scan, sensitive: list[Hit]) -> None:
    tracking = scan.hits("tracking_data")
    if not tracking:
        return
    for trait in sensitive:
        data = near(tracking, trait, 300, 300)
        if data is None:
            continue
        scan.add(
            "surveillance.inferred-trait", _CATEGORY, Severity.high, trait,
            "The post shows the brand inferring a sensitive trait (sex life, pregnancy, health, "
            "money...) from what people did.",
            "Do not publish inferences about sensitive traits; use neutral aggregates or nothing.",
        )
        scan.add("surveillance.inferred-trait", _CATEGORY, Severity.high, data,
                 "This is the data analysis behind the inference.", _SUGGESTION, primary=False)
        target = near(scan.hits("individual_target"), trait, 300, 300)
        if target is not None:
            scan.add(
                "privacy.inferred-trait-disclosed", "privacy_disclosure", Severity.high, target,
                "A sensitive inference reaches an identifiable person, who may not have told anyone.",
                "Never send or post inferred sensitive traits to individuals.",
            )
        break
