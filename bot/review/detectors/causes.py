"""Trivialising a social cause: a cause that pivots to a deal, a cause day used for a sale, or a
stereotype posted on the day that celebrates the group it slights."""

from __future__ import annotations

import re

from bot.review.detector_texts import PARTNER
from bot.review.detectors.base import Scan, near, offered
from bot.review.models import Severity

#: The rule ids reported -> what each needs in rules/detector_texts.yaml besides a message.
TEXTS: dict[str, tuple[str, ...]] = {
    "cause.pivot-to-product": (PARTNER,),
    "cause.next-to-promotion": (),
    "cause.day-as-sale": (PARTNER,),
    "cause.slight-on-cause-day": ("insensitive_timing",),
}

_REACH = 300
_OFFER = re.compile(
    r"sale|%|\boff\b|discount|deal|code|coupon|bogo|[$£€]|\bshop\b|\bbuy\b|\border|limited|special|combo|points"
)


def detect_cause_pivot(scan: Scan) -> None:
    causes = scan.hits("cause")
    if not causes:
        return
    pivots = scan.hits("pivot")
    promotions = offered(scan, "promotion")
    donation = scan.has("donation")
    for cause in causes:
        pivot = near(pivots, cause, 0, _REACH)
        if pivot is not None:
            scan.report("cause.pivot-to-product", "trivializing_social_cause", Severity.high, cause)
            scan.report("cause.pivot-to-product", "trivializing_social_cause", Severity.high, pivot,
                        partner=True)
            return
        promotion = near(promotions, cause, _REACH, _REACH)
        if promotion is not None and not donation:
            scan.report("cause.next-to-promotion", "trivializing_social_cause", Severity.medium, cause)
            return


def detect_cause_day_promotion(scan: Scan) -> None:
    """A day or month about a group's struggle used as the occasion for a discount."""
    days = scan.hits("cause_day")
    # Only giving exempts the offer: a heart or "we stand with" beside a discount still sells the day.
    if not days or scan.has("donation"):
        return
    # Only an offer counts here: "shopping hours" or "our new collection" alone is not a sale.
    offers = [h for h in offered(scan, "promotion") if _OFFER.search(scan.folded, h[0], h[1])]
    promotion = near(offers, days[0], _REACH, _REACH)
    if promotion is None:
        return
    # The day exists for people's struggle: a discount on it sells the struggle, whatever the
    # words. Medium, so "revise": the post is saved by moving the sale to another day or marking
    # the day with what the brand gives (a movement's or victims' hashtag used to sell is graded
    # "do not post" by the hashtag rules).
    scan.report("cause.day-as-sale", "trivializing_social_cause", Severity.medium, days[0])
    scan.report("cause.day-as-sale", "trivializing_social_cause", Severity.medium, promotion, partner=True)


_SLIGHTS = {"stereotype_bias", "sarcasm_misfire", "customer_shaming", "punching_down"}


def detect_cause_day_slight(scan: Scan) -> None:
    """A stereotype or jibe posted for the day that celebrates the group it slights."""
    if not scan.categories(Severity.medium) & _SLIGHTS:
        return
    days = scan.hits("cause_day")
    if not days:
        return
    scan.report("cause.slight-on-cause-day", "trivializing_social_cause", Severity.medium, days[0])
    scan.report("cause.slight-on-cause-day", "insensitive_timing", Severity.medium, days[0])
