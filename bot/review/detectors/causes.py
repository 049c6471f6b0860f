"""Trivialising a social cause: a cause that pivots to a deal, a cause day used for a sale, or a
stereotype posted on the day that celebrates the group it slights."""

from __future__ import annotations

import re

from bot.review.detectors.base import Scan, near
from bot.review.models import Severity

_REACH = 300
_OFFER = re.compile(
    r"sale|%|\boff\b|discount|deal|code|coupon|bogo|[$£€]|\bshop\b|\bbuy\b|\border|limited|special|combo|points"
)


def detect_cause_pivot(scan: Scan) -> None:
    causes = scan.hits("cause")
    if not causes:
        return
    pivots = scan.hits("pivot")
    promotions = scan.hits("promotion")
    donation = scan.has("donation")
    for cause in causes:
        pivot = near(pivots, cause, 0, _REACH)
        if pivot is not None:
            scan.add(
                "cause.pivot-to-product", "trivializing_social_cause", Severity.high, cause,
                "A real struggle is set up as the lead-in to a product or a joke.",
                "Support the cause without conditions, or leave it out of the promotion.",
            )
            scan.add("cause.pivot-to-product", "trivializing_social_cause", Severity.high, pivot,
                     "This is the pivot from the cause to the product.",
                     "Support the cause without conditions, or leave it out of the promotion.",
                     primary=False)
            return
        promotion = near(promotions, cause, _REACH, _REACH)
        if promotion is not None and not donation:
            scan.add(
                "cause.next-to-promotion", "trivializing_social_cause", Severity.medium, cause,
                "A serious cause sits next to a sales message, with nothing given to the cause.",
                "Say plainly what the brand does for the cause, or keep them apart.",
            )
            return


def detect_cause_day_promotion(scan: Scan) -> None:
    """A day or month about a group's struggle used as the occasion for a discount."""
    days = scan.hits("cause_day")
    if not days or scan.has("donation") or scan.has("solidarity"):
        return
    # Only an offer counts here: "shopping hours" or "our new collection" alone is not a sale.
    offers = [h for h in scan.hits("promotion") if _OFFER.search(scan.folded, h[0], h[1])]
    promotion = near(offers, days[0], _REACH, _REACH)
    if promotion is None:
        return
    scan.add(
        "cause.day-as-sale", "trivializing_social_cause", Severity.medium, days[0],
        "A day about a group's rights, history or health is used as the occasion for a sale, with "
        "nothing given to the cause.",
        "Mark the day with something the brand does for the group, or keep the sale for another day.",
    )
    scan.add("cause.day-as-sale", "trivializing_social_cause", Severity.medium, promotion,
             "This is the offer attached to the day.",
             "Keep the offer apart from the day.", primary=False)


_SLIGHTS = {"stereotype_bias", "sarcasm_misfire", "customer_shaming", "punching_down"}


def detect_cause_day_slight(scan: Scan) -> None:
    """A stereotype or jibe posted for the day that celebrates the group it slights."""
    if not scan.categories(Severity.medium) & _SLIGHTS:
        return
    days = scan.hits("cause_day")
    if not days:
        return
    scan.add(
        "cause.slight-on-cause-day", "trivializing_social_cause", Severity.medium, days[0],
        "The post marks a day about a group's struggle or achievements while leaning on a "
        "stereotype or a jibe: the day becomes the punchline.",
        "Mark the day sincerely (a fact, a person, a commitment) without the hook.",
    )
    scan.add(
        "cause.slight-on-cause-day", "insensitive_timing", Severity.medium, days[0],
        "On this day the audience reads the post as the brand's statement about the group.",
        "Mark the day sincerely, or skip it.",
    )
